// The optimized PAD, MAX_POOL_2D, AVERAGE_POOL_2D, MEAN (global average),
// RESIZE_BILINEAR and TRANSPOSE_CONV kernels against the reference kernels
// over many shapes: odd channel counts 1..37 (the microkernels' 16/8/masked
// tails), odd spatial sizes, every padding, strides 1..3, windows larger than
// the input, both resize flags, and 1 and 3 threads (1 only with
// EDGERT_TEST_MAX_THREADS=1, as under qemu: scripts/test-arm.sh). PAD, the pools, MEAN and
// RESIZE_BILINEAR must match bit for bit (same arithmetic in the same order);
// TRANSPOSE_CONV groups its sums differently and must match within 1e-5
// relative. Results must not depend on the thread count. The f32 pool, MEAN
// and RESIZE_BILINEAR cases carry [f32] (scripts/test-arm.sh runs them).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "kernels/dispatch.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"
#include "tests/kernels/kernel_variants.h"
#include "tests/op_test.h"

namespace edgert {
namespace {

using Dims = std::vector<int32_t>;
using testing::OpTest;

std::vector<float> Random(size_t n, std::mt19937& rng, float lo = -3.f, float hi = 3.f) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

size_t Count(const Dims& d) {
  size_t n = 1;
  for (int32_t v : d) n *= static_cast<size_t>(v);
  return n;
}

// Builds the op with `build`, runs it with `kernel` on `threads` threads, and
// returns its status; on success *y is output 0 and *shape its shape.
template <typename Build>
Status Run(schema::OpType type, const OpKernel* kernel, int threads, const Build& build, std::vector<float>* y,
           Shape* shape) {
  OpTest t(type);
  build(t);
  t.SetNumThreads(threads);
  const Status s = t.Run(kernel);
  if (s.ok()) {
    *shape = t.OutputShape(0);
    *y = t.OutputData<float>(0);
  }
  return s;
}

// The same, requiring success.
template <typename Build>
std::vector<float> Run(schema::OpType type, const OpKernel* kernel, int threads, const Build& build, Shape* shape) {
  std::vector<float> y;
  const Status s = Run(type, kernel, threads, build, &y, shape);
  INFO(kernel->name << ": " << s.message());
  REQUIRE(s.ok());
  return y;
}

bool SameBits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

size_t FirstDifference(const std::vector<float>& a, const std::vector<float>& b) {
  for (size_t i = 0; i < a.size() && i < b.size(); ++i)
    if (std::memcmp(&a[i], &b[i], sizeof(float)) != 0) return i;
  return a.size();
}

// Reference (1 thread) vs optimized at the best ISA level (1 and 3 threads,
// variant_test::TestThreadCounts):
// bit-identical outputs; a node the reference rejects must be rejected alike.
template <typename Build>
void CompareExact(schema::OpType type, const OpKernel* ref_kernel, const OpKernel* opt_kernel, const Build& build) {
  variant_test::ScopedIsa isa(DetectedIsaLevel());
  Shape ref_shape, opt_shape;
  std::vector<float> want, got;
  const Status ref_status = Run(type, ref_kernel, 1, build, &want, &ref_shape);
  for (int threads : variant_test::TestThreadCounts()) {
    const Status opt_status = Run(type, opt_kernel, threads, build, &got, &opt_shape);
    INFO("reference: " << ref_status.message() << "; optimized: " << opt_status.message());
    REQUIRE(opt_status.code() == ref_status.code());
    if (!ref_status.ok()) return;
    INFO("threads " << threads << ", first difference at " << FirstDifference(got, want) << " of " << want.size());
    REQUIRE(opt_shape == ref_shape);
    CHECK(SameBits(got, want));
  }
}

TEST_CASE("optimized PAD matches the reference bit for bit", "[kernels][pad][optimized]") {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> pad(0, 3), dim(1, 6), rank_d(1, 5);
  for (int iter = 0; iter < 120; ++iter) {
    const int rank = rank_d(rng);
    Dims shape;
    for (int d = 0; d < rank; ++d) shape.push_back(dim(rng));
    std::vector<int32_t> pads(2 * rank);
    const int style = iter % 4;  // 0: any; 1: channels only; 2: spatial only (NHWC); 3: none
    for (int d = 0; d < rank; ++d) {
      const bool padded = style == 0 || (style == 1 && d == rank - 1) || (style == 2 && d > 0 && d < rank - 1);
      pads[2 * d] = padded ? pad(rng) : 0;
      pads[2 * d + 1] = padded ? pad(rng) : 0;
    }
    const bool with_value = iter % 3 == 0;
    const float value = with_value ? -1.5f : 0.f;
    const auto x = Random(Count(shape), rng);
    INFO("iteration " << iter << ", rank " << rank << ", style " << style);
    CompareExact(schema::OpType_PAD, ref::Register_PAD(), opt::Register_PAD(), [&](OpTest& t) {
      t.Input<float>(shape, x);
      t.Const<int32_t>({rank, 2}, pads);
      if (with_value) t.Const<float>({}, {value});
      t.Output(DType::kF32);
      t.SetOptions(schema::OpOptions_PadOptions, schema::CreatePadOptions(t.fbb(), schema::PadMode_CONSTANT).Union());
    });
  }
}

// Shapes large enough that the outermost dimension's slices are split across
// threads (tiles of at least 64 KB of output): channel padding (merged into
// rows of one dimension), spatial padding, and padding of the first
// dimension itself (its fills stay outside the split).
TEST_CASE("optimized PAD splits large outputs across threads bit for bit", "[kernels][pad][optimized]") {
  std::mt19937 rng(8);
  struct Case {
    Dims shape;
    std::vector<int32_t> pads;
  };
  const Case cases[] = {
      {{2, 30, 30, 24}, {0, 0, 0, 0, 0, 0, 0, 4}},
      {{2, 30, 31, 8}, {0, 0, 1, 2, 2, 1, 0, 0}},
      {{3, 20, 20, 5}, {1, 2, 0, 1, 3, 0, 1, 1}},
  };
  for (const Case& c : cases) {
    const auto x = Random(Count(c.shape), rng);
    INFO("shape " << c.shape[0] << "x" << c.shape[1] << "x" << c.shape[2] << "x" << c.shape[3]);
    CompareExact(schema::OpType_PAD, ref::Register_PAD(), opt::Register_PAD(), [&](OpTest& t) {
      t.Input<float>(c.shape, x);
      t.Const<int32_t>({4, 2}, c.pads);
      t.Const<float>({}, {-2.5f});
      t.Output(DType::kF32);
      t.SetOptions(schema::OpOptions_PadOptions, schema::CreatePadOptions(t.fbb(), schema::PadMode_CONSTANT).Union());
    });
  }
}

TEST_CASE("optimized PAD on int8 with the zero point and on int64", "[kernels][pad][optimized]") {
  variant_test::ScopedIsa isa(DetectedIsaLevel());
  for (const OpKernel* kernel : {ref::Register_PAD(), opt::Register_PAD()}) {
    INFO(kernel->name);
    OpTest t(schema::OpType_PAD);
    t.Input<int8_t>({1, 1, 2, 2}, {1, 2, 3, 4}, QuantSpec::PerTensor(0.5f, -7));
    t.Const<int32_t>({4, 2}, {0, 0, 1, 0, 0, 1, 0, 1});
    t.Output(DType::kI8, QuantSpec::PerTensor(0.5f, -7));
    t.SetOptions(schema::OpOptions_PadOptions, schema::CreatePadOptions(t.fbb(), schema::PadMode_CONSTANT).Union());
    REQUIRE(t.Run(kernel).ok());
    CHECK(t.OutputData<int8_t>(0) ==
          std::vector<int8_t>({-7, -7, -7, -7, -7, -7, -7, -7, -7, 1, 2, -7, 3, 4, -7, -7, -7, -7}));

    OpTest u(schema::OpType_PAD);
    u.Input<int64_t>({2, 1}, {5, -6});
    u.Const<int32_t>({2, 2}, {1, 0, 0, 2});
    u.Const<int64_t>({}, {int64_t{1} << 40});
    u.Output(DType::kI64);
    u.SetOptions(schema::OpOptions_PadOptions, schema::CreatePadOptions(u.fbb(), schema::PadMode_CONSTANT).Union());
    REQUIRE(u.Run(kernel).ok());
    const int64_t v = int64_t{1} << 40;
    CHECK(u.OutputData<int64_t>(0) == std::vector<int64_t>({v, v, v, 5, v, v, -6, v, v}));
  }
}

TEST_CASE("optimized MAX_POOL_2D and AVERAGE_POOL_2D match the reference bit for bit",
          "[kernels][max_pool_2d][average_pool_2d][optimized][f32]") {
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> size(1, 9), filter(1, 5), stride(1, 3), pad_style(0, 2), act_d(0, 3);
  const schema::Activation acts[] = {schema::Activation_NONE, schema::Activation_RELU, schema::Activation_RELU6,
                                     schema::Activation_RELU_N1_TO_1};
  for (int channels = 1; channels <= 37; ++channels) {
    for (int rep = 0; rep < 4; ++rep) {
      const int n = rep == 0 ? 2 : 1, h = size(rng), w = size(rng);
      int fh = filter(rng), fw = filter(rng);
      if (rep == 3) fh = h + 2, fw = w + 1;  // windows larger than the input
      const int sh = stride(rng), sw = stride(rng);
      const int style = pad_style(rng);
      schema::Padding padding = style == 0 ? schema::Padding_SAME : (style == 1 ? schema::Padding_VALID
                                                                                : schema::Padding_EXPLICIT);
      if (padding == schema::Padding_VALID && (fh > h || fw > w)) padding = schema::Padding_SAME;
      std::vector<int32_t> pads;
      if (padding == schema::Padding_EXPLICIT) {
        std::uniform_int_distribution<int> ph(0, fh - 1), pw(0, fw - 1);
        for (int i = 0; i < 4; ++i) pads.push_back(i % 2 == 0 ? ph(rng) : pw(rng));
      }
      const schema::Activation act = acts[act_d(rng)];
      const auto x = Random(static_cast<size_t>(n) * h * w * channels, rng);
      for (schema::OpType type : {schema::OpType_MAX_POOL_2D, schema::OpType_AVERAGE_POOL_2D}) {
        for (bool include_pad : {false, true}) {
          if (type == schema::OpType_MAX_POOL_2D && include_pad) continue;
          INFO(schema::EnumNameOpType(type) << " " << n << "x" << h << "x" << w << "x" << channels << " filter " << fh
                                            << "x" << fw << " stride " << sh << "x" << sw << " padding "
                                            << schema::EnumNamePadding(padding) << " include_pad " << include_pad);
          const bool max = type == schema::OpType_MAX_POOL_2D;
          CompareExact(type, max ? ref::Register_MAX_POOL_2D() : ref::Register_AVERAGE_POOL_2D(),
                       max ? opt::Register_MAX_POOL_2D() : opt::Register_AVERAGE_POOL_2D(), [&](OpTest& t) {
                         t.Input<float>({n, h, w, channels}, x);
                         t.Output(DType::kF32);
                         flatbuffers::Offset<flatbuffers::Vector<int32_t>> pv;
                         if (!pads.empty()) pv = t.fbb().CreateVector(pads);
                         t.SetOptions(schema::OpOptions_Pool2DOptions,
                                      schema::CreatePool2DOptions(t.fbb(), padding, sh, sw, fh, fw, act, pv,
                                                                  include_pad)
                                          .Union());
                       });
        }
      }
    }
  }
}

// A window covering the whole image: above kGlobalPoolBlockPixels (64) pixels
// the optimized f32 AVERAGE_POOL_2D sums blocks of 64 pixels on any thread and
// adds the block sums in order. Against a naive double-precision mean: within
// float summation error; identical on 1, 2 and 3 threads; at 64 pixels (one
// block) bit-identical to the reference.
TEST_CASE("optimized global f32 AVERAGE_POOL_2D sums pixel blocks in a fixed order",
          "[kernels][average_pool_2d][optimized][f32]") {
  variant_test::ScopedIsa isa(DetectedIsaLevel());
  std::mt19937 rng(15);
  struct Case {
    Dims shape;
    schema::Padding padding;
    int stride;
    schema::Activation act;
  };
  const Case cases[] = {{{1, 128, 128, 16}, schema::Padding_VALID, 1, schema::Activation_NONE},
                        {{2, 20, 20, 37}, schema::Padding_VALID, 1, schema::Activation_RELU6},
                        {{1, 9, 8, 3}, schema::Padding_SAME, 9, schema::Activation_NONE},  // 64 + 8 pixels
                        {{3, 33, 2, 70}, schema::Padding_VALID, 2, schema::Activation_RELU_N1_TO_1},
                        {{1, 8, 8, 5}, schema::Padding_VALID, 1, schema::Activation_NONE}};  // one block
  for (const Case& c : cases) {
    const int n = c.shape[0], h = c.shape[1], w = c.shape[2], ch = c.shape[3];
    std::vector<float> x = Random(Count(c.shape), rng, -4.f, 6.f);
    INFO(n << "x" << h << "x" << w << "x" << ch << " " << schema::EnumNamePadding(c.padding));
    auto build = [&](OpTest& t) {
      t.Input<float>(c.shape, x);
      t.Output(DType::kF32);
      t.SetOptions(schema::OpOptions_Pool2DOptions,
                   schema::CreatePool2DOptions(t.fbb(), c.padding, c.stride, c.stride, h, w, c.act).Union());
    };
    Shape shape;
    const std::vector<float> one = Run(schema::OpType_AVERAGE_POOL_2D, opt::Register_AVERAGE_POOL_2D(), 1, build, &shape);
    REQUIRE(shape == Shape({n, 1, 1, ch}));
    for (int threads : {2, 3}) {
      INFO("threads " << threads);
      CHECK(SameBits(Run(schema::OpType_AVERAGE_POOL_2D, opt::Register_AVERAGE_POOL_2D(), threads, build, &shape),
                     one));
    }
    const float lo = c.act == schema::Activation_RELU6 ? 0.f : (c.act == schema::Activation_RELU_N1_TO_1 ? -1.f : -1e30f);
    const float hi = c.act == schema::Activation_RELU6 ? 6.f : (c.act == schema::Activation_RELU_N1_TO_1 ? 1.f : 1e30f);
    const size_t pixels = static_cast<size_t>(h) * w;
    for (int b = 0; b < n; ++b) {
      for (int k = 0; k < ch; ++k) {
        double sum = 0.0, abs_sum = 0.0;
        for (size_t p = 0; p < pixels; ++p) {
          const double v = x[(b * pixels + p) * ch + k];
          sum += v;
          abs_sum += std::fabs(v);
        }
        const double want = std::min<double>(std::max<double>(sum / pixels, lo), hi);
        // float sums of at most 64 + blocks terms in a row, then one division
        const double bound = (64.0 + pixels / 64.0 + 2.0) * 0x1p-24 * abs_sum / pixels;
        INFO("batch " << b << " channel " << k);
        CHECK(std::fabs(one[b * ch + k] - want) <= bound);
      }
    }
    if (pixels <= 64) {
      Shape ref_shape;
      CHECK(SameBits(Run(schema::OpType_AVERAGE_POOL_2D, ref::Register_AVERAGE_POOL_2D(), 1, build, &ref_shape), one));
    }
  }
}

// Many channels: the optimized MEAN splits them across threads in tiles of 64
// (1000 channels of 169 pixels on 3 threads: 384, 384, 232).
TEST_CASE("optimized MEAN of wide images matches the reference bit for bit", "[kernels][mean][optimized][f32]") {
  std::mt19937 rng(14);
  for (const Dims& shape : {Dims{1, 13, 13, 1000}, Dims{2, 12, 12, 200}, Dims{3, 40, 40, 70}}) {
    const auto x = Random(Count(shape), rng, -100.f, 100.f);
    INFO(shape[0] << "x" << shape[1] << "x" << shape[2] << "x" << shape[3]);
    CompareExact(schema::OpType_MEAN, ref::Register_MEAN(), opt::Register_MEAN(), [&](OpTest& t) {
      t.Input<float>(shape, x);
      t.Const<int32_t>({2}, {1, 2});
      t.Output(DType::kF32);
      t.SetOptions(schema::OpOptions_ReduceOptions, schema::CreateReduceOptions(t.fbb(), true).Union());
    });
  }
}

TEST_CASE("optimized MAX_POOL_2D keeps the reference's NaN and signed-zero behaviour",
          "[kernels][max_pool_2d][optimized][f32]") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> x = {nan, 1.f, -0.f, 0.f, 2.f, nan, 0.f, -0.f, 3.f, 4.f, nan, nan};
  CompareExact(schema::OpType_MAX_POOL_2D, ref::Register_MAX_POOL_2D(), opt::Register_MAX_POOL_2D(), [&](OpTest& t) {
    t.Input<float>({1, 2, 2, 3}, x);
    t.Output(DType::kF32);
    t.SetOptions(schema::OpOptions_Pool2DOptions,
                 schema::CreatePool2DOptions(t.fbb(), schema::Padding_SAME, 1, 1, 2, 2).Union());
  });
}

TEST_CASE("optimized MEAN over H and W matches the reference bit for bit", "[kernels][mean][optimized][f32]") {
  std::mt19937 rng(13);
  std::uniform_int_distribution<int> size(1, 9);
  const std::vector<std::vector<int32_t>> axes_sets = {{1, 2}, {2, 1}, {-3, -2}, {1}, {1, 2, 3}, {0, 1, 2}};
  for (int channels = 1; channels <= 37; ++channels) {
    const int n = 1 + channels % 2, h = size(rng), w = size(rng);
    const auto x = Random(static_cast<size_t>(n) * h * w * channels, rng, -100.f, 100.f);
    for (const auto& axes : axes_sets) {
      for (bool keep : {false, true}) {
        INFO(n << "x" << h << "x" << w << "x" << channels << " axes " << axes.size() << " first " << axes[0]
               << " keep_dims " << keep);
        CompareExact(schema::OpType_MEAN, ref::Register_MEAN(), opt::Register_MEAN(), [&](OpTest& t) {
          t.Input<float>({n, h, w, channels}, x);
          t.Const<int32_t>({static_cast<int32_t>(axes.size())}, axes);
          t.Output(DType::kF32);
          t.SetOptions(schema::OpOptions_ReduceOptions, schema::CreateReduceOptions(t.fbb(), keep).Union());
        });
      }
    }
  }
}

TEST_CASE("optimized RESIZE_BILINEAR matches the reference bit for bit", "[kernels][resize_bilinear][optimized][f32]") {
  std::mt19937 rng(17);
  std::uniform_int_distribution<int> size(1, 9), out_size(1, 19);
  for (int channels = 1; channels <= 37; ++channels) {
    const int n = 1 + channels % 2, h = size(rng), w = size(rng), oh = out_size(rng), ow = out_size(rng);
    const auto x = Random(static_cast<size_t>(n) * h * w * channels, rng);
    for (int mode = 0; mode < 3; ++mode) {
      const bool align = mode == 1, half = mode == 2;
      INFO(n << "x" << h << "x" << w << "x" << channels << " -> " << oh << "x" << ow << " align_corners " << align
             << " half_pixel_centers " << half);
      CompareExact(schema::OpType_RESIZE_BILINEAR, ref::Register_RESIZE_BILINEAR(), opt::Register_RESIZE_BILINEAR(),
                   [&](OpTest& t) {
                     t.Input<float>({n, h, w, channels}, x);
                     t.Const<int32_t>({2}, {oh, ow});
                     t.Output(DType::kF32);
                     t.SetOptions(schema::OpOptions_ResizeOptions,
                                  schema::CreateResizeOptions(t.fbb(), align, half).Union());
                   });
    }
  }
}

TEST_CASE("optimized TRANSPOSE_CONV matches the reference within float rounding",
          "[kernels][transpose_conv][optimized]") {
  std::mt19937 rng(19);
  std::uniform_int_distribution<int> size(1, 7), filter(1, 4), stride(1, 3), ch(1, 37), pad_style(0, 2), act_d(0, 2);
  const schema::Activation acts[] = {schema::Activation_NONE, schema::Activation_RELU, schema::Activation_RELU6};
  variant_test::ScopedIsa isa(DetectedIsaLevel());
  for (int iter = 0; iter < 80; ++iter) {
    const int n = 1 + iter % 2, h = size(rng), w = size(rng), cin = ch(rng), cout = ch(rng);
    const int kh = filter(rng), kw = filter(rng), sh = stride(rng), sw = stride(rng);
    const int style = pad_style(rng);
    const schema::Padding padding =
        style == 0 ? schema::Padding_SAME : (style == 1 ? schema::Padding_VALID : schema::Padding_EXPLICIT);
    std::vector<int32_t> pads;
    int oph = 0, opw = 0;
    if (padding == schema::Padding_EXPLICIT) {
      std::uniform_int_distribution<int> ph(0, (kh - 1) / 2), pw(0, (kw - 1) / 2);
      for (int i = 0; i < 4; ++i) pads.push_back(i % 2 == 0 ? ph(rng) : pw(rng));
      oph = static_cast<int>(rng() % sh);
      opw = static_cast<int>(rng() % sw);
    }
    const bool with_bias = iter % 3 != 0;
    const schema::Activation act = acts[act_d(rng)];
    const auto x = Random(static_cast<size_t>(n) * h * w * cin, rng, -1.f, 1.f);
    const auto wt = Random(static_cast<size_t>(cout) * kh * kw * cin, rng, -1.f, 1.f);
    const auto b = Random(static_cast<size_t>(cout), rng, -1.f, 1.f);
    auto build = [&](OpTest& t) {
      t.Input<float>({n, h, w, cin}, x);
      t.Const<float>({cout, kh, kw, cin}, wt);
      if (with_bias) t.Const<float>({cout}, b);
      t.Output(DType::kF32);
      flatbuffers::Offset<flatbuffers::Vector<int32_t>> pv;
      if (!pads.empty()) pv = t.fbb().CreateVector(pads);
      t.SetOptions(schema::OpOptions_TransposeConvOptions,
                   schema::CreateTransposeConvOptions(t.fbb(), padding, sh, sw, act, pv, oph, opw).Union());
    };
    INFO("iteration " << iter << ": " << n << "x" << h << "x" << w << "x" << cin << " -> " << cout << " k" << kh
                      << "x" << kw << " s" << sh << "x" << sw << " padding " << schema::EnumNamePadding(padding));
    Shape ref_shape, opt_shape;
    const auto want = Run(schema::OpType_TRANSPOSE_CONV, ref::Register_TRANSPOSE_CONV(), 1, build, &ref_shape);
    const auto got1 = Run(schema::OpType_TRANSPOSE_CONV, opt::Register_TRANSPOSE_CONV(), 1, build, &opt_shape);
    REQUIRE(opt_shape == ref_shape);
    const auto got3 = Run(schema::OpType_TRANSPOSE_CONV, opt::Register_TRANSPOSE_CONV(), 3, build, &opt_shape);
    CHECK(SameBits(got1, got3));
    REQUIRE(got1.size() == want.size());
    size_t bad = 0, first = 0;
    for (size_t i = 0; i < want.size(); ++i) {
      const double d = std::fabs(static_cast<double>(got1[i]) - want[i]);
      if (!(d <= 1e-5 * std::max(1.0, std::fabs(static_cast<double>(want[i])))) && bad++ == 0) first = i;
    }
    INFO("mismatches " << bad << ", first at " << first << ": got " << (bad ? got1[first] : 0.f) << ", want "
                       << (bad ? want[first] : 0.f));
    CHECK(bad == 0);
  }
}

}  // namespace
}  // namespace edgert
