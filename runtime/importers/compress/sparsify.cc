#include "runtime/importers/compress/sparsify.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <numeric>
#include <string>

#include "runtime/importers/optimizer/graph.h"
#include "runtime/sparse_weights.h"

namespace edgert {
namespace {

struct Eligible {
  int op = -1, weights = -1;
  DType dtype = DType::kF32;
  bool kernel_runs_sparse = false;
  int64_t rows = 0, columns = 0;
};

// The op's weights when the op is an eligible layer (see sparsify.h).
bool FindEligible(const graph::Graph& g, int o, Eligible* e) {
  const graph::GOp& op = g.ops[static_cast<size_t>(o)];
  if (op.dead || op.inputs.size() < 2 || op.inputs[1] < 0) return false;
  if (op.type != schema::OpType_CONV_2D && op.type != schema::OpType_FULLY_CONNECTED) return false;
  const int w = op.inputs[1];
  const graph::GTensor& t = g.tensors[static_cast<size_t>(w)];
  // f32 weights, or int8 ones (quantized: per-tensor or per-output-channel scales).
  const bool f32 = t.dtype == DType::kF32 && t.quant.scale.empty();
  const bool int8 = t.dtype == DType::kI8 && !t.quant.scale.empty() && (t.quant.scale.size() == 1 || t.quant.axis == 0);
  if (!t.is_constant || !(f32 || int8)) return false;
  if (g.Consumers(w).size() != 1) return false;
  const auto& s = t.shape;
  bool sparse_ok = false;
  if (op.type == schema::OpType_CONV_2D) {
    const auto* c = op.options.AsConv2DOptions();
    const int x = op.inputs[0];
    if (c == nullptr || s.size() != 4 || s[1] != 1 || s[2] != 1 || x < 0) return false;
    const auto& xs = g.tensors[static_cast<size_t>(x)].shape;
    if (xs.size() != 4 || xs[3] != s[3]) return false;  // grouped
    bool no_pad = c->padding != schema::Padding_EXPLICIT;
    for (int p : c->pads) no_pad = no_pad && p == 0;
    sparse_ok = c->stride_h == 1 && c->stride_w == 1 && no_pad;
  } else {
    if (s.size() != 2) return false;
    sparse_ok = true;
  }
  int64_t elements = 1;
  for (int32_t d : s) elements *= d;
  if (elements == 0 || t.data.size() != static_cast<size_t>(elements) * DTypeSize(t.dtype)) return false;
  e->op = o;
  e->dtype = t.dtype;
  e->weights = w;
  e->kernel_runs_sparse = sparse_ok;
  e->rows = s[0];
  e->columns = elements / s[0];
  return true;
}

// Zeroes the `fraction` of pruning units (block rows x kPruneUnitColumns
// consecutive columns, see sparsify.h) with the smallest L2 norm.
void PruneBlocks(float* w, int64_t rows, int64_t columns, int block, double fraction) {
  const int64_t blocks = (rows + block - 1) / block;
  const int64_t groups = (columns + kPruneUnitColumns - 1) / kPruneUnitColumns;  // per block
  const int64_t total = blocks * groups;
  std::vector<double> norm(static_cast<size_t>(total), 0.0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < columns; ++c) {
      const double v = w[r * columns + c];
      norm[static_cast<size_t>((r / block) * groups + c / kPruneUnitColumns)] += v * v;
    }
  const int64_t count = static_cast<int64_t>(std::floor(fraction * static_cast<double>(total)));
  if (count <= 0) return;
  std::vector<int64_t> order(static_cast<size_t>(total));
  std::iota(order.begin(), order.end(), 0);
  std::nth_element(order.begin(), order.begin() + (count - 1), order.end(), [&](int64_t a, int64_t b) {
    return norm[static_cast<size_t>(a)] < norm[static_cast<size_t>(b)] ||
           (norm[static_cast<size_t>(a)] == norm[static_cast<size_t>(b)] && a < b);
  });
  for (int64_t i = 0; i < count; ++i) {
    const int64_t u = order[static_cast<size_t>(i)];
    const int64_t b = u / groups, c0 = (u % groups) * kPruneUnitColumns;
    for (int64_t r = b * block; r < std::min(rows, (b + 1) * block); ++r)
      for (int64_t c = c0; c < std::min(columns, c0 + kPruneUnitColumns); ++c) w[r * columns + c] = 0.f;
  }
}

std::string OpLabel(const graph::Graph& g, int o) {
  const graph::GOp& op = g.ops[static_cast<size_t>(o)];
  std::string s = schema::EnumNameOpType(op.type);
  std::string name = op.name;
  if (name.empty() && !op.outputs.empty() && op.outputs[0] >= 0) name = g.tensors[static_cast<size_t>(op.outputs[0])].name;
  return s + " '" + name + "'";
}

}  // namespace

Status SparsifyModel(const std::vector<uint8_t>& in, const SparsifyOptions& options, std::vector<uint8_t>* out,
                     SparsifyReport* report) {
  if (!(options.prune_fraction >= 0.0 && options.prune_fraction < 1.0))
    return Status::Error(StatusCode::kInvalidArgument, "pruning fraction %g is outside [0, 1)", options.prune_fraction);
  graph::Graph g;
  EDGERT_RETURN_IF_ERROR(graph::Graph::FromBuffer(in.data(), in.size(), &g));
  g.Refresh();
  *report = SparsifyReport();
  report->bytes_before = in.size();
  const int block = kSparseBlockSize;
  for (size_t o = 0; o < g.ops.size(); ++o) {
    Eligible e;
    if (!FindEligible(g, static_cast<int>(o), &e)) continue;
    graph::GTensor& t = g.tensors[static_cast<size_t>(e.weights)];
    void* w = t.data.data();
    const size_t element = DTypeSize(e.dtype);
    SparsifyLayer layer;
    layer.op = OpLabel(g, static_cast<int>(o));
    layer.shape = t.shape;
    layer.dtype = e.dtype;
    layer.zero_blocks_before = ZeroBlockFraction(w, e.dtype, e.rows, e.columns, block);
    // Pruning works on float weights (edgert-convert prunes before it quantizes).
    if (options.prune_fraction > 0.0 && e.dtype == DType::kF32) {
      PruneBlocks(static_cast<float*>(w), e.rows, e.columns, block, options.prune_fraction);
      ++report->pruned;
    }
    layer.zero_blocks_after = ZeroBlockFraction(w, e.dtype, e.rows, e.columns, block);
    const int64_t n = e.rows * e.columns;
    int64_t zeros = 0;
    if (e.dtype == DType::kF32)
      zeros = std::count(static_cast<const float*>(w), static_cast<const float*>(w) + n, 0.f);
    else
      zeros = std::count(static_cast<const int8_t*>(w), static_cast<const int8_t*>(w) + n, int8_t{0});
    layer.zero_values_after = static_cast<double>(zeros) / static_cast<double>(n);
    layer.dense_bytes = static_cast<uint64_t>(n) * element;
    layer.stored_bytes = layer.dense_bytes;
    t.sparse_block = 0;
    const int64_t blocks = (e.rows + block - 1) / block;
    const auto stored = static_cast<uint64_t>(
        std::llround((1.0 - layer.zero_blocks_after) * static_cast<double>(blocks * e.columns)));
    const uint64_t sparse_bytes =
        stored * block * element + (stored + static_cast<uint64_t>(blocks) + 1) * sizeof(int32_t);
    // f32: where the sparse microkernel runs it and beats the dense GEMM.
    // Partial blocks (fewer than 16 output channels) may make the stored form
    // larger: then it stays dense. int8 (densified at load; the runtime picks
    // its sparse or dense GEMM from the weights' zero quads, whatever the
    // storage): where the file shrinks by kSparseInt8MinSaving.
    const bool wins = e.dtype == DType::kF32
                          ? e.kernel_runs_sparse && layer.zero_blocks_after >= kSparseBreakEvenZeroBlocks &&
                                sparse_bytes < layer.dense_bytes
                          : static_cast<double>(sparse_bytes) <=
                                (1.0 - kSparseInt8MinSaving) * static_cast<double>(layer.dense_bytes);
    if (options.store_sparse && wins) {
      t.sparse_block = block;
      layer.stored_sparse = true;
      layer.stored_bytes = sparse_bytes;
      ++report->sparse;
    }
    report->layers.push_back(layer);
  }
  // Any other constant (of any dtype) with enough zero elements: a zero mask.
  for (graph::GTensor& t : g.tensors) {
    t.zero_mask = false;
    if (!options.store_sparse || !t.is_constant || t.sparse_block > 0 || t.data.empty()) continue;
    const size_t element = DTypeSize(t.dtype);
    const uint64_t stored = ZeroMaskStoredBytes(t.data.data(), t.data.size() / element, element);
    if (!ZeroMaskSaves(stored, t.data.size())) continue;
    t.zero_mask = true;
    ++report->masked;
    report->masked_dense_bytes += t.data.size();
    report->masked_stored_bytes += stored;
  }
  EDGERT_RETURN_IF_ERROR(g.Serialize(out));
  report->bytes_after = out->size();
  return Status::Ok();
}

std::string SparsifyReport::Summary() const {
  std::string s;
  char line[512];
  uint64_t dense = 0, stored = 0;
  double zero_before = 0, zero_after = 0, weight = 0;
  for (const SparsifyLayer& l : layers) {
    dense += l.dense_bytes;
    stored += l.stored_bytes;
    const double n = static_cast<double>(l.dense_bytes);
    zero_before += l.zero_blocks_before * n;
    zero_after += l.zero_blocks_after * n;
    weight += n;
  }
  if (weight == 0) weight = 1;
  std::snprintf(line, sizeof(line),
                "sparsity: %zu 1x1-conv/fully-connected layers (block %d), %s%d stored sparse; zero block "
                "columns %.1f%% -> %.1f%% (weighted by size); their weights %llu -> %llu bytes; file %llu -> %llu bytes "
                "(%.2fx)\n",
                layers.size(), kSparseBlockSize, pruned > 0 ? (std::to_string(pruned) + " pruned, ").c_str() : "",
                sparse, 100.0 * zero_before / weight, 100.0 * zero_after / weight, static_cast<unsigned long long>(dense),
                static_cast<unsigned long long>(stored), static_cast<unsigned long long>(bytes_before),
                static_cast<unsigned long long>(bytes_after),
                bytes_after > 0 ? static_cast<double>(bytes_before) / static_cast<double>(bytes_after) : 0.0);
  s += line;
  if (masked > 0) {
    std::snprintf(line, sizeof(line),
                  "zero masks: %d constants stored without their zero elements (format version 4), %llu -> %llu "
                  "bytes\n",
                  masked, static_cast<unsigned long long>(masked_dense_bytes),
                  static_cast<unsigned long long>(masked_stored_bytes));
    s += line;
  }
  return s;
}

}  // namespace edgert
