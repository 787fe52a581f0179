// The walk over output pixels and 16-channel groups shared by the aarch64
// int8 depthwise microkernels (QS8DwconvUkernelFn, kernels/dispatch.h):
// fewer than 16 channels are one partial group per pixel, tail(input, output);
// otherwise each pixel's groups run whole, full(input, c, group, output + c),
// the last one covering channels [channels - 16, channels) and overlapping
// the one before when channels % 16 != 0 (the overlapped outputs are stored
// again, unchanged). group_words: int32 words per packed group.
#pragma once

#include <cstddef>
#include <cstdint>

namespace edgert {
namespace qs8_neon {

template <typename Full, typename Tail>
inline void DwconvGroups16(size_t pixels, size_t channels, size_t taps, const int8_t* const* input,
                           const int32_t* first, size_t group_words, int8_t* output, Full full, Tail tail) {
  if (channels < 16) {
    for (size_t p = 0; p < pixels; ++p, input += taps, output += channels) tail(input, output);
    return;
  }
  for (size_t p = 0; p < pixels; ++p, input += taps, output += channels) {
    const int32_t* group = first;
    size_t c = 0;
    for (; c + 16 <= channels; c += 16, group += group_words) full(input, c, group, output + c);
    if (c < channels) full(input, channels - 16, group, output + channels - 16);
  }
}

}  // namespace qs8_neon
}  // namespace edgert
