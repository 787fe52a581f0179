#include <cstring>
#include <memory>

#include "runtime/interpreter.h"
#include "runtime/importers/optimizer/passes.h"
#include "runtime/op_resolver.h"

namespace edgert {
namespace graph {
namespace {

constexpr size_t kAlwaysFoldBytes = 4096;

// Runs `op` alone on its constant inputs with the reference kernels and
// stores its outputs in `results`.
Status EvaluateOp(const Graph& g, const GOp& op, const OpResolver& resolver,
                  std::vector<std::vector<uint8_t>>* results, std::vector<std::vector<int32_t>>* shapes) {
  ModelBuilder b;
  std::vector<int32_t> ins, outs;
  for (int32_t t : op.inputs) {
    if (t < 0) {
      ins.push_back(-1);
      continue;
    }
    const GTensor& c = g.tensors[static_cast<size_t>(t)];
    ins.push_back(b.AddConstant(c.name, c.dtype, c.shape, c.data.data(), c.data.size(), c.quant));
  }
  for (int32_t t : op.outputs) {
    const GTensor& o = g.tensors[static_cast<size_t>(t)];
    outs.push_back(b.AddTensor(o.name, o.dtype, o.shape, o.quant));
  }
  flatbuffers::Offset<void> opts = op.options.type != schema::OpOptions_NONE ? op.options.Pack(b.fbb()) : 0;
  b.AddOp(op.type, ins, outs, op.options.type, opts, op.name);
  for (int32_t t : outs) b.MarkOutput(t);
  std::vector<uint8_t> file = b.Finish();
  std::shared_ptr<const Model> model;
  EDGERT_RETURN_IF_ERROR(Model::LoadBuffer(file.data(), file.size(), /*copy=*/false, &model));
  Interpreter interp(model, &resolver);
  EDGERT_RETURN_IF_ERROR(interp.Invoke());
  results->clear();
  shapes->clear();
  for (int i = 0; i < interp.num_outputs(); ++i) {
    const Tensor* t = interp.output(i);
    const auto* p = static_cast<const uint8_t*>(t->data);
    results->emplace_back(p, p + t->bytes);
    shapes->emplace_back(t->shape.dims, t->shape.dims + t->shape.rank);
  }
  return Status::Ok();
}

}  // namespace

Status FoldConstants(Graph* g, int* folded) {
  *folded = 0;
  OpResolver resolver;
  AddReferenceKernels(&resolver);
  for (size_t i = 0; i < g->ops.size(); ++i) {
    GOp& op = g->ops[i];
    // DEQUANTIZE of constants is how a model keeps compressed (float16, int8)
    // weights: folding it would undo the compression the model asked for.
    if (op.dead || op.type == schema::OpType_CUSTOM || op.type == schema::OpType_DEQUANTIZE || op.outputs.empty())
      continue;
    bool all_const = true, any_input = false;
    size_t in_bytes = 0;
    for (int32_t t : op.inputs) {
      if (t < 0) continue;
      any_input = true;
      const GTensor& c = g->tensors[static_cast<size_t>(t)];
      if (!c.is_constant) all_const = false;
      in_bytes += c.data.size();
    }
    if (!all_const || !any_input) continue;
    bool output_is_graph_output = false;
    for (int32_t t : op.outputs) output_is_graph_output = output_is_graph_output || g->IsGraphOutput(t);
    if (output_is_graph_output) continue;

    std::vector<std::vector<uint8_t>> results;
    std::vector<std::vector<int32_t>> shapes;
    // An op that fails here fails the same way at run time: leave it for the
    // interpreter to report with the model's own context.
    if (!EvaluateOp(*g, op, resolver, &results, &shapes).ok()) continue;
    size_t out_bytes = 0;
    for (const auto& r : results) out_bytes += r.size();
    if (out_bytes > in_bytes && out_bytes > kAlwaysFoldBytes) continue;
    for (size_t k = 0; k < op.outputs.size(); ++k) {
      GTensor& t = g->tensors[static_cast<size_t>(op.outputs[k])];
      t.is_constant = true;
      t.data = std::move(results[k]);
      t.shape = std::move(shapes[k]);
    }
    op.dead = true;
    ++*folded;
  }
  g->Refresh();
  return Status::Ok();
}

}  // namespace graph
}  // namespace edgert
