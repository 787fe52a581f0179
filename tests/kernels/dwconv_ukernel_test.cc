// The depthwise-convolution microkernels of every ISA level this CPU supports
// (kernels/dispatch.h), called directly with weights packed here from the
// layouts that F32DwconvUkernelFn and QS8DwconvUkernelFn document:
//  - channel counts 1..17, around two and three groups (every tail of the
//    16-channel tile) and 64-80 (four groups at once), tap counts odd and even
//    (1 to 25), 1 to 4, 6, 7, 9, 13 and 14 pixels (kernels compute pixels in
//    pairs or blocks of 4 or 8, with remainders of 1 to 7);
//  - every input pointer's `channels` values end right before an inaccessible
//    page, so a read past them faults; padding taps share one buffer;
//  - guard values after the output, which must stay;
//  - f32 against a naive double-precision sum (within rounding), int8
//    bit-exact against an int32 sum and MultiplyByQuantizedMultiplier
//    (kernels/common/quant.h), including saturating left shifts, right shifts
//    up to 31 and ties, in the level's packed channel order.
// The op tests (depthwise_conv_2d_test.cc, conv_qs8_optimized_test.cc) run the
// same kernels through the optimized DEPTHWISE_CONV_2D.
#include <catch2/catch.hpp>

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "kernels/common/quant.h"
#include "kernels/dispatch.h"
#include "tests/kernels/kernel_test_util.h"
#include "tests/kernels/ukernel_test_util.h"

namespace edgert {
namespace {

using namespace testing;  // NOLINT: tests/kernels/kernel_test_util.h

const size_t kTaps[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 25};
const size_t kPixels[] = {1, 2, 3, 4, 6, 7, 9, 13, 14};

std::vector<size_t> ChannelCounts() {
  std::vector<size_t> v;
  for (size_t c = 1; c <= 17; ++c) v.push_back(c);
  for (size_t c : {23, 24, 28, 31, 32, 33, 36, 40, 47, 48, 64, 65, 80}) v.push_back(c);
  return v;
}

// `slots` buffers of `bytes` (<= one page) each ending right before a page
// that cannot be accessed: reading past a buffer faults.
class GuardedBuffers {
 public:
  GuardedBuffers(size_t slots, size_t bytes) : page_(static_cast<size_t>(sysconf(_SC_PAGESIZE))), bytes_(bytes) {
    REQUIRE(bytes <= page_);
    size_ = 2 * page_ * slots;
    void* p = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(p != MAP_FAILED);
    base_ = static_cast<uint8_t*>(p);
    for (size_t i = 0; i < slots; ++i) REQUIRE(mprotect(base_ + (2 * i + 1) * page_, page_, PROT_NONE) == 0);
  }
  ~GuardedBuffers() { munmap(base_, size_); }
  GuardedBuffers(const GuardedBuffers&) = delete;
  GuardedBuffers& operator=(const GuardedBuffers&) = delete;

  void* slot(size_t i) const { return base_ + (2 * i + 1) * page_ - bytes_; }

 private:
  size_t page_, bytes_, size_ = 0;
  uint8_t* base_ = nullptr;
};

// Which (pixel, tap) pointers are padding (one shared buffer): about one in
// four, never for 1-tap single-pixel runs so that those read real data.
std::vector<bool> PaddingTaps(size_t pixels, size_t taps, std::mt19937& rng) {
  std::vector<bool> pad(pixels * taps);
  for (size_t i = 0; i < pad.size(); ++i) pad[i] = pad.size() > 1 && rng() % 4 == 0;
  return pad;
}

// ---------------------------------------------------------------- f32

void CheckF32Dwconv(F32DwconvUkernelFn fn, size_t ct, uint32_t seed) {
  const float kGuard = -7777.f;
  std::mt19937 rng(seed);
  for (size_t pixels : kPixels) {
    for (size_t taps : kTaps) {
      for (size_t channels : ChannelCounts()) {
        const size_t groups = (channels + ct - 1) / ct;
        // x[(p * taps + t) * channels + k]; the padding buffer holds zeros.
        const std::vector<float> x = RandomFloats(pixels * taps * channels, -2.f, 2.f, seed++);
        const std::vector<float> wt = RandomFloats(taps * channels, -1.f, 1.f, seed++);  // wt[t * channels + k]
        const std::vector<float> bias = RandomFloats(channels, -1.f, 1.f, seed++);
        const std::vector<bool> pad = PaddingTaps(pixels, taps, rng);
        GuardedBuffers buffers(pixels * taps + 1, channels * sizeof(float));
        std::vector<const float*> ptrs(pixels * taps);
        float* zeros = static_cast<float*>(buffers.slot(pixels * taps));
        std::fill_n(zeros, channels, 0.f);
        for (size_t r = 0; r < pixels * taps; ++r) {
          float* b = static_cast<float*>(buffers.slot(r));
          std::copy_n(x.begin() + r * channels, channels, b);
          ptrs[r] = pad[r] ? zeros : b;
        }
        std::vector<float> w(groups * ct * (taps + 1), 0.f);
        for (size_t g = 0; g < groups; ++g) {
          float* gp = w.data() + g * ct * (taps + 1);
          for (size_t j = 0; j < ct && g * ct + j < channels; ++j) {
            gp[j] = bias[g * ct + j];
            for (size_t t = 0; t < taps; ++t) gp[ct + t * ct + j] = wt[t * channels + g * ct + j];
          }
        }
        const float bound = 0.5f * static_cast<float>(taps);
        for (const F32MinMaxParams& mm : {F32MinMaxParams{-INFINITY, INFINITY}, F32MinMaxParams{-bound, bound}}) {
          INFO("pixels " << pixels << " taps " << taps << " channels " << channels << " clamp [" << mm.min << ", "
                         << mm.max << "]");
          std::vector<float> y(pixels * channels + 7, kGuard);
          fn(pixels, channels, taps, ptrs.data(), w.data(), y.data(), &mm);
          size_t bad = 0;
          std::string first;
          for (size_t i = 0; i < y.size(); ++i) {
            double want = kGuard;
            bool ok;
            if (i >= pixels * channels) {
              ok = y[i] == kGuard;  // past the output
            } else {
              const size_t p = i / channels, k = i % channels;
              double sum = bias[k], mag = std::fabs(bias[k]);
              for (size_t t = 0; t < taps; ++t) {
                if (pad[p * taps + t]) continue;
                const double v = static_cast<double>(x[(p * taps + t) * channels + k]) * wt[t * channels + k];
                sum += v;
                mag += std::fabs(v);
              }
              want = std::min<double>(std::max<double>(sum, mm.min), mm.max);
              ok = std::fabs(y[i] - want) <= 4e-6 * mag + 1e-7;
            }
            if (!ok && bad++ == 0)
              first = "output " + std::to_string(i) + ": got " + std::to_string(y[i]) + ", want " +
                      std::to_string(want);
          }
          INFO(first);
          REQUIRE(bad == 0);
        }
      }
    }
  }
}

TEST_CASE("f32 depthwise-convolution microkernels of every level match a naive sum", "[ukernels][dwconv]") {
  for (IsaLevel l : SupportedMicrokernelLevels()) {
    ScopedIsaLevel scope(l);
    const KernelIsa& isa = GetKernelIsa();
    INFO("ISA " << isa.name);
    REQUIRE(isa.f32_dwconv.fn != nullptr);  // every level with microkernels has one
    CheckF32Dwconv(isa.f32_dwconv.fn, static_cast<size_t>(isa.f32_dwconv.channel_tile), 500);
  }
}

// ---------------------------------------------------------------- int8

// The weight layouts of QS8DwconvUkernelFn: int16 tap pairs, one tap per
// word by channel parity (single_taps), or int8 tap quads
// (KernelIsa::qs8_dwconv_quads).
enum class DwLayout { kPairs, kSingle, kQuads };

// Packs per QS8DwconvUkernelFn: per group of ct channels (channel j of the
// group at position order[j]; the last group of more than ct channels covers
// the last ct, overlapping the one before) the ct * kQS8ChannelWords words,
// then the int16 tap pairs, or one tap per word (the pair (w, 0) for channel
// j of the group when j is even, (0, w) when j is odd), or blocks of four
// int8 taps per word (byte k of channel j's word in block q: tap 4q + k) with
// acc0 less a_offset times the channel's weight sum.
std::vector<int32_t> PackQS8Dwconv(const std::vector<int32_t>& wt, const std::vector<QS8Channel>& ch, size_t taps,
                                   size_t channels, size_t ct, const uint8_t* order, DwLayout layout,
                                   int32_t a_offset) {
  const size_t groups = (channels + ct - 1) / ct;
  const size_t tap_words = layout == DwLayout::kSingle ? taps : layout == DwLayout::kPairs ? (taps + 1) / 2
                                                                                           : (taps + 3) / 4;
  const size_t group_words = ct * kQS8ChannelWords + tap_words * ct;
  std::vector<int32_t> w(groups * group_words, 0);
  for (size_t g = 0; g < groups; ++g) {
    int32_t* header = w.data() + g * group_words;
    uint8_t* pairs = reinterpret_cast<uint8_t*>(header + ct * kQS8ChannelWords);
    // The last group of more than ct channels ends at `channels`.
    const size_t start = channels > ct ? std::min(g * ct, channels - ct) : 0;
    for (size_t j = 0; j < ct && start + j < channels; ++j) {
      const size_t k = start + j, pos = order != nullptr ? order[j] : j;
      int64_t sum = 0;
      for (size_t t = 0; t < taps; ++t) sum += wt[t * channels + k];
      header[pos] = layout == DwLayout::kQuads ? static_cast<int32_t>(ch[k].acc0 - a_offset * sum) : ch[k].acc0;
      header[ct + pos] = ch[k].multiplier;
      header[2 * ct + pos] = std::max(ch[k].shift, 0);
      header[3 * ct + pos] = std::max(-ch[k].shift, 0);
      for (size_t t = 0; t < taps; ++t) {
        if (layout == DwLayout::kQuads) {
          pairs[((t / 4) * ct + pos) * 4 + t % 4] = static_cast<uint8_t>(static_cast<int8_t>(wt[t * channels + k]));
          continue;
        }
        const int16_t v = static_cast<int16_t>(wt[t * channels + k]);
        const size_t slot =
            layout == DwLayout::kSingle ? (t * ct + pos) * 2 + j % 2 : ((t / 2) * ct + pos) * 2 + t % 2;
        std::memcpy(pairs + slot * sizeof(int16_t), &v, sizeof(v));
      }
    }
  }
  return w;
}

void CheckQS8Dwconv(QS8DwconvUkernelFn fn, size_t ct, const uint8_t* order, DwLayout layout, int32_t a_offset,
                    uint32_t seed) {
  const int8_t kGuard = 0x5A;
  std::mt19937 rng(seed);
  const QS8ConvParams any_stages[] = {{0, -128, 127}, {-128, -128, 127}, {127, -128, 127}, {5, -20, 60}};
  // QS8ConvParams::full_range_short_rounding, for channels that allow it.
  const QS8ConvParams short_stages[] = {{0, -128, 127, 1}, {-128, -128, 127, 1}, {127, -128, 127, 1},
                                        {-3, -128, 127, 1}};
  size_t stage = 0;
  for (size_t pixels : kPixels) {
    for (size_t taps : kTaps) {
      for (size_t channels : ChannelCounts()) {
        const std::vector<int8_t> x = RandomInts<int8_t>(pixels * taps * channels, -128, 127, seed++);
        // Quads hold int8 weights; the other layouts int16 (weights minus a
        // zero point).
        const int32_t w_lo = layout == DwLayout::kQuads ? -128 : -255, w_hi = layout == DwLayout::kQuads ? 127 : 255;
        const std::vector<int32_t> wt = RandomInts<int32_t>(taps * channels, w_lo, w_hi, seed++);
        std::vector<QS8Channel> ch(channels);
        // A third of the cases shift only right (no channel shifts left: a
        // kernel may skip the saturating left shift for such a group), a
        // third have channels and ranges for the short-rounding output stage.
        const int mode = static_cast<int>(rng() % 3);
        const bool right_only = mode == 1, short_rounding = mode == 2;
        const int64_t spread = static_cast<int64_t>(taps) * 128 * 255;  // bounds |acc - acc0|
        for (QS8Channel& c : ch) {
          c = short_rounding ? RandomShortRoundingQS8Channel(rng, spread) : RandomQS8Channel(rng);
          if (right_only) c.shift = -std::abs(c.shift);
          if (short_rounding)
            REQUIRE(QS8RoundsInInt32(std::abs(int64_t{c.acc0}) + spread, 0, -c.shift, kShortRoundingZp));
        }
        const QS8ConvParams* stages = short_rounding ? short_stages : any_stages;
        const std::vector<int32_t> w = PackQS8Dwconv(wt, ch, taps, channels, ct, order, layout, a_offset);
        const std::vector<bool> pad = PaddingTaps(pixels, taps, rng);
        const int8_t pad_value = static_cast<int8_t>(rng() % 256);  // the input zero point
        GuardedBuffers buffers(pixels * taps + 1, channels);
        std::vector<const int8_t*> ptrs(pixels * taps);
        int8_t* padding = static_cast<int8_t*>(buffers.slot(pixels * taps));
        std::fill_n(padding, channels, pad_value);
        for (size_t r = 0; r < pixels * taps; ++r) {
          int8_t* b = static_cast<int8_t*>(buffers.slot(r));
          std::copy_n(x.begin() + r * channels, channels, b);
          ptrs[r] = pad[r] ? padding : b;
        }
        for (int rep = 0; rep < 2; ++rep) {
          const QS8ConvParams& params = stages[stage++ % 4];
          INFO("pixels " << pixels << " taps " << taps << " channels " << channels << " right shifts only "
                         << right_only << " short rounding " << short_rounding << " output zp "
                         << params.output_zp << " range [" << params.min << ", " << params.max << "]");
          std::vector<int8_t> y(pixels * channels + 19, kGuard);
          fn(pixels, channels, taps, ptrs.data(), w.data(), y.data(), &params);
          size_t bad = 0;
          std::string first;
          for (size_t i = 0; i < y.size(); ++i) {
            const int32_t got = y[i];
            if (i >= pixels * channels) {
              if (got != kGuard && bad++ == 0) first = "byte " + std::to_string(i) + " past the output written";
              continue;
            }
            const size_t p = i / channels, k = i % channels;
            int32_t acc = ch[k].acc0;
            for (size_t t = 0; t < taps; ++t) {
              const int32_t v = pad[p * taps + t] ? pad_value : x[(p * taps + t) * channels + k];
              acc += v * wt[t * channels + k];
            }
            const int32_t scaled = MultiplyByQuantizedMultiplier(acc, ch[k].multiplier, ch[k].shift);
            const int64_t want =
                std::min<int64_t>(std::max<int64_t>(int64_t{scaled} + params.output_zp, params.min), params.max);
            if (got != want && bad++ == 0)
              first = "output " + std::to_string(i) + ": got " + std::to_string(got) + ", want " +
                      std::to_string(want) + " (acc " + std::to_string(acc) + ", multiplier " +
                      std::to_string(ch[k].multiplier) + ", shift " + std::to_string(ch[k].shift) + ")";
          }
          INFO(first);
          REQUIRE(bad == 0);
        }
      }
    }
  }
}

TEST_CASE("int8 depthwise-convolution microkernels of every level are bit-exact with TFLite requantization",
          "[ukernels][dwconv]") {
  for (IsaLevel l : SupportedMicrokernelLevels()) {
    ScopedIsaLevel scope(l);
    const KernelIsa& isa = GetKernelIsa();
    INFO("ISA " << isa.name);
    REQUIRE(isa.qs8_dwconv.fn != nullptr);  // every level with microkernels has one
    CheckQS8Dwconv(isa.qs8_dwconv.fn, static_cast<size_t>(isa.qs8_dwconv.channel_tile), isa.qs8_dwconv.channel_order,
                   isa.qs8_dwconv.single_taps ? DwLayout::kSingle : DwLayout::kPairs, 0, 600);
  }
}

TEST_CASE("int8 tap-quad depthwise-convolution microkernels are bit-exact with TFLite requantization",
          "[ukernels][dwconv]") {
  int checked = 0;
  for (IsaLevel l : SupportedMicrokernelLevels()) {
    ScopedIsaLevel scope(l);
    const KernelIsa& isa = GetKernelIsa();
    if (isa.qs8_dwconv_quads.fn == nullptr) continue;
    INFO("ISA " << isa.name);
    CheckQS8Dwconv(isa.qs8_dwconv_quads.fn, static_cast<size_t>(isa.qs8_dwconv_quads.channel_tile), nullptr,
                   DwLayout::kQuads, isa.qs8_dwconv_quads.a_offset, 700);
    ++checked;
  }
  if (checked == 0) WARN("no level of this CPU has a tap-quad depthwise microkernel: nothing to check");
}

}  // namespace
}  // namespace edgert
