// libFuzzer entry point for the image decoders (PNG, JPEG, PPM/PGM) used by
// edgert-convert --calibration-images. Any crash, hang or sanitizer report is
// a bug; errors are expected.
#include <cstddef>
#include <cstdint>

#include "tools/image/image.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  edgert::Image image;
  (void)edgert::DecodeImage(data, size, "fuzz", &image);
  return 0;
}
