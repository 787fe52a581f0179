// The GEMM microkernels of every ISA level this CPU supports
// (kernels/dispatch.h), called directly with B packed here from the layouts
// that F32GemmUkernelFn and QS8GemmUkernelFn document:
//  - every row count 1..MR, column counts through two panels plus tails, K
//    sizes around the kernels' unrolling, row strides wider than the rows;
//  - A rows padded with NaN (f32) after their K values, which must not be read;
//  - guard values around and between the output rows, which must stay;
//  - the block-sparse int8 GEMM on B with most 16 x 4 blocks zero, packed
//    with only the others;
//  - f32 against a naive double-precision product (within rounding), int8
//    bit-exact against MultiplyByQuantizedMultiplier (kernels/common/quant.h),
//    including saturating left shifts, right shifts up to 31 and ties.
// The op tests (conv_2d_test.cc, fully_connected_test.cc, ...) run the same
// kernels through the optimized ops.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "kernels/common/quant.h"
#include "kernels/dispatch.h"
#include "runtime/dtype.h"
#include "tests/kernels/kernel_test_util.h"
#include "tests/kernels/ukernel_test_util.h"

namespace edgert {
namespace {

using namespace testing;  // NOLINT: tests/kernels/kernel_test_util.h

const size_t kKs[] = {1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 23, 31, 33, 40, 46};

// Column counts: every count through one panel and a half, then a few more.
std::vector<size_t> ColumnCounts(size_t nr) {
  std::vector<size_t> v;
  for (size_t n = 1; n <= nr + nr / 2 + 1; ++n) v.push_back(n);
  for (size_t n : {2 * nr - 1, 2 * nr, 2 * nr + 3, 3 * nr + 1, 4 * nr + 7}) v.push_back(n);
  return v;
}

// ---------------------------------------------------------------- f32

// Checks an f32 microkernel's output block c (max_mr + 1 rows of c_stride
// floats, filled with kF32Guard before the call): rows < mr and columns < nc
// must equal clamp(sum) within the rounding of sums of at most mag, where
// expected(i, j, &sum, &mag) gives the exact sum (bias included) and the sum
// of its terms' magnitudes; everything else must still hold the guard.
constexpr float kF32Guard = -7777.f;
// The tolerance is rel * mag + 1e-7 (f32 kernels: k + 1 roundings of sums of
// at most mag).
template <typename Expected>
void CheckF32Block(const std::vector<float>& c, size_t c_stride, size_t max_mr, size_t mr, size_t nc,
                   const F32MinMaxParams& mm, const Expected& expected, double rel = 4e-6) {
  size_t bad = 0;
  std::string first;
  for (size_t i = 0; i < max_mr + 1; ++i) {
    for (size_t j = 0; j < c_stride; ++j) {
      const float y = c[i * c_stride + j];
      bool ok = true;
      double want = kF32Guard;
      if (i >= mr || j >= nc) {
        ok = y == kF32Guard;  // outside the output
      } else {
        double sum = 0, mag = 0;
        expected(i, j, &sum, &mag);
        want = std::min<double>(std::max<double>(sum, mm.min), mm.max);
        ok = std::fabs(y - want) <= rel * mag + 1e-7;
      }
      if (!ok && bad++ == 0)
        first = "row " + std::to_string(i) + " column " + std::to_string(j) + ": got " + std::to_string(y) +
                ", want " + std::to_string(want);
    }
  }
  INFO(first);
  REQUIRE(bad == 0);
}

// A packed B element of an f32 (W = float) or f16 (W = uint16_t, IEEE half
// bits) GEMM microkernel: Pack stores a float as W, Value is the value the
// kernel multiplies (the float, or its f16 rounding).
template <typename W>
struct PackedElement {
  static constexpr bool kHalf = sizeof(W) == sizeof(uint16_t);
  static W Pack(float v) { return kHalf ? static_cast<W>(FloatToHalf(v)) : static_cast<W>(v); }
  static double Value(float v) {
    return kHalf ? static_cast<double>(HalfToFloat(FloatToHalf(v))) : static_cast<double>(v);
  }
};

// W: float (F32GemmUkernelFn), or uint16_t (F16GemmUkernelFn: f32 A rows, B
// and bias packed as IEEE halves). For f16 the exact sum is taken over the
// f16-rounded A and B; the kernel rounds every multiply-add to f16 (unit
// roundoff 2^-11), so its error is below (kc + 1) * 2^-11 of the sum of the
// terms' magnitudes.
template <typename W, typename Fn>
void CheckGemm(Fn fn, size_t max_mr, size_t nr, uint32_t seed) {
  constexpr bool kHalf = PackedElement<W>::kHalf;
  const auto pack = PackedElement<W>::Pack;
  const auto value = PackedElement<W>::Value;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (size_t kc : kKs) {
    for (size_t nc : ColumnCounts(nr)) {
      const size_t panels = (nc + nr - 1) / nr;
      const size_t a_stride = kc + 3, c_stride = nc + 5;
      std::vector<float> a(max_mr * a_stride, nan);
      const std::vector<float> av = RandomFloats(max_mr * kc, -2.f, 2.f, seed++);
      for (size_t i = 0; i < max_mr; ++i) std::copy_n(av.begin() + i * kc, kc, a.begin() + i * a_stride);
      const std::vector<float> b = RandomFloats(kc * nc, -1.f, 1.f, seed++);  // b[k * nc + j]
      const std::vector<float> bias = RandomFloats(nc, -1.f, 1.f, seed++);
      std::vector<W> w(panels * nr * (kc + 1), pack(0.f));
      for (size_t p = 0; p < panels; ++p) {
        W* panel = w.data() + p * nr * (kc + 1);
        for (size_t j = 0; j < nr && p * nr + j < nc; ++j) {
          panel[j] = pack(bias[p * nr + j]);
          for (size_t k = 0; k < kc; ++k) panel[nr + k * nr + j] = pack(b[k * nc + p * nr + j]);
        }
      }
      for (size_t mr = 1; mr <= max_mr; ++mr) {
        for (const F32MinMaxParams& mm : {F32MinMaxParams{-INFINITY, INFINITY}, F32MinMaxParams{-0.5f, 0.75f}}) {
          INFO("mr " << mr << " nc " << nc << " kc " << kc << " clamp [" << mm.min << ", " << mm.max << "]");
          std::vector<float> c((max_mr + 1) * c_stride, kF32Guard);
          fn(mr, nc, kc, a.data(), a_stride, w.data(), c.data(), c_stride, &mm);
          CheckF32Block(
              c, c_stride, max_mr, mr, nc, mm,
              [&](size_t i, size_t j, double* sum, double* mag) {
                *sum = value(bias[j]);
                *mag = std::fabs(*sum);
                for (size_t k = 0; k < kc; ++k) {
                  const double t = value(av[i * kc + k]) * value(b[k * nc + j]);
                  *sum += t;
                  *mag += std::fabs(t);
                }
              },
              kHalf ? static_cast<double>(kc + 1) / 2048.0 : 4e-6);
        }
      }
    }
  }
}

TEST_CASE("f32 GEMM microkernels of every level match a naive product", "[ukernels][gemm]") {
  for (IsaLevel l : SupportedMicrokernelLevels()) {
    ScopedIsaLevel scope(l);
    const KernelIsa& isa = GetKernelIsa();
    INFO("ISA " << isa.name);
    REQUIRE(isa.f32_gemm.fn != nullptr);
    CheckGemm<float>(isa.f32_gemm.fn, static_cast<size_t>(isa.f32_gemm.mr), static_cast<size_t>(isa.f32_gemm.nr), 100);
    if (isa.f32_gemv.fn != nullptr) {
      INFO("gemv");
      CheckGemm<float>(isa.f32_gemv.fn, 1, static_cast<size_t>(isa.f32_gemv.nr), 200);
    }
    if (isa.f32_gemm_nr8.fn != nullptr) {
      INFO("NR = 8 GEMM");
      REQUIRE(isa.f32_gemm_nr8.nr == 8);
      CheckGemm<float>(isa.f32_gemm_nr8.fn, static_cast<size_t>(isa.f32_gemm_nr8.mr), 8, 300);
    }
  }
}

// ---------------------------------------------------------------- f16

TEST_CASE("f16 GEMM microkernels of every level match a naive product within f16 rounding", "[ukernels][gemm]") {
  size_t tested = 0;
  for (IsaLevel l : SupportedMicrokernelLevels()) {
    ScopedIsaLevel scope(l);
    const KernelIsa& isa = GetKernelIsa();
    INFO("ISA " << isa.name);
    if (isa.f16_gemm.fn == nullptr) continue;
    CheckGemm<uint16_t>(isa.f16_gemm.fn, static_cast<size_t>(isa.f16_gemm.mr),
                        static_cast<size_t>(isa.f16_gemm.nr), 400);
    if (isa.f16_gemm.gemv != nullptr) {
      INFO("gemv");
      CheckGemm<uint16_t>(isa.f16_gemm.gemv, 1, static_cast<size_t>(isa.f16_gemm.nr), 500);
    }
    ++tested;
  }
  if (tested == 0) WARN("no level of this CPU has an f16 GEMM (ARMv8.2 FP16 arithmetic): nothing to test");
}

// The indirect GEMM against a naive sum over its taps: each row's taps point
// at separate buffers (NaN-padded past kc, which must not be read) or at one
// shared zero buffer; the pointers of rows past mr are null (never read).
// W: float (F32IgemmUkernelFn), or uint16_t (F16IgemmUkernelFn: B and bias
// packed as halves, the exact sum taken over f16-rounded A and B values, and
// the tolerance of CheckGemm).
template <typename W, typename Fn>
void CheckIgemm(Fn fn, size_t max_mr, size_t nr, uint32_t seed) {
  constexpr bool kHalf = PackedElement<W>::kHalf;
  const auto pack = PackedElement<W>::Pack;
  const auto value = PackedElement<W>::Value;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (size_t taps : {size_t{1}, size_t{2}, size_t{3}, size_t{9}}) {
    for (size_t kc : {size_t{1}, size_t{3}, size_t{4}, size_t{7}, size_t{16}, size_t{21}}) {
      for (size_t nc : {size_t{1}, size_t{7}, size_t{8}, size_t{9}, size_t{16}, size_t{17}, 2 * nr + 3}) {
        const size_t panels = (nc + nr - 1) / nr, kk = taps * kc, c_stride = nc + 5;
        // x[(i * taps + t) * (kc + 2) + j]: row i, tap t, channel j.
        std::vector<float> x(max_mr * taps * (kc + 2), nan);
        const std::vector<float> xv = RandomFloats(max_mr * taps * kc, -2.f, 2.f, seed++);
        const std::vector<float> zeros(kc, 0.f);
        std::vector<bool> is_zero(max_mr * taps);
        std::mt19937 rng(seed++);
        for (size_t r = 0; r < max_mr * taps; ++r) {
          is_zero[r] = rng() % 4 == 0;
          std::copy_n(xv.begin() + r * kc, kc, x.begin() + r * (kc + 2));
        }
        const std::vector<float> b = RandomFloats(kk * nc, -1.f, 1.f, seed++);  // b[k * nc + j]
        const std::vector<float> bias = RandomFloats(nc, -1.f, 1.f, seed++);
        std::vector<W> w(panels * nr * (kk + 1), pack(0.f));
        for (size_t p = 0; p < panels; ++p) {
          W* panel = w.data() + p * nr * (kk + 1);
          for (size_t j = 0; j < nr && p * nr + j < nc; ++j) {
            panel[j] = pack(bias[p * nr + j]);
            for (size_t k = 0; k < kk; ++k) panel[nr + k * nr + j] = pack(b[k * nc + p * nr + j]);
          }
        }
        for (size_t mr = 1; mr <= max_mr; ++mr) {
          std::vector<const float*> ptrs(taps * max_mr, nullptr);
          for (size_t t = 0; t < taps; ++t)
            for (size_t i = 0; i < mr; ++i)
              ptrs[t * max_mr + i] = is_zero[i * taps + t] ? zeros.data() : x.data() + (i * taps + t) * (kc + 2);
          const F32MinMaxParams mm = {-0.5f * static_cast<float>(kk), 0.75f * static_cast<float>(kk)};
          INFO("mr " << mr << " nc " << nc << " kc " << kc << " taps " << taps);
          std::vector<float> c((max_mr + 1) * c_stride, kF32Guard);
          fn(mr, nc, kc, taps, ptrs.data(), w.data(), c.data(), c_stride, &mm);
          CheckF32Block(
              c, c_stride, max_mr, mr, nc, mm,
              [&](size_t i, size_t j, double* sum, double* mag) {
                *sum = value(bias[j]);
                *mag = std::fabs(*sum);
                for (size_t t = 0; t < taps; ++t) {
                  if (is_zero[i * taps + t]) continue;
                  for (size_t k = 0; k < kc; ++k) {
                    const double v = value(xv[(i * taps + t) * kc + k]) * value(b[(t * kc + k) * nc + j]);
                    *sum += v;
                    *mag += std::fabs(v);
                  }
                }
              },
              kHalf ? static_cast<double>(kk + 1) / 2048.0 : 4e-6);
        }
      }
    }
  }
}

TEST_CASE("f32 and f16 indirect GEMM microkernels of every level match a naive sum over taps", "[ukernels][gemm]") {
  for (IsaLevel l : SupportedMicrokernelLevels()) {
    ScopedIsaLevel scope(l);
    const KernelIsa& isa = GetKernelIsa();
    INFO("ISA " << isa.name);
    REQUIRE(isa.f32_igemm.fn != nullptr);
    CheckIgemm<float>(isa.f32_igemm.fn, static_cast<size_t>(isa.f32_igemm.mr),
                      static_cast<size_t>(isa.f32_igemm.nr), 300);
    if (isa.f16_gemm.igemm != nullptr) {
      INFO("f16 indirect GEMM");
      CheckIgemm<uint16_t>(isa.f16_gemm.igemm, static_cast<size_t>(isa.f16_gemm.mr),
                           static_cast<size_t>(isa.f16_gemm.nr), 600);
    }
  }
}

// ---------------------------------------------------------------- int8

// Packs per QS8GemmUkernelFn: c2 (int16 pairs, K rounded up to 8) or c4 (int8
// groups of `group` K bytes, 4 or 8 (c8), K rounded up to a multiple of it,
// acc0 less a_offset * sum of the column's weights).
std::vector<uint8_t> PackQS8(const std::vector<int32_t>& b, const std::vector<QS8Channel>& ch, size_t kc, size_t nc,
                             size_t nr, bool c4, int32_t a_offset, size_t group, size_t k_round) {
  const size_t header = nr * kQS8ChannelWords * sizeof(int32_t);
  const size_t weights = c4 ? (kc + k_round - 1) / k_round * k_round * nr : (kc + 7) / 8 * 8 * nr * sizeof(int16_t);
  const size_t panel_bytes = header + weights;
  const size_t panels = (nc + nr - 1) / nr;
  std::vector<uint8_t> w(panels * panel_bytes, 0);
  for (size_t p = 0; p < panels; ++p) {
    uint8_t* panel = w.data() + p * panel_bytes;
    for (size_t j = 0; j < nr && p * nr + j < nc; ++j) {
      const size_t col = p * nr + j;
      int64_t sum = 0;
      for (size_t k = 0; k < kc; ++k) {
        const int32_t v = b[k * nc + col];
        sum += v;
        if (c4) {
          const int8_t q = static_cast<int8_t>(v);
          std::memcpy(panel + header + ((k / group) * nr + j) * group + k % group, &q, 1);
        } else {
          const int16_t q = static_cast<int16_t>(v);
          std::memcpy(panel + header + (((k / 2) * nr + j) * 2 + k % 2) * sizeof(int16_t), &q, 2);
        }
      }
      const int32_t acc0 = c4 ? static_cast<int32_t>(static_cast<uint32_t>(ch[col].acc0) -
                                                     static_cast<uint32_t>(sum * a_offset))
                              : ch[col].acc0;
      const int32_t words[4] = {acc0, ch[col].multiplier, std::max(ch[col].shift, 0), std::max(-ch[col].shift, 0)};
      for (size_t t = 0; t < 4; ++t) std::memcpy(panel + (t * nr + j) * sizeof(int32_t), &words[t], 4);
    }
  }
  return w;
}

// Packs per KernelIsa::qs8_spmm's sparse c4 layout (kernels/dispatch.h): per
// block of 16 columns, only the quads (4 K values) with a non-zero weight, each
// with its byte offset into an A row.
std::vector<uint8_t> PackQS8Sparse(const std::vector<int32_t>& b, const std::vector<QS8Channel>& ch, size_t kc,
                                   size_t nc, int32_t a_offset) {
  const size_t nr = kQS8SpmmBlock;
  std::vector<uint8_t> w;
  for (size_t p = 0; p * nr < nc; ++p) {
    std::vector<int32_t> quads;
    for (size_t k0 = 0; k0 < kc; k0 += 4) {
      bool used = false;
      for (size_t j = p * nr; j < std::min(nc, p * nr + nr); ++j)
        for (size_t k = k0; k < std::min(kc, k0 + 4); ++k) used = used || b[k * nc + j] != 0;
      if (used) quads.push_back(static_cast<int32_t>(k0));
    }
    const size_t at = w.size();
    w.resize(at + QS8SpmmBlockBytes(quads.size()), 0);
    uint8_t* block = w.data() + at;
    const size_t list = nr * kQS8ChannelWords * sizeof(int32_t);
    const int32_t count = static_cast<int32_t>(quads.size());
    std::memcpy(block + list, &count, 4);
    if (!quads.empty()) std::memcpy(block + list + 4, quads.data(), 4 * quads.size());
    uint8_t* values = block + list + QS8SpmmOffsetWords(quads.size()) * sizeof(int32_t);
    for (size_t j = 0; j < nr && p * nr + j < nc; ++j) {
      const size_t col = p * nr + j;
      int64_t sum = 0;
      for (size_t k = 0; k < kc; ++k) sum += b[k * nc + col];
      for (size_t t = 0; t < quads.size(); ++t)
        for (size_t k = static_cast<size_t>(quads[t]); k < std::min(kc, static_cast<size_t>(quads[t]) + 4); ++k)
          values[(t * nr + j) * 4 + k - static_cast<size_t>(quads[t])] = static_cast<uint8_t>(b[k * nc + col]);
      const int32_t words[4] = {static_cast<int32_t>(static_cast<uint32_t>(ch[col].acc0) -
                                                     static_cast<uint32_t>(sum * a_offset)),
                                ch[col].multiplier, std::max(ch[col].shift, 0), std::max(-ch[col].shift, 0)};
      for (size_t t = 0; t < 4; ++t) std::memcpy(block + (t * nr + j) * sizeof(int32_t), &words[t], 4);
    }
  }
  return w;
}

// short_rounding: channels and stages for QS8ConvParams::full_range_short_
// rounding (set where QS8RoundsInInt32 holds for every channel, which the
// test requires of its channels); otherwise any channels and ranges, the flag
// clear.
// sparse: the sparse c4 packing (nr 16) of B with about 60% of its 16 x 4
// blocks zero, a whole block of 16 columns zero in every third K size.
void CheckQS8Gemm(QS8GemmUkernelFn fn, size_t max_mr, size_t nr, bool c4, int32_t a_offset, uint32_t seed,
                  bool short_rounding = false, size_t group = 4, bool sparse = false, size_t k_round = 0,
                  int32_t c4_w_min = -128) {
  if (k_round == 0) k_round = group;
  const int8_t kGuard = 0x5A;
  std::mt19937 rng(seed);
  const QS8ConvParams any_stages[] = {{0, -128, 127}, {-128, -128, 127}, {127, -128, 127}, {5, -20, 60}};
  const QS8ConvParams short_stages[] = {{0, -128, 127, 1}, {-128, -128, 127, 1}, {127, -128, 127, 1},
                                        {-3, -128, 127, 1}};
  const QS8ConvParams* stages = short_rounding ? short_stages : any_stages;
  size_t stage = 0;
  // Past kKs: the VNNI kernel's 64-byte A copy (64, 100) and its unbuffered
  // form beyond 2048 (the AMX kernel's chunked form).
  std::vector<size_t> ks(std::begin(kKs), std::end(kKs));
  for (size_t k : {64, 100, 2049}) ks.push_back(k);
  if (max_mr > 16) ks.push_back(4100);  // the AMX kernel's K chunks (2048 each) with a tail
  for (size_t kc : ks) {
    for (size_t nc : ColumnCounts(nr)) {
      const size_t a_stride = kc + 2, c_stride = nc + 3;
      const std::vector<int8_t> av = RandomInts<int8_t>(max_mr * kc, -128, 127, seed++);
      std::vector<int8_t> a(max_mr * a_stride, 0);
      for (size_t i = 0; i < max_mr; ++i) std::copy_n(av.begin() + i * kc, kc, a.begin() + i * a_stride);
      const int64_t wlo = c4 ? c4_w_min : -255, whi = c4 ? 127 : 255;
      std::vector<int32_t> b = RandomInts<int32_t>(kc * nc, wlo, whi, seed++);
      if (sparse) {
        std::uniform_real_distribution<double> u(0.0, 1.0);
        const bool zero_block = kc % 3 == 0;
        for (size_t k0 = 0; k0 < kc; k0 += 4)
          for (size_t p = 0; p * nr < nc; ++p)
            if (u(rng) < 0.6 || (zero_block && p == 1))
              for (size_t k = k0; k < std::min(kc, k0 + 4); ++k)
                for (size_t j = p * nr; j < std::min(nc, p * nr + nr); ++j) b[k * nc + j] = 0;
      }
      std::vector<QS8Channel> ch(nc);
      const int64_t spread = static_cast<int64_t>(kc) * 128 * std::max(-wlo, whi);  // bounds |acc - acc0|
      for (QS8Channel& x : ch) {
        x = short_rounding ? RandomShortRoundingQS8Channel(rng, spread) : RandomQS8Channel(rng);
        if (short_rounding)
          REQUIRE(QS8RoundsInInt32(std::abs(int64_t{x.acc0}) + spread, std::max(x.shift, 0), std::max(-x.shift, 0),
                                   kShortRoundingZp));
      }
      const std::vector<uint8_t> w =
          sparse ? PackQS8Sparse(b, ch, kc, nc, a_offset) : PackQS8(b, ch, kc, nc, nr, c4, a_offset, group, k_round);
      for (size_t mr = 1; mr <= max_mr; ++mr) {
        const QS8ConvParams& params = stages[stage++ % 4];
        INFO("mr " << mr << " nc " << nc << " kc " << kc << " output zp " << params.output_zp << " range ["
                   << params.min << ", " << params.max << "]");
        std::vector<int8_t> c((max_mr + 1) * c_stride, kGuard);
        fn(mr, nc, kc, a.data(), a_stride, w.data(), c.data(), c_stride, &params);
        size_t bad = 0;
        std::string first;
        for (size_t i = 0; i < max_mr + 1; ++i) {
          for (size_t j = 0; j < c_stride; ++j) {
            const int32_t y = c[i * c_stride + j];
            if (i >= mr || j >= nc) {  // outside the output
              if (y != kGuard && bad++ == 0)
                first = "row " + std::to_string(i) + " column " + std::to_string(j) + " outside the output written";
              continue;
            }
            int32_t acc = ch[j].acc0;
            for (size_t k = 0; k < kc; ++k) acc += static_cast<int32_t>(av[i * kc + k]) * b[k * nc + j];
            const int32_t scaled = MultiplyByQuantizedMultiplier(acc, ch[j].multiplier, ch[j].shift);
            const int64_t want = std::min<int64_t>(std::max<int64_t>(int64_t{scaled} + params.output_zp, params.min),
                                                   params.max);
            if (y != want && bad++ == 0)
              first = "row " + std::to_string(i) + " column " + std::to_string(j) + ": got " + std::to_string(y) +
                      ", want " + std::to_string(want) + " (acc " + std::to_string(acc) + ", multiplier " +
                      std::to_string(ch[j].multiplier) + ", shift " + std::to_string(ch[j].shift) + ")";
          }
        }
        INFO(first);
        REQUIRE(bad == 0);
      }
    }
  }
}

// The level's c4 GEMM with the thread's tiles released before each call
// (KernelIsa::qs8_gemm_release): a GEMM that keeps them configured between
// calls must configure them again.
void QS8GemmC4AfterRelease(size_t mr, size_t nc, size_t kc, const int8_t* a, size_t a_stride, const void* w,
                           int8_t* c, size_t c_stride, const QS8ConvParams* params) {
  const KernelIsa& isa = GetKernelIsa();
  isa.qs8_gemm_release();
  isa.qs8_gemm_c4.fn(mr, nc, kc, a, a_stride, w, c, c_stride, params);
}

TEST_CASE("int8 GEMM microkernels of every level are bit-exact with TFLite requantization", "[ukernels][gemm]") {
  for (IsaLevel l : SupportedMicrokernelLevels()) {
    ScopedIsaLevel scope(l);
    const KernelIsa& isa = GetKernelIsa();
    INFO("ISA " << isa.name);
    REQUIRE(isa.qs8_gemm.fn != nullptr);
    {
      INFO("c2 packing");
      CheckQS8Gemm(isa.qs8_gemm.fn, static_cast<size_t>(isa.qs8_gemm.mr), static_cast<size_t>(isa.qs8_gemm.nr),
                   false, 0, 300);
      INFO("c2 packing, short-rounding output stage");
      CheckQS8Gemm(isa.qs8_gemm.fn, static_cast<size_t>(isa.qs8_gemm.mr), static_cast<size_t>(isa.qs8_gemm.nr),
                   false, 0, 350, true);
    }
    if (isa.qs8_gemm_c4.fn != nullptr) {
      const size_t group = static_cast<size_t>(isa.qs8_gemm_c4.k_group);
      REQUIRE((group == 4 || group == 8 || group == 16));
      // Weights over the kernel's whole range: -128 too unless it excludes it.
      const int32_t w_min = isa.qs8_gemm_c4.no_min_weight ? -127 : -128;
      INFO("c4 packing, K groups of " << group << ", A offset " << isa.qs8_gemm_c4.a_offset << ", weights from "
                                      << w_min);
      const size_t k_round = static_cast<size_t>(isa.qs8_gemm_c4.k_round);
      INFO("K rounded to " << k_round);
      CheckQS8Gemm(isa.qs8_gemm_c4.fn, static_cast<size_t>(isa.qs8_gemm_c4.mr),
                   static_cast<size_t>(isa.qs8_gemm_c4.nr), true, isa.qs8_gemm_c4.a_offset, 400, false, group, false,
                   k_round, w_min);
      INFO("c4 packing, short-rounding output stage");
      CheckQS8Gemm(isa.qs8_gemm_c4.fn, static_cast<size_t>(isa.qs8_gemm_c4.mr),
                   static_cast<size_t>(isa.qs8_gemm_c4.nr), true, isa.qs8_gemm_c4.a_offset, 500, true, group, false,
                   k_round, w_min);
      if (isa.qs8_gemm_release != nullptr) {
        INFO("c4 packing, tiles released before each call");
        CheckQS8Gemm(QS8GemmC4AfterRelease, static_cast<size_t>(isa.qs8_gemm_c4.mr),
                     static_cast<size_t>(isa.qs8_gemm_c4.nr), true, isa.qs8_gemm_c4.a_offset, 550, true, group,
                     false, k_round);
      }
    }
    if (isa.qs8_gemm_c4_nr8.fn != nullptr) {
      REQUIRE(isa.qs8_gemm_c4_nr8.nr == 8);
      REQUIRE(isa.qs8_gemm_c4.k_group == 4);
      INFO("c4 packing with NR = 8, A offset " << isa.qs8_gemm_c4.a_offset);
      CheckQS8Gemm(isa.qs8_gemm_c4_nr8.fn, static_cast<size_t>(isa.qs8_gemm_c4_nr8.mr), 8, true,
                   isa.qs8_gemm_c4.a_offset, 600);
      INFO("c4 packing with NR = 8, short-rounding output stage");
      CheckQS8Gemm(isa.qs8_gemm_c4_nr8.fn, static_cast<size_t>(isa.qs8_gemm_c4_nr8.mr), 8, true,
                   isa.qs8_gemm_c4.a_offset, 700, true);
    }
    if (isa.qs8_spmm.fn != nullptr) {
      INFO("block-sparse c4 packing, A offset " << isa.qs8_spmm.a_offset);
      CheckQS8Gemm(isa.qs8_spmm.fn, static_cast<size_t>(isa.qs8_spmm.mr), kQS8SpmmBlock, true, isa.qs8_spmm.a_offset,
                   800, false, 4, true);
      INFO("block-sparse c4 packing, short-rounding output stage");
      CheckQS8Gemm(isa.qs8_spmm.fn, static_cast<size_t>(isa.qs8_spmm.mr), kQS8SpmmBlock, true, isa.qs8_spmm.a_offset,
                   900, true, 4, true);
    }
  }
}

}  // namespace
}  // namespace edgert
