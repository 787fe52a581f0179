#include "runtime/importers/quantizer/bias_correction.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <string>

#include "kernels/common/quant.h"
#include "runtime/importers/optimizer/graph.h"
#include "runtime/importers/quantizer/probe.h"

namespace edgert {
namespace {

// The fused activation of a weighted op (NONE when it has none).
schema::Activation FusedActivation(const graph::GOp& op) {
  const schema::OpOptionsUnion& o = op.options;
  if (op.type == schema::OpType_CONV_2D && o.AsConv2DOptions()) return o.AsConv2DOptions()->activation;
  if (op.type == schema::OpType_DEPTHWISE_CONV_2D && o.AsDepthwiseConv2DOptions())
    return o.AsDepthwiseConv2DOptions()->activation;
  if (op.type == schema::OpType_FULLY_CONNECTED && o.AsFullyConnectedOptions())
    return o.AsFullyConnectedOptions()->activation;
  return schema::Activation_NONE;
}

// A layer to correct: op index in the quantized graph, its int32 bias tensor
// and its int8 output.
struct Layer {
  size_t op;
  int bias, output;
};

bool Correctable(const graph::Graph& g, const graph::GOp& op, Layer* layer) {
  if (op.dead || (op.type != schema::OpType_CONV_2D && op.type != schema::OpType_DEPTHWISE_CONV_2D &&
                  op.type != schema::OpType_FULLY_CONNECTED))
    return false;
  if (op.inputs.size() < 3 || op.inputs[2] < 0 || op.outputs.empty() || op.outputs[0] < 0) return false;
  const graph::GTensor& b = g.tensors[static_cast<size_t>(op.inputs[2])];
  const graph::GTensor& y = g.tensors[static_cast<size_t>(op.outputs[0])];
  if (!b.is_constant || b.dtype != DType::kI32 || b.quant.scale.empty() || y.dtype != DType::kI8 ||
      y.quant.scale.size() != 1 || y.shape.empty())
    return false;
  const size_t channels = static_cast<size_t>(y.shape.back());
  if (b.data.size() != channels * sizeof(int32_t) ||
      (b.quant.scale.size() != 1 && b.quant.scale.size() != channels))
    return false;
  layer->bias = op.inputs[2];
  layer->output = op.outputs[0];
  return true;
}

}  // namespace

Status CorrectBiases(const std::vector<uint8_t>& float_ert, const std::vector<CalibrationSample>& samples,
                     std::vector<uint8_t>* quantized_ert, BiasCorrectionReport* report) {
  *report = BiasCorrectionReport();
  if (samples.empty()) return Status(StatusCode::kInvalidArgument, "bias correction needs calibration samples");
  graph::Graph g;
  EDGERT_RETURN_IF_ERROR(graph::Graph::FromBuffer(quantized_ert->data(), quantized_ert->size(), &g));
  std::vector<Layer> layers;
  for (size_t i = 0; i < g.ops.size(); ++i) {
    Layer l{i, -1, -1};
    if (Correctable(g, g.ops[i], &l)) layers.push_back(l);
  }
  if (layers.empty()) return Status::Ok();

  const size_t used = std::min(samples.size(), kMaxBiasCorrectionSamples);
  Probe f;
  EDGERT_RETURN_IF_ERROR(f.Init(float_ert));
  std::unique_ptr<Probe> q(new Probe);
  EDGERT_RETURN_IF_ERROR(q->Init(*quantized_ert));
  bool changed = false;  // g differs from what q runs
  double shift_sum = 0.0;
  std::vector<double> a, b, sum, sum_sq;
  std::vector<int64_t> count;
  for (const Layer& l : layers) {
    const graph::GTensor& out = g.tensors[static_cast<size_t>(l.output)];
    // The float model has the tensor under the same name, except where the
    // layer writes a model output (the quantizer names that int8 tensor
    // "<output>/int8"): those layers keep their bias (see the header).
    const std::string& float_name = out.name;
    if (f.Find(float_name) == nullptr) continue;
    if (changed) {  // g stays the master copy (its indices are the layers'); q runs its latest form
      EDGERT_RETURN_IF_ERROR(g.Serialize(quantized_ert));
      q.reset(new Probe);
      EDGERT_RETURN_IF_ERROR(q->Init(*quantized_ert));
      changed = false;
    }
    // Unclamped range of the fused activation, in float.
    float lo = -std::numeric_limits<float>::infinity(), hi = std::numeric_limits<float>::infinity();
    ActivationRangeFloat(FusedActivation(g.ops[l.op]), &lo, &hi);
    const double scale = out.quant.scale[0];
    const double q_lo = scale * (-128 - out.quant.zero_point[0]), q_hi = scale * (127 - out.quant.zero_point[0]);
    const size_t channels = static_cast<size_t>(out.shape.back());
    sum.assign(channels, 0.0);
    sum_sq.assign(channels, 0.0);
    count.assign(channels, 0);
    for (size_t si = 0; si < used; ++si) {
      const CalibrationSample& s = samples[si * samples.size() / used];
      EDGERT_RETURN_IF_ERROR(f.Run(s));
      EDGERT_RETURN_IF_ERROR(q->Run(s));
      const Tensor* tf = f.Find(float_name);
      const Tensor* tq = q->Find(out.name);
      if (tf == nullptr || tq == nullptr || tf->NumElements() != tq->NumElements() || !TensorValues(*tf, &a) ||
          !TensorValues(*tq, &b))
        break;
      for (size_t i = 0; i < a.size(); ++i) {
        if (!(a[i] > lo && a[i] < hi) || b[i] <= q_lo || b[i] >= q_hi) continue;
        const double e = b[i] - a[i];
        sum[i % channels] += e;
        sum_sq[i % channels] += e * e;
        ++count[i % channels];
      }
    }
    graph::GTensor& bias = g.tensors[static_cast<size_t>(l.bias)];
    int64_t corrected = 0;
    for (size_t c = 0; c < channels; ++c) {
      if (count[c] < kMinBiasCorrectionElements) continue;
      const double n = static_cast<double>(count[c]);
      const double mean = sum[c] / n;
      // Only a shift well outside the noise of its estimate: |mean| at least
      // kBiasCorrectionSignificance standard errors.
      const double variance = std::max(sum_sq[c] / n - mean * mean, 0.0);
      if (std::fabs(mean) < kBiasCorrectionSignificance * std::sqrt(variance / n)) continue;
      const double bias_scale = bias.quant.scale.size() == 1 ? bias.quant.scale[0] : bias.quant.scale[c];
      if (!(bias_scale > 0)) continue;
      const double steps = std::nearbyint(mean / bias_scale);
      if (steps == 0) continue;
      int32_t v;
      std::memcpy(&v, bias.data.data() + c * sizeof(int32_t), sizeof(v));
      const double nv = static_cast<double>(v) - steps;
      if (nv < std::numeric_limits<int32_t>::min() || nv > std::numeric_limits<int32_t>::max()) continue;
      v = static_cast<int32_t>(nv);
      std::memcpy(bias.data.data() + c * sizeof(int32_t), &v, sizeof(v));
      shift_sum += std::fabs(steps * bias_scale);
      ++corrected;
    }
    if (corrected > 0) {
      ++report->corrected_layers;
      report->corrected_channels += corrected;
      changed = true;
    }
  }
  if (changed) EDGERT_RETURN_IF_ERROR(g.Serialize(quantized_ert));
  if (report->corrected_channels > 0) report->mean_abs_shift = shift_sum / static_cast<double>(report->corrected_channels);
  return Status::Ok();
}

}  // namespace edgert
