// edgert-demo-model OUT.ert [--size N]: writes the built-in demo classifier.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "tools/demo_model.h"

int main(int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') {
    std::fprintf(stderr, "usage: edgert-demo-model OUT.ert [--size N | --tiny | --tiny-sparse]\n");
    return 2;
  }
  int size = 128;
  bool tiny = false, sparse = false;
  for (int i = 2; i < argc; ++i) {
    if (std::string(argv[i]) == "--size" && i + 1 < argc) size = std::atoi(argv[++i]);
    else if (std::string(argv[i]) == "--tiny") tiny = true;
    else if (std::string(argv[i]) == "--tiny-sparse") tiny = sparse = true;
  }
  if (size < 32 || size > 1024) {
    std::fprintf(stderr, "edgert-demo-model: --size must be in [32, 1024]\n");
    return 2;
  }
  const auto bytes = tiny ? edgert::BuildTinyDemoNet(sparse) : edgert::BuildDemoMobileNet(size);
  if (tiny) size = 8;
  FILE* f = std::fopen(argv[1], "wb");
  if (f == nullptr || std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size() || std::fclose(f) != 0) {
    std::fprintf(stderr, "edgert-demo-model: cannot write %s\n", argv[1]);
    return 1;
  }
  std::printf("wrote %s (%zu bytes, input [1,%d,%d,3] f32)\n", argv[1], bytes.size(), size, size);
  return 0;
}
