// Graph optimizer passes over graph::Graph. Each returns how many rewrites it
// made; a pass never changes what the graph computes beyond float rounding of
// folded constants (which are computed by the reference kernels, exactly as
// the unoptimized graph would compute them at run time).
#pragma once

#include "runtime/importers/optimizer/graph.h"
#include "runtime/status.h"

namespace edgert {
namespace graph {

// RELU / RELU6 reading the only output of a CONV_2D, DEPTHWISE_CONV_2D,
// TRANSPOSE_CONV, FULLY_CONNECTED, ADD, SUB, MUL, DIV or CONCATENATION with no
// fused activation (float32, the intermediate read by nothing else and not a
// graph output) becomes that op's fused activation.
int FuseActivations(Graph* g);

// A float32 zero PAD of H and W only, read by nothing but a CONV_2D or
// DEPTHWISE_CONV_2D with VALID or EXPLICIT padding, becomes that conv's
// explicit padding (kernels skip the padded taps instead of reading zeros).
int FusePadIntoConv(Graph* g);

// TRANSPOSE followed by TRANSPOSE: the pair becomes one TRANSPOSE, or nothing
// when the permutations cancel.
int CancelTransposes(Graph* g);

// RESHAPE of a RESHAPE reads the first one's input; a RESHAPE (or a TRANSPOSE
// with the identity permutation) whose output shape equals its input shape is
// removed. Needs inferred shapes for the identity case.
int SimplifyReshapes(Graph* g);

// Ops whose inputs are all constants are evaluated once with the reference
// kernels and replaced by constants, unless that would grow the model (the
// outputs are larger than the inputs and more than 4 KiB). DEQUANTIZE is never
// folded: a model keeps float16/int8 weights behind it on purpose.
Status FoldConstants(Graph* g, int* folded);

// Ops none of whose outputs is read or is a graph output.
int RemoveDeadOps(Graph* g);

}  // namespace graph
}  // namespace edgert
