// The optimized int8 / uint8 MAX_POOL_2D, AVERAGE_POOL_2D, RESIZE_BILINEAR, CONCATENATION,
// QUANTIZE and DEQUANTIZE kernels against the reference kernels: the output
// bytes must be identical at every ISA level (the reference level exercises
// the fallback, the best level the microkernels; f32 QUANTIZE runs at every
// level with microkernels, whose quantization kernels differ) and for 1, 2 and 3 threads
// (1 under emulation; the [x8] cases run in scripts/test-arm.sh),
// over odd channel and element counts (the microkernels' 32 / 16 / 8 steps and
// their tails), every padding and resize mode, fused activations, mixed
// quantization parameters, and special float inputs (exact halves, NaN,
// infinities, huge values, signed zeros) for QUANTIZE.
#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "kernels/dispatch.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"
#include "tests/kernels/kernel_variants.h"
#include "tests/kernels/ukernel_test_util.h"
#include "tests/op_test.h"

namespace edgert {
namespace {

using Dims = std::vector<int32_t>;
using testing::OpTest;

size_t Count(const Dims& d) {
  size_t n = 1;
  for (int32_t v : d) n *= static_cast<size_t>(v);
  return n;
}

template <typename T>
std::vector<T> RandomInts(size_t n, std::mt19937& rng) {
  std::uniform_int_distribution<int> d(std::numeric_limits<T>::min(), std::numeric_limits<T>::max());
  std::vector<T> v(n);
  for (T& x : v) x = static_cast<T>(d(rng));
  return v;
}

// Runs the node built by `build` with `kernel`; returns the status and, on
// success, the output's shape and bytes.
template <typename Build>
Status RunBytes(schema::OpType type, const OpKernel* kernel, int threads, const Build& build,
                std::vector<uint8_t>* bytes, Shape* shape) {
  OpTest t(type);
  build(t);
  t.SetNumThreads(threads);
  const Status s = t.Run(kernel);
  if (s.ok()) {
    *shape = t.OutputShape(0);
    const Tensor& y = t.output(0);
    const uint8_t* p = static_cast<const uint8_t*>(y.data);
    bytes->assign(p, p + y.bytes);
  }
  return s;
}

// The reference kernel (1 thread) against the optimized kernel at the
// reference and the best ISA level with 1, 2 and 3 threads.
template <typename Build>
void CompareWithReference(schema::OpType type, const OpKernel* ref_kernel, const OpKernel* opt_kernel,
                          const Build& build, bool every_level = false) {
  std::vector<uint8_t> want, got;
  Shape want_shape, got_shape;
  const Status ref_status = RunBytes(type, ref_kernel, 1, build, &want, &want_shape);
  std::vector<IsaLevel> levels = {IsaLevel::kReference, DetectedIsaLevel()};
  if (every_level) {  // each level's own microkernels (QUANTIZE's differ between AVX2 and AVX-512)
    levels = testing::SupportedMicrokernelLevels();
    levels.insert(levels.begin(), IsaLevel::kReference);
  }
  for (IsaLevel level : levels) {
    variant_test::ScopedIsa isa(level);
    // 1, 2 and 3 threads, or 1 under emulation (tests/kernels/kernel_variants.h).
    const std::vector<int> thread_counts =
        variant_test::TestThreadCounts().size() == 1 ? std::vector<int>{1} : std::vector<int>{1, 2, 3};
    for (int threads : thread_counts) {
      const Status opt_status = RunBytes(type, opt_kernel, threads, build, &got, &got_shape);
      INFO("ISA " << GetKernelIsa().name << ", threads " << threads << "; reference: " << ref_status.message()
                  << "; optimized: " << opt_status.message());
      REQUIRE(opt_status.code() == ref_status.code());
      if (!ref_status.ok()) return;
      REQUIRE(got_shape == want_shape);
      REQUIRE(got.size() == want.size());
      size_t first = 0;
      while (first < got.size() && got[first] == want[first]) ++first;
      INFO("first differing byte " << first << " of " << want.size());
      CHECK(first == want.size());
    }
  }
}

template <typename T>
void PoolCase(std::mt19937& rng) {
  std::uniform_int_distribution<int> size(1, 9), filter(1, 4), stride(1, 3), pad_style(0, 2), act_d(0, 3),
      zp_d(std::numeric_limits<T>::min(), std::numeric_limits<T>::max());
  const schema::Activation acts[] = {schema::Activation_NONE, schema::Activation_RELU, schema::Activation_RELU6,
                                     schema::Activation_RELU_N1_TO_1};
  for (int channels : {1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 48, 63, 64, 65, 97}) {
    const int n = channels % 2 + 1, h = size(rng), w = size(rng), fh = filter(rng), fw = filter(rng);
    const int sh = stride(rng), sw = stride(rng);
    const schema::Padding padding = pad_style(rng) == 0 || fh > h || fw > w ? schema::Padding_SAME
                                                                            : schema::Padding_VALID;
    const schema::Activation act = acts[act_d(rng)];
    const QuantSpec q = QuantSpec::PerTensor(0.05f, zp_d(rng));
    const std::vector<T> x = RandomInts<T>(Count({n, h, w, channels}), rng);
    for (int variant = 0; variant < 3; ++variant) {
      // 0: max; 1: average; 2: average counting the padding
      const schema::OpType type = variant == 0 ? schema::OpType_MAX_POOL_2D : schema::OpType_AVERAGE_POOL_2D;
      const bool include_pad = variant == 2;
      INFO(schema::EnumNameOpType(type) << " include_pad " << include_pad << " " << DTypeName(DTypeOf<T>::value)
                                        << " " << n << "x" << h << "x" << w << "x" << channels << " filter " << fh
                                        << "x" << fw << " stride " << sh << "x" << sw << " "
                                        << schema::EnumNamePadding(padding) << " "
                                        << schema::EnumNameActivation(act));
      CompareWithReference(
          type, variant == 0 ? ref::Register_MAX_POOL_2D() : ref::Register_AVERAGE_POOL_2D(),
          variant == 0 ? opt::Register_MAX_POOL_2D() : opt::Register_AVERAGE_POOL_2D(), [&](OpTest& t) {
            t.Input<T>({n, h, w, channels}, x, q);
            t.Output(DTypeOf<T>::value, q);
            t.SetOptions(schema::OpOptions_Pool2DOptions,
                         schema::CreatePool2DOptions(t.fbb(), padding, sh, sw, fh, fw, act, 0, include_pad).Union());
          });
    }
  }
}

// AVERAGE_POOL_2D windows over the whole image of more than 64 pixels (the
// optimized kernel sums 64-pixel blocks in parallel): odd pixel counts (a
// short last block), two images, every activation, include_pad both ways.
template <typename T>
void GlobalAveragePoolCase(std::mt19937& rng) {
  std::uniform_int_distribution<int> zp_d(std::numeric_limits<T>::min(), std::numeric_limits<T>::max());
  const schema::Activation acts[] = {schema::Activation_NONE, schema::Activation_RELU, schema::Activation_RELU6,
                                     schema::Activation_RELU_N1_TO_1};
  const int kShapes[][3] = {{2, 9, 8}, {1, 20, 13}, {2, 65, 1}, {1, 128, 128}, {2, 11, 37}};
  int i = 0;
  for (const auto& shape : kShapes) {
    for (int channels : {1, 16, 24, 33}) {
      const int n = shape[0], h = shape[1], w = shape[2];
      const schema::Activation act = acts[i % 4];
      const bool include_pad = i % 2 == 1;
      ++i;
      const QuantSpec q = QuantSpec::PerTensor(0.05f, zp_d(rng));
      const std::vector<T> x = RandomInts<T>(Count({n, h, w, channels}), rng);
      INFO(DTypeName(DTypeOf<T>::value) << " " << n << "x" << h << "x" << w << "x" << channels << " "
                                        << schema::EnumNameActivation(act) << " include_pad " << include_pad);
      CompareWithReference(schema::OpType_AVERAGE_POOL_2D, ref::Register_AVERAGE_POOL_2D(),
                           opt::Register_AVERAGE_POOL_2D(), [&](OpTest& t) {
                             t.Input<T>({n, h, w, channels}, x, q);
                             t.Output(DTypeOf<T>::value, q);
                             t.SetOptions(schema::OpOptions_Pool2DOptions,
                                          schema::CreatePool2DOptions(t.fbb(), schema::Padding_VALID, 1, 1, h, w,
                                                                      act, 0, include_pad)
                                              .Union());
                           },
                           /*every_level=*/true);
    }
  }
}

TEST_CASE("optimized int8 / uint8 global AVERAGE_POOL_2D matches the reference byte for byte",
          "[kernels][average_pool_2d][optimized][x8]") {
  std::mt19937 rng(24);
  GlobalAveragePoolCase<int8_t>(rng);
  GlobalAveragePoolCase<uint8_t>(rng);
}

TEST_CASE("optimized int8 / uint8 MAX_POOL_2D and AVERAGE_POOL_2D match the reference byte for byte",
          "[kernels][max_pool_2d][average_pool_2d][optimized][x8]") {
  std::mt19937 rng(21);
  for (int rep = 0; rep < 3; ++rep) {
    PoolCase<int8_t>(rng);
    PoolCase<uint8_t>(rng);
  }
}

template <typename T>
void ResizeCase(std::mt19937& rng) {
  std::uniform_int_distribution<int> in_size(1, 7), out_size(1, 15);
  // Then two wide rows: 20 x 100 values (the AVX-512 kernels weight the input
  // rows once per output row up to 2048 values) and 30 x 96 (past that: they
  // weight per use).
  const int kWide[][2] = {{20, 100}, {30, 96}};
  for (int k = 0; k < 15; ++k) {
    const int channels = k < 13 ? std::array<int, 13>{1, 2, 5, 7, 8, 9, 15, 16, 17, 24, 31, 33, 40}[k]
                                : kWide[k - 13][1];
    const int n = channels % 2 + 1, h = in_size(rng), w = k < 13 ? in_size(rng) : kWide[k - 13][0],
              oh = out_size(rng), ow = k < 13 ? out_size(rng) : 2 * w + 1;
    const std::vector<T> x = RandomInts<T>(Count({n, h, w, channels}), rng);
    const QuantSpec q = QuantSpec::PerTensor(0.1f, 3);
    for (int mode = 0; mode < 3; ++mode) {
      const bool align = mode == 1, half = mode == 2;
      INFO(DTypeName(DTypeOf<T>::value) << " " << n << "x" << h << "x" << w << "x" << channels << " -> " << oh << "x"
                                        << ow << " align_corners " << align << " half_pixel_centers " << half);
      CompareWithReference(schema::OpType_RESIZE_BILINEAR, ref::Register_RESIZE_BILINEAR(),
                           opt::Register_RESIZE_BILINEAR(), [&](OpTest& t) {
                             t.Input<T>({n, h, w, channels}, x, q);
                             t.Const<int32_t>({2}, {oh, ow});
                             t.Output(DTypeOf<T>::value, q);
                             t.SetOptions(schema::OpOptions_ResizeOptions,
                                          schema::CreateResizeOptions(t.fbb(), align, half).Union());
                           },
                           /*every_level=*/true);  // AVX2 and AVX-512 have their own microkernels
    }
  }
}

TEST_CASE("optimized int8 / uint8 RESIZE_BILINEAR matches the reference byte for byte",
          "[kernels][resize_bilinear][optimized][x8]") {
  std::mt19937 rng(22);
  for (int rep = 0; rep < 2; ++rep) {
    ResizeCase<int8_t>(rng);
    ResizeCase<uint8_t>(rng);
  }
}

template <typename T>
void ConcatCase(std::mt19937& rng, bool quantized) {
  std::uniform_int_distribution<int> dim(1, 5), rank_d(1, 4), inputs_d(1, 4), act_d(0, 2), zp_d(-20, 20);
  std::uniform_real_distribution<float> scale_d(0.01f, 0.2f);
  const schema::Activation acts[] = {schema::Activation_NONE, schema::Activation_RELU, schema::Activation_RELU6};
  const int rank = rank_d(rng), inputs = inputs_d(rng);
  std::uniform_int_distribution<int> axis_d(-rank, rank - 1);
  const int axis = axis_d(rng), a = axis < 0 ? axis + rank : axis;
  Dims base;
  for (int d = 0; d < rank; ++d) base.push_back(dim(rng));
  const int offset = std::is_signed<T>::value ? 0 : 100;  // uint8 zero points in range
  const QuantSpec out_q = QuantSpec::PerTensor(0.1f, offset + zp_d(rng));
  std::vector<Dims> shapes;
  std::vector<std::vector<T>> xs;
  std::vector<QuantSpec> qs;
  for (int i = 0; i < inputs; ++i) {
    Dims s = base;
    s[a] = i == 1 ? 0 : dim(rng) * 3;  // an empty input and odd chunk sizes
    shapes.push_back(s);
    xs.push_back(RandomInts<T>(Count(s), rng));
    qs.push_back(i % 2 == 0 ? out_q : QuantSpec::PerTensor(scale_d(rng), offset + zp_d(rng)));
  }
  const schema::Activation act = quantized ? acts[act_d(rng)] : schema::Activation_NONE;
  INFO(DTypeName(DTypeOf<T>::value) << " quantized " << quantized << " rank " << rank << " axis " << axis
                                    << " inputs " << inputs << " " << schema::EnumNameActivation(act));
  CompareWithReference(schema::OpType_CONCATENATION, ref::Register_CONCATENATION(), opt::Register_CONCATENATION(),
                       [&](OpTest& t) {
                         for (int i = 0; i < inputs; ++i)
                           t.Input<T>(shapes[i], xs[i], quantized ? qs[i] : QuantSpec{});
                         t.Output(DTypeOf<T>::value, quantized ? out_q : QuantSpec{});
                         t.SetOptions(schema::OpOptions_ConcatenationOptions,
                                      schema::CreateConcatenationOptions(t.fbb(), axis, act).Union());
                       });
}

TEST_CASE("optimized CONCATENATION matches the reference byte for byte", "[kernels][concatenation][optimized]") {
  std::mt19937 rng(23);
  for (int rep = 0; rep < 40; ++rep) {
    ConcatCase<int8_t>(rng, true);
    ConcatCase<uint8_t>(rng, true);
    ConcatCase<int8_t>(rng, false);
    ConcatCase<int32_t>(rng, false);
  }
}

// f32 QUANTIZE of x to `type` with q, at every level with microkernels.
void CompareQuantizeF32(const Dims& shape, const std::vector<float>& x, DType type, const QuantSpec& q) {
  CompareWithReference(
      schema::OpType_QUANTIZE, ref::Register_QUANTIZE(), opt::Register_QUANTIZE(),
      [&](OpTest& t) {
        t.Input<float>(shape, x);
        t.Output(type, q);
      },
      true);
}

// Inputs for QUANTIZE at the given scale: random values, exact and near
// halves of the scale, NaN, infinities, huge values, signed zeros, denormals.
std::vector<float> QuantizeInputs(size_t n, float scale, std::mt19937& rng) {
  std::uniform_real_distribution<float> d(-300.f * scale, 300.f * scale);
  std::uniform_int_distribution<int> k(-200, 200), kind(0, 9);
  std::vector<float> x(n);
  for (float& v : x) {
    switch (kind(rng)) {
      case 0: v = (static_cast<float>(k(rng)) + 0.5f) * scale; break;
      case 1: v = std::nextafter((static_cast<float>(k(rng)) + 0.5f) * scale, 0.f); break;
      case 2: v = std::nextafter((static_cast<float>(k(rng)) + 0.5f) * scale, 1e30f); break;
      case 3: {
        const float specials[] = {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                                  -std::numeric_limits<float>::infinity(), 3e38f, -3e38f, 0.f, -0.f,
                                  std::numeric_limits<float>::denorm_min(), 1e9f, -1e9f};
        v = specials[static_cast<size_t>(k(rng) + 200) % 10];
        break;
      }
      default: v = d(rng);
    }
  }
  return x;
}

TEST_CASE("optimized QUANTIZE and DEQUANTIZE match the reference byte for byte",
          "[kernels][quantize][dequantize][optimized][x8]") {
  std::mt19937 rng(24);
  std::uniform_real_distribution<float> scale_d(0.003f, 0.5f);
  std::uniform_int_distribution<int> zp_d(-128, 127);
  for (size_t n : {1, 5, 7, 8, 9, 15, 16, 17, 31, 33, 100, 257, 1000, 4099}) {
    const float scale = scale_d(rng);
    const int zp8 = zp_d(rng), zpu8 = zp8 + 128;
    const Dims shape = {static_cast<int32_t>(n)};
    const std::vector<float> x = QuantizeInputs(n, scale, rng);
    INFO("n " << n << " scale " << scale << " zero points " << zp8 << " / " << zpu8);
    for (DType type : {DType::kI8, DType::kU8}) {
      const QuantSpec q = QuantSpec::PerTensor(scale, type == DType::kI8 ? zp8 : zpu8);
      INFO("f32 -> " << DTypeName(type));
      CompareQuantizeF32(shape, x, type, q);
    }
    // int8 / uint8 inputs: requantization to both types and dequantization.
    const std::vector<int8_t> s8 = RandomInts<int8_t>(n, rng);
    const std::vector<uint8_t> u8 = RandomInts<uint8_t>(n, rng);
    for (DType in_type : {DType::kI8, DType::kU8}) {
      const QuantSpec qin = QuantSpec::PerTensor(scale, in_type == DType::kI8 ? zp8 : zpu8);
      auto input = [&](OpTest& t) {
        if (in_type == DType::kI8) t.Input<int8_t>(shape, s8, qin);
        else t.Input<uint8_t>(shape, u8, qin);
      };
      for (DType out_type : {DType::kI8, DType::kU8}) {
        const float out_scale = scale_d(rng);
        const QuantSpec qout = QuantSpec::PerTensor(out_scale, out_type == DType::kI8 ? zp8 / 2 : zpu8 / 2);
        INFO(DTypeName(in_type) << " -> " << DTypeName(out_type) << " output scale " << out_scale);
        CompareWithReference(schema::OpType_QUANTIZE, ref::Register_QUANTIZE(), opt::Register_QUANTIZE(),
                             [&](OpTest& t) {
                               input(t);
                               t.Output(out_type, qout);
                             });
      }
      INFO(DTypeName(in_type) << " -> f32");
      CompareWithReference(schema::OpType_DEQUANTIZE, ref::Register_DEQUANTIZE(), opt::Register_DEQUANTIZE(),
                           [&](OpTest& t) {
                             input(t);
                             t.Output(DType::kF32);
                           });
    }
  }
}

// The optimized QUANTIZE multiplies by the reciprocal and divides only near
// halves (kernels/x86/x8_vcvt_avx2.h): values walking 1 to 40 ulps around
// every half-integer multiple of the scale in the output range and beyond,
// and exact ones, give the reference's bytes at ordinary and awkward scales
// (one whose reciprocal is not a normal float is divided throughout).
TEST_CASE("optimized QUANTIZE matches the division near every rounding boundary",
          "[kernels][quantize][optimized][x8]") {
  for (float scale : {0.0078125f, 1.f / 3.f, 0.0123f, 0.39215686f, 7.3f, 1e-39f, 3e38f}) {
    std::vector<float> x;
    for (int k = -300; k <= 300; ++k) {
      const float h = (static_cast<float>(k) + 0.5f) * scale;
      float up = h, down = h;
      x.push_back(h);
      for (int step = 0; step < 40; ++step) {
        up = std::nextafter(up, 1e38f);
        down = std::nextafter(down, -1e38f);
        x.push_back(up);
        x.push_back(down);
      }
    }
    const Dims shape = {static_cast<int32_t>(x.size())};
    for (DType type : {DType::kI8, DType::kU8}) {
      INFO("scale " << scale << " " << DTypeName(type));
      const QuantSpec q = QuantSpec::PerTensor(scale, type == DType::kI8 ? -3 : 125);
      CompareQuantizeF32(shape, x, type, q);
    }
  }
}

}  // namespace
}  // namespace edgert
