// Block-sparse f32 and int8 constants and zero-mask constants: the stored form
// (encode, validate, densify), the loader's checks on hostile files, CONV_2D 1x1 and FULLY_CONNECTED with
// sparse-stored weights (reference kernels on the densified view, optimized
// kernels on the sparse microkernel) against a naive computation, and pruning.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"
#include "runtime/builder.h"
#include "runtime/importers/compress/sparsify.h"
#include "runtime/importers/optimizer/graph.h"
#include "runtime/model.h"
#include "runtime/sparse_weights.h"
#include "tests/kernels/conv_test_util.h"
#include "tests/op_test.h"
#include "tools/demo_model.h"

namespace edgert {
namespace {

using conv_test::ScopedBestIsa;
using testing::OpTest;

// Dense [rows, cols] weights where each block column (block rows of one column)
// is zero with probability zero_fraction; other values in [-1, 1] (some single zeros).
std::vector<float> BlockSparseWeights(int rows, int cols, int block, double zero_fraction, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> val(-1.f, 1.f);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<float> w(static_cast<size_t>(rows) * cols);
  for (int b = 0; b * block < rows; ++b)
    for (int c = 0; c < cols; ++c) {
      const bool zero = u(rng) < zero_fraction;
      for (int r = b * block; r < std::min(rows, (b + 1) * block); ++r) {
        const float v = val(rng);
        w[static_cast<size_t>(r) * cols + c] = zero || std::fabs(v) < 0.05f ? 0.f : v;
      }
    }
  return w;
}

std::vector<float> RandomVector(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> val(-1.f, 1.f);
  std::vector<float> v(n);
  for (float& x : v) x = val(rng);
  return v;
}

// y[p][o] = clamp(bias[o] + sum_i x[p][i] * w[o][i]) in double.
std::vector<float> NaiveProduct(const std::vector<float>& x, const std::vector<float>& w, const std::vector<float>& bias,
                                int pixels, int in, int out, float lo, float hi) {
  std::vector<float> y(static_cast<size_t>(pixels) * out);
  for (int p = 0; p < pixels; ++p)
    for (int o = 0; o < out; ++o) {
      double acc = bias.empty() ? 0.0 : bias[static_cast<size_t>(o)];
      for (int i = 0; i < in; ++i)
        acc += static_cast<double>(x[static_cast<size_t>(p) * in + i]) * w[static_cast<size_t>(o) * in + i];
      y[static_cast<size_t>(p) * out + o] = std::min(hi, std::max(lo, static_cast<float>(acc)));
    }
  return y;
}

void CheckClose(const std::vector<float>& got, const std::vector<float>& want) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i);
    REQUIRE(got[i] == Approx(want[i]).margin(1e-4).epsilon(1e-4));
  }
}

// The stored form of `w` (f32, or int8 values w * 127 rounded) round-trips.
template <typename T>
void CheckRoundTrip(const std::vector<float>& wf, int rows, int cols, int block, double zf) {
  const DType dtype = std::is_same<T, float>::value ? DType::kF32 : DType::kI8;
  std::vector<T> w(wf.size());
  for (size_t i = 0; i < wf.size(); ++i)
    w[i] = std::is_same<T, float>::value ? static_cast<T>(wf[i]) : static_cast<T>(std::lround(wf[i] * 127.f));
  const BlockSparseData d = EncodeBlockSparse(w.data(), dtype, rows, cols, block);
  BlockSparseView v;
  const Shape shape{rows, 1, 1, cols};
  REQUIRE(ValidateBlockSparse("w", shape, dtype, block, d.block_ptr.data(), d.block_ptr.size(),
                              d.column_indices.data(), d.column_indices.size(), d.values.data(), d.values.size(), &v)
              .ok());
  CHECK(v.num_blocks == (rows + block - 1) / block);
  CHECK(v.element_bytes == sizeof(T));
  CHECK(d.values.size() == static_cast<size_t>(v.stored_columns()) * static_cast<size_t>(block) * sizeof(T));
  std::vector<T> dense(w.size(), static_cast<T>(42));
  DensifyBlockSparse(v, dense.data());
  CHECK(dense == w);
  const int64_t total = static_cast<int64_t>(v.num_blocks) * cols;
  CHECK(ZeroBlockFraction(w.data(), dtype, rows, cols, block) ==
        Approx(static_cast<double>(total - v.stored_columns()) / static_cast<double>(total)));
  if (zf == 1.0) CHECK(v.stored_columns() == 0);
}

TEST_CASE("block-sparse encoding round-trips and validates (f32 and int8)", "[sparse]") {
  for (int block : {8, 16}) {
    for (int rows : {1, 7, 16, 17, 40}) {
      for (double zf : {0.0, 0.6, 1.0}) {
        const int cols = 13;
        INFO("block " << block << " rows " << rows << " zero fraction " << zf);
        const std::vector<float> w = BlockSparseWeights(rows, cols, block, zf, static_cast<uint32_t>(rows * 31 + block));
        {
          INFO("f32");
          CheckRoundTrip<float>(w, rows, cols, block, zf);
        }
        {
          INFO("int8");
          CheckRoundTrip<int8_t>(w, rows, cols, block, zf);
        }
      }
    }
  }
}

TEST_CASE("block-sparse validation rejects inconsistent stored forms", "[sparse]") {
  const std::vector<float> w = BlockSparseWeights(20, 6, 8, 0.3, 7);
  const BlockSparseData d = EncodeBlockSparse(w.data(), DType::kF32, 20, 6, 8);
  REQUIRE(d.column_indices.size() >= 2);
  const Shape shape{20, 6};
  auto check = [&](int block, std::vector<int32_t> ptr, std::vector<int32_t> idx, uint64_t bytes, const char* what) {
    BlockSparseView v;
    Status s = ValidateBlockSparse("tensor 3 'w'", shape, DType::kF32, block, ptr.data(), ptr.size(), idx.data(),
                                   idx.size(), d.values.data(), bytes, &v);
    INFO(s.message());
    REQUIRE_FALSE(s.ok());
    CHECK(s.code() == StatusCode::kInvalidModel);
    CHECK(s.message().find(what) != std::string::npos);
    CHECK(s.message().find("tensor 3 'w'") != std::string::npos);
  };
  const uint64_t bytes = d.values.size();
  check(4, d.block_ptr, d.column_indices, bytes, "block size 4");
  check(8, {0, 1}, d.column_indices, bytes, "block_ptr has 2 entries");
  auto ptr = d.block_ptr;
  ptr[0] = 1;
  check(8, ptr, d.column_indices, bytes, "block_ptr[0]");
  ptr = d.block_ptr;
  ptr[1] = ptr[2] + 1;
  check(8, ptr, d.column_indices, bytes, "");
  ptr = d.block_ptr;
  ptr[3] += 1;
  check(8, ptr, d.column_indices, bytes, "past the");
  auto idx = d.column_indices;
  idx[0] = 6;
  check(8, d.block_ptr, idx, bytes, "outside [0, 6)");
  idx[0] = -1;
  check(8, d.block_ptr, idx, bytes, "outside [0, 6)");
  check(8, d.block_ptr, d.column_indices, bytes - 4, "values are");
  // Duplicate column within a block.
  std::vector<int32_t> p2 = {0, 2, 2, 2}, i2 = {3, 3};
  check(8, p2, i2, 2 * 8 * sizeof(float), "strictly ascending");
  // Other dtypes have no stored form; int8 values are one byte each.
  BlockSparseView v;
  Status s = ValidateBlockSparse("w", shape, DType::kI32, 8, d.block_ptr.data(), d.block_ptr.size(),
                                 d.column_indices.data(), d.column_indices.size(), d.values.data(), bytes, &v);
  CHECK(s.message().find("f32 and int8 constants only, not i32") != std::string::npos);
  s = ValidateBlockSparse("w", shape, DType::kI8, 8, d.block_ptr.data(), d.block_ptr.size(), d.column_indices.data(),
                          d.column_indices.size(), d.values.data(), bytes, &v);
  const std::string int8_need = std::string(DTypeName(DType::kI8)) + " values need " + std::to_string(bytes / 4);
  CHECK(s.message().find(int8_need) != std::string::npos);
  CHECK(ValidateBlockSparse("w", shape, DType::kI8, 8, d.block_ptr.data(), d.block_ptr.size(),
                            d.column_indices.data(), d.column_indices.size(), d.values.data(), bytes / 4, &v)
            .ok());
}

TEST_CASE("int8 weights stored block-sparse load densified and run as the dense ones", "[sparse]") {
  // FULLY_CONNECTED int8, per-channel weight scales, 40 outputs x 24 inputs,
  // about half the block columns zero.
  const std::vector<float> wf = BlockSparseWeights(40, 24, 16, 0.5, 11);
  std::vector<int8_t> w(wf.size());
  for (size_t i = 0; i < wf.size(); ++i) w[i] = static_cast<int8_t>(std::lround(wf[i] * 127.f));
  std::vector<float> scales(40);
  for (size_t i = 0; i < scales.size(); ++i) scales[i] = 0.002f + 0.0001f * static_cast<float>(i);
  const QuantSpec wq{scales, std::vector<int64_t>(40, 0), 0};
  std::vector<int8_t> x(3 * 24);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<int8_t>(static_cast<int>(i * 37 % 255) - 127);
  auto run = [&](bool sparse, bool optimized) {
    ModelBuilder b;
    const int xt = b.AddInput("x", DType::kI8, {3, 24}, QuantSpec::PerTensor(0.05f, 3));
    const int wt = sparse ? b.AddSparseConstant("w", DType::kI8, {40, 24}, w.data(), 16, wq)
                          : b.AddConstant("w", DType::kI8, {40, 24}, w.data(), w.size(), wq);
    const int yt = b.AddTensor("y", DType::kI8, {3, 40}, QuantSpec::PerTensor(0.1f, -5));
    b.AddOp(schema::OpType_FULLY_CONNECTED, {xt, wt, -1}, {yt}, schema::OpOptions_FullyConnectedOptions,
            schema::CreateFullyConnectedOptions(b.fbb()).Union());
    b.MarkOutput(yt);
    const std::vector<uint8_t> file = b.Finish();
    std::shared_ptr<const Model> m;
    Status st = Model::LoadBuffer(file.data(), file.size(), true, &m);
    INFO(st.message());
    REQUIRE(st.ok());
    CHECK(m->fb()->version() == (sparse ? 3u : 1u));
    if (sparse) {  // int8 block-sparse storage is format version 3
      std::vector<uint8_t> v2 = file;
      schema::GetMutableSizePrefixedModel(v2.data())->mutate_version(2);
      std::shared_ptr<const Model> m2;
      const Status s2 = Model::LoadBuffer(v2.data(), v2.size(), true, &m2);
      CHECK(s2.message().find("needs format version 3") != std::string::npos);
    }
    const TensorInfo& ti = m->tensors()[static_cast<size_t>(wt)];
    CHECK(ti.sparse.block_size == (sparse ? 16 : 0));
    REQUIRE(ti.const_bytes == w.size());
    CHECK(std::vector<int8_t>(static_cast<const int8_t*>(ti.const_data),
                              static_cast<const int8_t*>(ti.const_data) + w.size()) == w);
    OpResolver r;
    r.Add(schema::OpType_FULLY_CONNECTED,
          optimized ? opt::Register_FULLY_CONNECTED() : ref::Register_FULLY_CONNECTED());
    Interpreter it(m, &r);
    REQUIRE(it.Prepare().ok());
    std::copy(x.begin(), x.end(), it.input(0)->data_as<int8_t>());
    REQUIRE(it.Invoke().ok());
    const int8_t* y = it.output(0)->data_as<int8_t>();
    return std::vector<int8_t>(y, y + 3 * 40);
  };
  const std::vector<int8_t> want = run(false, false);
  CHECK(run(true, false) == want);
  CHECK(run(true, true) == want);
  CHECK(run(false, true) == want);
}

// A one-op model with a sparse constant, for the loader tests.
std::vector<uint8_t> SparseFcModel(const std::vector<float>& w, int out, int in) {
  ModelBuilder b;
  const int x = b.AddInput("x", DType::kF32, {2, in});
  const int wt = b.AddSparseConstant("w", {out, in}, w.data(), 16);
  const int y = b.AddTensor("y", DType::kF32, {2, out});
  b.AddOp(schema::OpType_FULLY_CONNECTED, {x, wt, -1}, {y}, schema::OpOptions_FullyConnectedOptions,
          schema::CreateFullyConnectedOptions(b.fbb()).Union());
  b.MarkOutput(y);
  return b.Finish();
}

TEST_CASE("the loader densifies sparse constants and rejects hostile sparse storage", "[sparse]") {
  const std::vector<float> w = BlockSparseWeights(33, 10, 16, 0.5, 3);
  std::vector<uint8_t> file = SparseFcModel(w, 33, 10);
  std::shared_ptr<const Model> m;
  REQUIRE(Model::LoadBuffer(file.data(), file.size(), true, &m).ok());
  CHECK(m->fb()->version() == 2);
  const TensorInfo& ti = m->tensors()[1];
  REQUIRE(ti.sparse.block_size == 16);
  REQUIRE(ti.const_bytes == w.size() * sizeof(float));
  const float* dense = static_cast<const float*>(ti.const_data);
  CHECK(std::vector<float>(dense, dense + w.size()) == w);

  // A dense model is still written as version 1.
  ModelBuilder plain;
  const int c = plain.AddConstant("c", DType::kF32, {2}, std::vector<float>{1.f, 2.f});
  plain.MarkOutput(c);
  const std::vector<uint8_t> pf = plain.Finish();
  CHECK(schema::GetSizePrefixedModel(pf.data())->version() == 1);

  auto corrupt = [&](auto edit, const char* what) {
    std::vector<uint8_t> bad = file;
    schema::Model* fm = schema::GetMutableSizePrefixedModel(bad.data());
    auto* t = fm->mutable_subgraphs()->GetMutableObject(0)->mutable_tensors()->GetMutableObject(1);
    edit(fm, t->mutable_sparsity());
    std::shared_ptr<const Model> mb;
    Status s = Model::LoadBuffer(bad.data(), bad.size(), true, &mb);
    INFO(s.message());
    REQUIRE_FALSE(s.ok());
    CHECK(s.message().find(what) != std::string::npos);
    CHECK(s.message().find("tensor 1 'w'") != std::string::npos);
  };
  corrupt([](schema::Model*, schema::BlockSparsity* sp) { sp->mutable_column_indices()->Mutate(0, 1000); },
          "outside [0, 10)");
  corrupt([](schema::Model*, schema::BlockSparsity* sp) { sp->mutable_block_ptr()->Mutate(1, 100000); }, "past the");
  corrupt([](schema::Model*, schema::BlockSparsity* sp) { sp->mutable_block_ptr()->Mutate(1, -5); }, "decreases");
  corrupt([](schema::Model* fm, schema::BlockSparsity*) { fm->mutate_version(1); }, "format version 2");
  corrupt([](schema::Model* fm, schema::BlockSparsity*) {
    auto* seg = fm->mutable_segments()->GetMutableObject(0);
    seg->mutate_size(seg->size() - 64);
  }, "values are");
  // A few stored bytes claiming a huge shape (every extra column an unstored
  // zero block column): refused before anything is allocated, not densified
  // into gigabytes (a fuzzer-found input asked for 4 GB from 4 KB).
  corrupt([](schema::Model* fm, schema::BlockSparsity*) {
    auto* t = fm->mutable_subgraphs()->GetMutableObject(0)->mutable_tensors()->GetMutableObject(1);
    t->mutable_shape()->Mutate(1, 1 << 28);
  }, "densified constants past");
}

struct SpCase {
  int pixels, in, out;
  double zero_fraction;
  schema::Activation act;
  bool bias;
};

const std::vector<SpCase> kSpCases = {
    {15, 7, 33, 0.5, schema::Activation_NONE, true},    // pixel, channel and block tails
    {16, 16, 16, 0.0, schema::Activation_RELU, true},   // fully dense
    {9, 33, 17, 1.0, schema::Activation_NONE, true},    // every block zero: bias only
    {1, 40, 9, 0.7, schema::Activation_RELU6, false},   // one pixel, one partial block
    {37, 64, 48, 0.8, schema::Activation_RELU_N1_TO_1, true},
    {6, 1, 20, 0.3, schema::Activation_NONE, false},
};

void ActRange(schema::Activation a, float* lo, float* hi) {
  *lo = -INFINITY;
  *hi = INFINITY;
  if (a == schema::Activation_RELU) *lo = 0.f;
  if (a == schema::Activation_RELU6) *lo = 0.f, *hi = 6.f;
  if (a == schema::Activation_RELU_N1_TO_1) *lo = -1.f, *hi = 1.f;
}

TEST_CASE("CONV_2D 1x1 with block-sparse weights matches a naive product", "[sparse][kernels][conv_2d]") {
  const OpKernel* kernel = GENERATE(ref::Register_CONV_2D(), opt::Register_CONV_2D());
  const int block = GENERATE(16, 8);
  ScopedBestIsa best_isa;
  uint32_t seed = 11;
  for (const SpCase& c : kSpCases) {
    for (int threads : {1, 2, 3}) {
      INFO("kernel " << kernel->name << " block " << block << " pixels " << c.pixels << " in " << c.in << " out "
                     << c.out << " zero blocks " << c.zero_fraction << " threads " << threads);
      const std::vector<float> w = BlockSparseWeights(c.out, c.in, block, c.zero_fraction, seed++);
      const std::vector<float> x = RandomVector(static_cast<size_t>(c.pixels) * c.in, seed++);
      const std::vector<float> bias = c.bias ? RandomVector(static_cast<size_t>(c.out), seed++) : std::vector<float>();
      // Pixels as [1, 1, pixels, in] (odd widths).
      OpTest t(schema::OpType_CONV_2D);
      t.Input<float>({1, 1, c.pixels, c.in}, x);
      t.ConstSparse({c.out, 1, 1, c.in}, w, block);
      if (c.bias)
        t.Const<float>({c.out}, bias);
      else
        t.OmitInput();
      t.Output(DType::kF32);
      t.SetOptions(schema::OpOptions_Conv2DOptions,
                   schema::CreateConv2DOptions(t.fbb(), schema::Padding_VALID, 1, 1, 1, 1, c.act).Union());
      t.SetNumThreads(threads);
      REQUIRE(t.Run(kernel).ok());
      float lo, hi;
      ActRange(c.act, &lo, &hi);
      CheckClose(t.OutputData<float>(0), NaiveProduct(x, w, bias, c.pixels, c.in, c.out, lo, hi));
    }
  }
}

TEST_CASE("FULLY_CONNECTED with block-sparse weights matches a naive product", "[sparse][kernels][fully_connected]") {
  const OpKernel* kernel = GENERATE(ref::Register_FULLY_CONNECTED(), opt::Register_FULLY_CONNECTED());
  ScopedBestIsa best_isa;
  uint32_t seed = 500;
  for (const SpCase& c : kSpCases) {
    for (int threads : {1, 3}) {
      INFO("kernel " << kernel->name << " rows " << c.pixels << " in " << c.in << " out " << c.out << " threads "
                     << threads);
      const std::vector<float> w = BlockSparseWeights(c.out, c.in, 16, c.zero_fraction, seed++);
      const std::vector<float> x = RandomVector(static_cast<size_t>(c.pixels) * c.in, seed++);
      const std::vector<float> bias = c.bias ? RandomVector(static_cast<size_t>(c.out), seed++) : std::vector<float>();
      OpTest t(schema::OpType_FULLY_CONNECTED);
      t.Input<float>({c.pixels, c.in}, x);
      t.ConstSparse({c.out, c.in}, w, 16);
      if (c.bias)
        t.Const<float>({c.out}, bias);
      else
        t.OmitInput();
      t.Output(DType::kF32);
      t.SetOptions(schema::OpOptions_FullyConnectedOptions,
                   schema::CreateFullyConnectedOptions(t.fbb(), c.act).Union());
      t.SetNumThreads(threads);
      REQUIRE(t.Run(kernel).ok());
      float lo, hi;
      ActRange(c.act, &lo, &hi);
      CheckClose(t.OutputData<float>(0), NaiveProduct(x, w, bias, c.pixels, c.in, c.out, lo, hi));
    }
  }
}

TEST_CASE("the optimized CONV_2D runs sparse weights without packing them", "[sparse][kernels][conv_2d]") {
  // Dense packing would need (48 + 1) * 256 * 4 bytes; the sparse path packs only the bias.
  ScopedBestIsa best_isa;
  const std::vector<float> w = BlockSparseWeights(48, 256, 16, 0.8, 9);
  auto persistent = [&](bool sparse) {
    OpTest t(schema::OpType_CONV_2D);
    t.Input<float>({1, 2, 2, 256}, RandomVector(4 * 256, 1));
    if (sparse)
      t.ConstSparse({48, 1, 1, 256}, w, 16);
    else
      t.Const<float>({48, 1, 1, 256}, w);
    t.OmitInput();
    t.Output(DType::kF32);
    t.SetOptions(schema::OpOptions_Conv2DOptions, schema::CreateConv2DOptions(t.fbb()).Union());
    REQUIRE(t.Run(opt::Register_CONV_2D()).ok());
    return t.interpreter().memory().persistent_bytes;
  };
  if (GetKernelIsa().f32_spmm.fn != nullptr)
    CHECK(persistent(true) + 40000 < persistent(false));
  else
    CHECK(persistent(true) == persistent(false));
}

TEST_CASE("pruning zeroes the smallest block columns and stores them sparse", "[sparse][compress]") {
  // x [1, 4, 4, 40] -> 1x1 conv to 35 channels -> FULLY_CONNECTED [1, 16*35] -> 20
  ModelBuilder b;
  const int x = b.AddInput("x", DType::kF32, {1, 4, 4, 40});
  const std::vector<float> w = RandomVector(35 * 40, 77);
  const int wt = b.AddConstant("w", DType::kF32, {35, 1, 1, 40}, w);
  const int y = b.AddTensor("y", DType::kF32, {1, 4, 4, 35});
  b.AddOp(schema::OpType_CONV_2D, {x, wt, -1}, {y}, schema::OpOptions_Conv2DOptions,
          schema::CreateConv2DOptions(b.fbb()).Union(), "conv");
  const int r = b.AddTensor("r", DType::kF32, {1, 560});
  const int shape = b.AddConstant("shape", DType::kI32, {2}, std::vector<int32_t>{1, 560});
  b.AddOp(schema::OpType_RESHAPE, {y, shape}, {r}, schema::OpOptions_ReshapeOptions,
          schema::CreateReshapeOptions(b.fbb()).Union());
  const std::vector<float> w2 = RandomVector(20 * 560, 78);
  const int w2t = b.AddConstant("w2", DType::kF32, {20, 560}, w2);
  const int z = b.AddTensor("z", DType::kF32, {1, 20});
  b.AddOp(schema::OpType_FULLY_CONNECTED, {r, w2t, -1}, {z}, schema::OpOptions_FullyConnectedOptions,
          schema::CreateFullyConnectedOptions(b.fbb()).Union(), "fc");
  b.MarkOutput(z);
  const std::vector<uint8_t> file = b.Finish();

  SparsifyOptions o;
  o.prune_fraction = 0.7;
  std::vector<uint8_t> out;
  SparsifyReport rep;
  REQUIRE(SparsifyModel(file, o, &out, &rep).ok());
  REQUIRE(rep.layers.size() == 2);
  CHECK(rep.pruned == 2);
  CHECK(rep.sparse == 2);
  CHECK(out.size() < file.size());
  std::shared_ptr<const Model> m;
  REQUIRE(Model::LoadBuffer(out.data(), out.size(), true, &m).ok());
  int checked = 0;
  for (const TensorInfo& ti : m->tensors()) {
    if (ti.name != "w") continue;
    ++checked;
    REQUIRE(ti.sparse.block_size == 16);
    // 3 blocks (16, 16, 3 rows) x 10 units of 4 columns = 30 units; floor(0.7 * 30) = 21 zero,
    // 84 of the 120 block columns.
    CHECK(ti.sparse.stored_columns() == 120 - 84);
    const float* d = static_cast<const float*>(ti.const_data);
    // Every kept unit has a norm >= every pruned one, and keeps its original values.
    double min_kept = INFINITY, max_pruned = 0;
    int zero_units = 0;
    for (int blk = 0; blk < 3; ++blk)
      for (int c0 = 0; c0 < 40; c0 += 4) {
        double n = 0;
        bool zero = true;
        for (int rr = blk * 16; rr < std::min(35, blk * 16 + 16); ++rr)
          for (int c = c0; c < c0 + 4; ++c) {
            n += static_cast<double>(w[static_cast<size_t>(rr) * 40 + c]) * w[static_cast<size_t>(rr) * 40 + c];
            zero = zero && d[rr * 40 + c] == 0.f;
            if (d[rr * 40 + c] != 0.f) REQUIRE(d[rr * 40 + c] == w[static_cast<size_t>(rr) * 40 + c]);
          }
        if (zero)
          max_pruned = std::max(max_pruned, n), ++zero_units;
        else
          min_kept = std::min(min_kept, n);
      }
    CHECK(zero_units == 21);
    CHECK(min_kept >= max_pruned);
  }
  CHECK(checked == 1);

  // --sparse off keeps dense storage; no pruning and dense weights leave everything dense.
  o.store_sparse = false;
  REQUIRE(SparsifyModel(file, o, &out, &rep).ok());
  CHECK(rep.sparse == 0);
  o = SparsifyOptions();
  REQUIRE(SparsifyModel(file, o, &out, &rep).ok());
  CHECK(rep.sparse == 0);
  CHECK(rep.pruned == 0);

  // The graph keeps sparse storage when it reads and writes a model.
  o.prune_fraction = 0.5;
  REQUIRE(SparsifyModel(file, o, &out, &rep).ok());
  graph::Graph g;
  REQUIRE(graph::Graph::FromBuffer(out.data(), out.size(), &g).ok());
  std::vector<uint8_t> again;
  REQUIRE(g.Serialize(&again).ok());
  CHECK(again.size() == out.size());
}

TEST_CASE("sparse storage of int8 weights: stored where it shrinks the file, never pruned", "[sparse]") {
  // Two int8 FULLY_CONNECTED layers [48, 64]: one with 60% zero block
  // columns, one with 10% (the stored form would save less than 10%).
  auto int8_weights = [](double zero_fraction, uint32_t seed) {
    const std::vector<float> wf = BlockSparseWeights(48, 64, 16, zero_fraction, seed);
    std::vector<int8_t> w(wf.size());
    for (size_t i = 0; i < wf.size(); ++i) w[i] = static_cast<int8_t>(std::lround(wf[i] * 127.f));
    return w;
  };
  const std::vector<int8_t> w_sparse = int8_weights(0.6, 21), w_dense = int8_weights(0.1, 22);
  ModelBuilder b;
  const QuantSpec act = QuantSpec::PerTensor(0.05f, 0);
  const QuantSpec wq{std::vector<float>(48, 0.01f), std::vector<int64_t>(48, 0), 0};
  const int x = b.AddInput("x", DType::kI8, {1, 64}, act);
  const int w1 = b.AddConstant("w1", DType::kI8, {48, 64}, w_sparse.data(), w_sparse.size(), wq);
  const int w2 = b.AddConstant("w2", DType::kI8, {48, 64}, w_dense.data(), w_dense.size(), wq);
  const int y1 = b.AddTensor("y1", DType::kI8, {1, 48}, act);
  const int y2 = b.AddTensor("y2", DType::kI8, {1, 48}, act);
  b.AddOp(schema::OpType_FULLY_CONNECTED, {x, w1, -1}, {y1}, schema::OpOptions_FullyConnectedOptions,
          schema::CreateFullyConnectedOptions(b.fbb()).Union());
  b.AddOp(schema::OpType_FULLY_CONNECTED, {x, w2, -1}, {y2}, schema::OpOptions_FullyConnectedOptions,
          schema::CreateFullyConnectedOptions(b.fbb()).Union());
  b.MarkOutput(y1);
  b.MarkOutput(y2);
  const std::vector<uint8_t> file = b.Finish();

  SparsifyOptions o;
  o.prune_fraction = 0.5;  // int8 layers are not pruned
  std::vector<uint8_t> out;
  SparsifyReport rep;
  REQUIRE(SparsifyModel(file, o, &out, &rep).ok());
  REQUIRE(rep.layers.size() == 2);
  CHECK(rep.pruned == 0);
  CHECK(rep.sparse == 1);
  CHECK(rep.layers[0].dtype == DType::kI8);
  CHECK(rep.layers[0].stored_sparse);
  CHECK_FALSE(rep.layers[1].stored_sparse);
  CHECK(rep.layers[0].stored_bytes < rep.layers[0].dense_bytes * 9 / 10);
  CHECK(out.size() < file.size());
  std::shared_ptr<const Model> m;
  REQUIRE(Model::LoadBuffer(out.data(), out.size(), true, &m).ok());
  for (const TensorInfo& ti : m->tensors()) {
    if (ti.name != "w1" && ti.name != "w2") continue;
    INFO(ti.name);
    const std::vector<int8_t>& want = ti.name == "w1" ? w_sparse : w_dense;
    CHECK(ti.sparse.block_size == (ti.name == "w1" ? 16 : 0));
    REQUIRE(ti.const_bytes == want.size());
    const int8_t* d = static_cast<const int8_t*>(ti.const_data);
    CHECK(std::vector<int8_t>(d, d + want.size()) == want);
    CHECK(ti.scale.size() == 48);  // the quantization parameters are kept
  }
}

TEST_CASE("zero-mask encoding: hand-worked bits, round trips and validation", "[sparse]") {
  // 10 int16 elements: 0, 5, 0, 0, -1, 0, 0, 0, 7, 0 -> bits 1, 4 (byte 0:
  // 0b00010010 = 0x12) and 8 (byte 1: 0x01); values 5, -1, 7.
  const std::vector<int16_t> small = {0, 5, 0, 0, -1, 0, 0, 0, 7, 0};
  const ZeroMaskData d = EncodeZeroMask(small.data(), small.size(), sizeof(int16_t));
  CHECK(d.mask == std::vector<uint8_t>{0x12, 0x01});
  REQUIRE(d.values.size() == 3 * sizeof(int16_t));
  const int16_t* v = reinterpret_cast<const int16_t*>(d.values.data());
  CHECK(v[0] == 5);
  CHECK(v[1] == -1);
  CHECK(v[2] == 7);
  CHECK(ZeroMaskStoredBytes(small.data(), small.size(), sizeof(int16_t)) == 2 + 6);

  // A float -0.f has a nonzero byte: it is stored, and comes back as -0.f.
  const std::vector<float> signed_zero = {0.f, -0.f, 1.f};
  const ZeroMaskData z = EncodeZeroMask(signed_zero.data(), 3, sizeof(float));
  CHECK(z.mask == std::vector<uint8_t>{0x06});

  // Round trips over element sizes, counts around a byte's 8 bits, all-zero,
  // all-stored and mixed bytes (the densifier's fast path takes 0xFF bytes).
  std::mt19937 rng(5);
  for (size_t element : {size_t{1}, size_t{2}, size_t{4}, size_t{8}}) {
    for (size_t n : {size_t{0}, size_t{1}, size_t{7}, size_t{8}, size_t{9}, size_t{63}, size_t{1000}}) {
      for (int density : {0, 30, 100}) {
        std::vector<uint8_t> dense(n * element, 0);
        for (size_t i = 0; i < n; ++i)
          if (static_cast<int>(rng() % 100) < density)
            for (size_t j = 0; j < element; ++j) dense[i * element + j] = static_cast<uint8_t>(1 + rng() % 255);
        INFO("element " << element << ", " << n << " elements, " << density << "% stored");
        const ZeroMaskData e = EncodeZeroMask(dense.data(), n, element);
        REQUIRE(e.mask.size() == ZeroMaskBytes(n));
        CHECK(ValidateZeroMask("t", n, element, e.mask.data(), e.mask.size(), e.values.size()).ok());
        CHECK(ZeroMaskStoredBytes(dense.data(), n, element) == e.mask.size() + e.values.size());
        std::vector<uint8_t> back(n * element + 1, 0xAB);
        DensifyZeroMask(e.mask.data(), n, element, e.values.data(), back.data());
        CHECK(std::vector<uint8_t>(back.begin(), back.begin() + static_cast<long>(n * element)) == dense);
        CHECK(back.back() == 0xAB);  // nothing written past the tensor
      }
    }
  }

  auto error = [](size_t n, size_t element, std::vector<uint8_t> mask, uint64_t value_bytes) {
    return ValidateZeroMask("tensor 3 'w'", n, element, mask.data(), mask.size(), value_bytes).message();
  };
  CHECK(error(10, 2, {0x12}, 6).find("the mask has 1 bytes; 10 elements need 2") != std::string::npos);
  CHECK(error(10, 2, {0x12, 0x01, 0x00}, 6).find("the mask has 3 bytes") != std::string::npos);
  CHECK(error(10, 2, {0x12, 0x05}, 8).find("bits are set past the last of the 10 elements") != std::string::npos);
  CHECK(error(10, 2, {0x12, 0x01}, 8).find("marks 3 stored elements") != std::string::npos);
  CHECK(error(10, 2, {0x12, 0x01}, 4).find("values are 4 bytes") != std::string::npos);
  CHECK(error(10, 2, {0x12, 0x01}, 6).empty());
  CHECK(error(16, 1, {0xFF, 0xFF}, 16).empty());
}

TEST_CASE("the loader densifies zero-mask constants and rejects hostile masks", "[sparse]") {
  // FULLY_CONNECTED f32 [33, 10] with 70% single zeros (no zero block of 16
  // rows), against the same model stored dense.
  std::mt19937 rng(9);
  std::uniform_real_distribution<float> val(-1.f, 1.f);
  std::vector<float> w(33 * 10);
  for (float& x : w) x = rng() % 10 < 7 ? 0.f : val(rng);
  auto model = [&](bool masked) {
    ModelBuilder b;
    const int x = b.AddInput("x", DType::kF32, {2, 10});
    const int wt = masked ? b.AddZeroMaskConstant("w", DType::kF32, {33, 10}, w.data(), w.size() * sizeof(float))
                          : b.AddConstant("w", DType::kF32, {33, 10}, w.data(), w.size() * sizeof(float));
    const int y = b.AddTensor("y", DType::kF32, {2, 33});
    b.AddOp(schema::OpType_FULLY_CONNECTED, {x, wt, -1}, {y}, schema::OpOptions_FullyConnectedOptions,
            schema::CreateFullyConnectedOptions(b.fbb()).Union());
    b.MarkOutput(y);
    return b.Finish();
  };
  const std::vector<uint8_t> dense_file = model(false), file = model(true);
  CHECK(file.size() < dense_file.size());
  std::shared_ptr<const Model> m;
  REQUIRE(Model::LoadBuffer(file.data(), file.size(), true, &m).ok());
  CHECK(m->fb()->version() == 4);
  const TensorInfo& ti = m->tensors()[1];
  CHECK(ti.zero_mask);
  CHECK(ti.sparse.block_size == 0);
  REQUIRE(ti.const_bytes == w.size() * sizeof(float));
  const float* dense = static_cast<const float*>(ti.const_data);
  CHECK(std::vector<float>(dense, dense + w.size()) == w);
  for (bool optimized : {false, true}) {
    std::vector<float> got[2];
    for (int masked = 0; masked < 2; ++masked) {
      std::shared_ptr<const Model> mm;
      const std::vector<uint8_t>& f = masked ? file : dense_file;
      REQUIRE(Model::LoadBuffer(f.data(), f.size(), true, &mm).ok());
      OpResolver r;
      r.Add(schema::OpType_FULLY_CONNECTED,
            optimized ? opt::Register_FULLY_CONNECTED() : ref::Register_FULLY_CONNECTED());
      Interpreter it(mm, &r);
      REQUIRE(it.Prepare().ok());
      for (int i = 0; i < 20; ++i) it.input(0)->data_as<float>()[i] = 0.1f * static_cast<float>(i) - 1.f;
      REQUIRE(it.Invoke().ok());
      got[masked].assign(it.output(0)->data_as<float>(), it.output(0)->data_as<float>() + 66);
    }
    CHECK(got[0] == got[1]);
  }

  auto corrupt = [&](auto edit, const char* what) {
    std::vector<uint8_t> bad = file;
    schema::Model* fm = schema::GetMutableSizePrefixedModel(bad.data());
    auto* t = fm->mutable_subgraphs()->GetMutableObject(0)->mutable_tensors()->GetMutableObject(1);
    edit(fm, t->mutable_zero_mask()->mutable_mask());
    std::shared_ptr<const Model> mb;
    Status s = Model::LoadBuffer(bad.data(), bad.size(), true, &mb);
    INFO(s.message());
    REQUIRE_FALSE(s.ok());
    CHECK(s.message().find(what) != std::string::npos);
    CHECK(s.message().find("tensor 1 'w'") != std::string::npos);
  };
  // 330 elements: 42 mask bytes, the last holding 2 elements.
  corrupt([](schema::Model*, flatbuffers::Vector<uint8_t>* mask) { mask->Mutate(41, 0x04); }, "past the last");
  corrupt([](schema::Model*, flatbuffers::Vector<uint8_t>* mask) { mask->Mutate(0, mask->Get(0) ^ 0x01); },
          "the mask marks");
  corrupt([](schema::Model* fm, flatbuffers::Vector<uint8_t>*) { fm->mutate_version(3); }, "format version 4");
  corrupt([](schema::Model* fm, flatbuffers::Vector<uint8_t>*) {
    auto* seg = fm->mutable_segments()->GetMutableObject(0);
    seg->mutate_size(seg->size() - 4);
  }, "values are");
}

TEST_CASE("the sparse tiny demo model (a fuzzing seed) holds both stored forms and runs", "[sparse]") {
  const std::vector<uint8_t> file = BuildTinyDemoNet(true);
  std::shared_ptr<const Model> m;
  REQUIRE(Model::LoadBuffer(file.data(), file.size(), true, &m).ok());
  CHECK(m->fb()->version() == 4);
  int masked = 0, block_sparse = 0;
  for (const TensorInfo& ti : m->tensors()) {
    masked += ti.zero_mask ? 1 : 0;
    block_sparse += ti.sparse.block_size > 0 ? 1 : 0;
  }
  CHECK(masked == 1);
  CHECK(block_sparse == 1);
  OpResolver r;
  AddDefaultKernels(&r);
  Interpreter it(m, &r);
  REQUIRE(it.Prepare().ok());
  REQUIRE(it.Invoke().ok());
  float sum = 0.f;
  for (int i = 0; i < 4; ++i) sum += it.output(0)->data_as<float>()[i];
  CHECK(sum == Approx(1.f));  // softmax probabilities
}

TEST_CASE("sparse storage writes zero masks where block-sparse storage does not apply", "[sparse][compress]") {
  // Three constants: f32 1x1-conv-like weights with 70% single zeros (no zero
  // block column: a zero mask), f32 ones with 10% zeros (stay dense: the mask
  // would save less than a quarter), and an int8 tensor with 60% zeros read
  // by an ADD (not a sparse-kernel layer: a zero mask too).
  std::mt19937 rng(13);
  std::uniform_real_distribution<float> val(0.1f, 1.f);
  std::vector<float> w70(32 * 48), w10(32 * 48);
  for (float& x : w70) x = rng() % 10 < 7 ? 0.f : val(rng);
  for (float& x : w10) x = rng() % 10 < 1 ? 0.f : val(rng);
  std::vector<int8_t> c60(200);
  for (int8_t& x : c60) x = rng() % 10 < 6 ? 0 : static_cast<int8_t>(1 + rng() % 100);
  ModelBuilder b;
  const int x = b.AddInput("x", DType::kF32, {1, 48});
  const int wa = b.AddConstant("w70", DType::kF32, {32, 48}, w70.data(), w70.size() * sizeof(float));
  const int wb = b.AddConstant("w10", DType::kF32, {32, 48}, w10.data(), w10.size() * sizeof(float));
  const int ya = b.AddTensor("ya", DType::kF32, {1, 32});
  const int yb = b.AddTensor("yb", DType::kF32, {1, 32});
  for (auto [w, y] : {std::pair<int, int>{wa, ya}, std::pair<int, int>{wb, yb}})
    b.AddOp(schema::OpType_FULLY_CONNECTED, {x, w, -1}, {y}, schema::OpOptions_FullyConnectedOptions,
            schema::CreateFullyConnectedOptions(b.fbb()).Union());
  const QuantSpec q = QuantSpec::PerTensor(0.1f, 0);
  const int xi = b.AddInput("xi", DType::kI8, {200}, q);
  const int ci = b.AddConstant("c60", DType::kI8, {200}, c60.data(), c60.size(), q);
  const int yi = b.AddTensor("yi", DType::kI8, {200}, q);
  b.AddOp(schema::OpType_ADD, {xi, ci}, {yi}, schema::OpOptions_BinaryOptions,
          schema::CreateBinaryOptions(b.fbb()).Union());
  // All-zero f32 constants of 16 and 32 values: the mask saves 62 and 124
  // bytes, and only from 64 (kZeroMaskMinSavedBytes) is one written.
  int yz[2];
  for (int i = 0; i < 2; ++i) {
    const int n = 16 << i;
    const int xz = b.AddInput("xz" + std::to_string(n), DType::kF32, {n});
    const int cz = b.AddConstant("z" + std::to_string(n), DType::kF32, {n}, std::vector<float>(static_cast<size_t>(n)));
    yz[i] = b.AddTensor("yz" + std::to_string(n), DType::kF32, {n});
    b.AddOp(schema::OpType_ADD, {xz, cz}, {yz[i]}, schema::OpOptions_BinaryOptions,
            schema::CreateBinaryOptions(b.fbb()).Union());
  }
  for (int y : {ya, yb, yi, yz[0], yz[1]}) b.MarkOutput(y);
  const std::vector<uint8_t> file = b.Finish();

  for (bool store : {true, false}) {
    INFO("store_sparse " << store);
    SparsifyOptions o;
    o.store_sparse = store;
    std::vector<uint8_t> out;
    SparsifyReport rep;
    REQUIRE(SparsifyModel(file, o, &out, &rep).ok());
    CHECK(rep.sparse == 0);
    CHECK(rep.masked == (store ? 3 : 0));
    std::shared_ptr<const Model> m;
    REQUIRE(Model::LoadBuffer(out.data(), out.size(), true, &m).ok());
    CHECK(m->fb()->version() == (store ? 4u : 1u));
    for (const TensorInfo& ti : m->tensors()) {
      if (ti.name == "w70" || ti.name == "w10") {
        INFO(ti.name);
        CHECK(ti.zero_mask == (store && ti.name == "w70"));
        const std::vector<float>& want = ti.name == "w70" ? w70 : w10;
        REQUIRE(ti.const_bytes == want.size() * sizeof(float));
        const float* d = static_cast<const float*>(ti.const_data);
        CHECK(std::vector<float>(d, d + want.size()) == want);
      } else if (ti.name == "z16" || ti.name == "z32") {
        INFO(ti.name);
        CHECK(ti.zero_mask == (store && ti.name == "z32"));
        REQUIRE(ti.const_data != nullptr);
        CHECK(static_cast<const float*>(ti.const_data)[0] == 0.f);
      } else if (ti.name == "c60") {
        CHECK(ti.zero_mask == store);
        CHECK(ti.scale == std::vector<float>{0.1f});
        const int8_t* d = static_cast<const int8_t*>(ti.const_data);
        CHECK(std::vector<int8_t>(d, d + c60.size()) == c60);
      }
    }
    if (store) {
      // w70: 192 mask bytes + 30% of 1536 floats; c60: 25 + 40% of 200 bytes; z32: 4 bytes.
      CHECK(rep.masked_dense_bytes == w70.size() * sizeof(float) + c60.size() + 32 * sizeof(float));
      CHECK(rep.masked_stored_bytes < rep.masked_dense_bytes / 2);
      CHECK(out.size() + (rep.masked_dense_bytes - rep.masked_stored_bytes) * 9 / 10 < file.size());
      // A second pass over a masked file keeps the masks.
      std::vector<uint8_t> again;
      SparsifyReport rep2;
      REQUIRE(SparsifyModel(out, o, &again, &rep2).ok());
      CHECK(rep2.masked == 3);
      CHECK(again.size() == out.size());
    }
  }
}

}  // namespace
}  // namespace edgert
