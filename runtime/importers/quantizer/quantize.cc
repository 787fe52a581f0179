#include "runtime/importers/quantizer/quantize.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "runtime/importers/optimizer/graph.h"
#include "runtime/op_resolver.h"

namespace edgert {
namespace {

using graph::GOp;
using graph::GTensor;
using graph::Graph;

enum class Kind {
  kNone,        // no int8 kernel: stays float
  kWeighted,    // input 1 int8 per-channel weights (axis), input 2 int32 bias
  kSameParams,  // output takes the input's parameters (the kernels require it)
  kFixedOut,    // output parameters fixed by the function's range
  kCalibrated,  // output parameters from calibration
};

struct OpRule {
  Kind kind = Kind::kNone;
  int weight_axis = 0;
  float fixed_lo = 0.f, fixed_hi = 0.f;
};

OpRule RuleFor(schema::OpType t) {
  switch (t) {
    case schema::OpType_CONV_2D:
    case schema::OpType_FULLY_CONNECTED:
    case schema::OpType_TRANSPOSE_CONV:
      return {Kind::kWeighted, 0};
    case schema::OpType_DEPTHWISE_CONV_2D:
      return {Kind::kWeighted, 3};
    case schema::OpType_AVERAGE_POOL_2D:
    case schema::OpType_MAX_POOL_2D:
    case schema::OpType_RESHAPE:
    case schema::OpType_PAD:
    case schema::OpType_RESIZE_BILINEAR:
    case schema::OpType_RESIZE_NEAREST_NEIGHBOR:
      return {Kind::kSameParams};
    case schema::OpType_LOGISTIC:
    case schema::OpType_SOFTMAX:
      return {Kind::kFixedOut, 0, 0.f, 255.f / 256.f};  // scale 1/256, zero point -128
    case schema::OpType_TANH:
      return {Kind::kFixedOut, 0, -1.f, 127.f / 128.f};  // scale 1/128, zero point 0
    case schema::OpType_ADD:
    case schema::OpType_SUB:
    case schema::OpType_MUL:
    case schema::OpType_MEAN:
    case schema::OpType_CONCATENATION:
    case schema::OpType_HARD_SWISH:
    case schema::OpType_RELU:
    case schema::OpType_RELU6:
    case schema::OpType_LEAKY_RELU:
      return {Kind::kCalibrated};
    default:
      return {};
  }
}

QuantSpec PerTensor(float lo, float hi) {
  float s;
  int32_t zp;
  ChooseInt8Params(lo, hi, &s, &zp);
  return QuantSpec::PerTensor(s, zp);
}

std::vector<float> Floats(const GTensor& t) {
  std::vector<float> v(t.data.size() / sizeof(float));
  if (!v.empty()) std::memcpy(v.data(), t.data.data(), v.size() * sizeof(float));
  return v;
}

int8_t QuantizeValue(float x, float scale, int32_t zp) {
  const long q = std::lround(x / scale) + zp;
  return static_cast<int8_t>(std::min(127L, std::max(-128L, q)));
}

class Quantizer {
 public:
  Quantizer(Graph* g, const std::vector<TensorRange>& ranges, const QuantizeOptions& opts, QuantizeReport* rep)
      : g_(*g), ranges_(ranges), opts_(opts), rep_(*rep) {}

  Status Run() {
    const size_t n0 = g_.tensors.size();
    int8_of_.assign(n0, -1);
    float_of_.assign(n0, -1);
    is_int8_.assign(n0, false);
    std::vector<GOp> old = std::move(g_.ops);
    g_.ops.clear();
    for (GOp& op : old) {
      if (op.dead) continue;
      std::string why;
      if (Quantizable(op, &why)) {
        EDGERT_RETURN_IF_ERROR(EmitQuantized(std::move(op)));
      } else {
        ++rep_.float_ops[std::string(OpTypeName(op.type)) + " (" + why + ")"];
        EmitFloat(std::move(op));
      }
    }
    g_.Refresh();
    return Status::Ok();
  }

 private:
  bool FloatActivation(int t) const {
    return t >= 0 && static_cast<size_t>(t) < ranges_.size() && !g_.tensors[static_cast<size_t>(t)].is_constant &&
           g_.tensors[static_cast<size_t>(t)].dtype == DType::kF32;
  }

  bool Quantizable(const GOp& op, std::string* why) const {
    const OpRule rule = RuleFor(op.type);
    if (rule.kind == Kind::kNone) return *why = "no int8 kernel", false;
    if (opts_.keep_float.count(op.name) || opts_.keep_float.count(OpTypeName(op.type))) return *why = "kept float", false;
    for (int32_t t : op.outputs)
      if (t >= 0 && opts_.keep_float.count(g_.tensors[static_cast<size_t>(t)].name)) return *why = "kept float", false;
    for (int32_t t : op.outputs)
      if (!FloatActivation(t) || !ranges_[static_cast<size_t>(t)].valid) return *why = "output not calibrated", false;
    for (size_t i = 0; i < op.inputs.size(); ++i) {
      const int t = op.inputs[i];
      if (t < 0) continue;
      const GTensor& x = g_.tensors[static_cast<size_t>(t)];
      if (x.is_constant) {
        if (rule.kind == Kind::kWeighted && i >= 1) {
          if (x.dtype != DType::kF32) return *why = "weights not float32", false;
          continue;
        }
        if (x.dtype == DType::kF32 && op.type == schema::OpType_PAD) return *why = "explicit pad value", false;
        continue;  // integer constants (axes, shapes, paddings) pass as they are; float ones get per-tensor params
      }
      const bool int8_here = static_cast<size_t>(t) < is_int8_.size() && is_int8_[static_cast<size_t>(t)];
      if (x.dtype != DType::kF32 && !int8_here) return *why = "non-float input", false;
      if (static_cast<size_t>(t) >= ranges_.size() || !ranges_[static_cast<size_t>(t)].valid)
        return *why = "input not calibrated", false;
    }
    if (rule.kind == Kind::kWeighted && (op.inputs.size() < 2 || op.inputs[1] < 0 ||
                                         !g_.tensors[static_cast<size_t>(op.inputs[1])].is_constant))
      return *why = "runtime weights", false;
    return true;
  }

  // The int8 version of float activation t.
  int Int8Version(int t) {
    if (is_int8_[static_cast<size_t>(t)]) return t;
    if (int8_of_[static_cast<size_t>(t)] >= 0) return int8_of_[static_cast<size_t>(t)];
    const TensorRange& r = ranges_[static_cast<size_t>(t)];
    const GTensor src = g_.tensors[static_cast<size_t>(t)];
    const int q = NewTensor(src.name + "/int8", DType::kI8, src.shape, PerTensor(r.min, r.max));
    GOp op;
    op.type = schema::OpType_QUANTIZE;
    op.inputs = {t};
    op.outputs = {q};
    g_.ops.push_back(std::move(op));
    ++rep_.inserted_quantize;
    int8_of_[static_cast<size_t>(t)] = q;
    return q;
  }

  // The float version of tensor t (t itself unless an int8 op wrote it).
  int FloatVersion(int t) {
    if (t < 0 || static_cast<size_t>(t) >= is_int8_.size() || !is_int8_[static_cast<size_t>(t)]) return t;
    if (float_of_[static_cast<size_t>(t)] >= 0) return float_of_[static_cast<size_t>(t)];
    const GTensor src = g_.tensors[static_cast<size_t>(t)];
    const int f = NewTensor(src.name + "/float", DType::kF32, src.shape, {});
    GOp op;
    op.type = schema::OpType_DEQUANTIZE;
    op.inputs = {t};
    op.outputs = {f};
    g_.ops.push_back(std::move(op));
    ++rep_.inserted_dequantize;
    float_of_[static_cast<size_t>(t)] = f;
    return f;
  }

  int NewTensor(const std::string& name, DType dt, const std::vector<int32_t>& shape, const QuantSpec& q) {
    GTensor t;
    t.name = name;
    t.dtype = dt;
    t.shape = shape;
    t.quant = q;
    g_.tensors.push_back(std::move(t));
    return static_cast<int>(g_.tensors.size()) - 1;
  }

  void EmitFloat(GOp op) {
    for (int32_t& t : op.inputs) t = FloatVersion(t);
    g_.ops.push_back(std::move(op));
  }

  Status EmitQuantized(GOp op) {
    const OpRule rule = RuleFor(op.type);
    QuantSpec in0;
    for (size_t i = 0; i < op.inputs.size(); ++i) {
      const int t = op.inputs[i];
      if (t < 0) continue;
      const GTensor& x = g_.tensors[static_cast<size_t>(t)];
      if (!x.is_constant) {
        op.inputs[i] = Int8Version(t);
        if (i == 0) in0 = g_.tensors[static_cast<size_t>(op.inputs[i])].quant;
      }
    }
    if (rule.kind == Kind::kWeighted) {
      EDGERT_RETURN_IF_ERROR(QuantizeWeights(&op, rule.weight_axis, in0));
    } else {
      for (size_t i = 0; i < op.inputs.size(); ++i) {
        const int t = op.inputs[i];
        if (t < 0 || !g_.tensors[static_cast<size_t>(t)].is_constant ||
            g_.tensors[static_cast<size_t>(t)].dtype != DType::kF32)
          continue;
        const std::vector<float> v = Floats(g_.tensors[static_cast<size_t>(t)]);
        float lo = 0.f, hi = 0.f;
        for (float x : v) lo = std::min(lo, x), hi = std::max(hi, x);
        const QuantSpec q = PerTensor(lo, hi);
        std::vector<uint8_t> bytes(v.size());
        for (size_t k = 0; k < v.size(); ++k)
          bytes[k] = static_cast<uint8_t>(QuantizeValue(v[k], q.scale[0], static_cast<int32_t>(q.zero_point[0])));
        op.inputs[i] = g_.AddConstant(g_.tensors[static_cast<size_t>(t)].name + "/int8", DType::kI8,
                                      g_.tensors[static_cast<size_t>(t)].shape, std::move(bytes), q);
      }
    }
    // Outputs: int8 with parameters by rule. A graph output keeps its float
    // tensor, written by a DEQUANTIZE of a new int8 tensor.
    std::vector<int> to_dequantize;
    for (int32_t& t : op.outputs) {
      const TensorRange& r = ranges_[static_cast<size_t>(t)];
      QuantSpec q;
      if (rule.kind == Kind::kSameParams) q = in0;
      else if (rule.kind == Kind::kFixedOut) q = PerTensor(rule.fixed_lo, rule.fixed_hi);
      else q = PerTensor(r.min, r.max);
      if (g_.IsGraphOutput(t)) {
        const int orig = t;
        t = NewTensor(g_.tensors[static_cast<size_t>(orig)].name + "/int8", DType::kI8,
                      g_.tensors[static_cast<size_t>(orig)].shape, q);
        is_int8_.resize(g_.tensors.size(), false);
        int8_of_.resize(g_.tensors.size(), -1);
        float_of_.resize(g_.tensors.size(), -1);
        is_int8_[static_cast<size_t>(t)] = true;
        float_of_[static_cast<size_t>(t)] = orig;
        to_dequantize.push_back(t);
      } else {
        GTensor& x = g_.tensors[static_cast<size_t>(t)];
        x.dtype = DType::kI8;
        x.quant = q;
        is_int8_[static_cast<size_t>(t)] = true;
      }
    }
    ++rep_.quantized_ops;
    g_.ops.push_back(std::move(op));
    for (int q : to_dequantize) {
      GOp dq;
      dq.type = schema::OpType_DEQUANTIZE;
      dq.inputs = {q};
      dq.outputs = {float_of_[static_cast<size_t>(q)]};
      g_.ops.push_back(std::move(dq));
      ++rep_.inserted_dequantize;
    }
    return Status::Ok();
  }

  Status QuantizeWeights(GOp* op, int axis, const QuantSpec& in) {
    const int wt = op->inputs[1];
    const GTensor w = g_.tensors[static_cast<size_t>(wt)];
    if (w.shape.empty() || axis >= static_cast<int>(w.shape.size()))
      return Status::Error(StatusCode::kInvalidModel, "weights '%s' have rank %zu", w.name.c_str(), w.shape.size());
    const std::vector<float> v = Floats(w);
    const int64_t channels = w.shape[static_cast<size_t>(axis)];
    int64_t inner = 1;
    for (size_t d = static_cast<size_t>(axis) + 1; d < w.shape.size(); ++d) inner *= w.shape[d];
    std::vector<float> absmax(static_cast<size_t>(channels), 0.f);
    for (size_t k = 0; k < v.size(); ++k) {
      const size_t c = static_cast<size_t>((static_cast<int64_t>(k) / inner) % channels);
      absmax[c] = std::max(absmax[c], std::fabs(v[k]));
    }
    // A channel whose weights are all zero (pruned) takes the largest scale of
    // the others (1/127 when there are none): its output is its bias, and a
    // scale like its neighbours' keeps that bias as finely quantized and the
    // requantization multiplier below 1 like theirs (a scale of 1 made it
    // shift left, which costs the int8 kernels their short output stage).
    const float widest = *std::max_element(absmax.begin(), absmax.end());
    const float empty_scale = widest > 0.f ? widest / 127.f : 1.f / 127.f;
    QuantSpec q;
    q.axis = axis;
    for (float m : absmax) {
      q.scale.push_back(m > 0.f ? m / 127.f : empty_scale);
      q.zero_point.push_back(0);
    }
    std::vector<uint8_t> bytes(v.size());
    for (size_t k = 0; k < v.size(); ++k) {
      const size_t c = static_cast<size_t>((static_cast<int64_t>(k) / inner) % channels);
      bytes[k] = static_cast<uint8_t>(QuantizeValue(v[k], q.scale[c], 0));
    }
    op->inputs[1] = g_.AddConstant(w.name + "/int8", DType::kI8, w.shape, std::move(bytes), q);

    if (op->inputs.size() > 2 && op->inputs[2] >= 0) {
      const GTensor b = g_.tensors[static_cast<size_t>(op->inputs[2])];
      const std::vector<float> bv = Floats(b);
      if (static_cast<int64_t>(bv.size()) != channels)
        return Status::Error(StatusCode::kInvalidModel, "bias '%s' has %zu values for %lld channels", b.name.c_str(),
                             bv.size(), static_cast<long long>(channels));
      QuantSpec bq;
      std::vector<int32_t> bi(bv.size());
      for (size_t c = 0; c < bv.size(); ++c) {
        const double s = static_cast<double>(in.scale.at(0)) * q.scale[c];
        bq.scale.push_back(static_cast<float>(s));
        bq.zero_point.push_back(0);
        const double r = std::nearbyint(bv[c] / s);
        bi[c] = static_cast<int32_t>(std::min(2147483647.0, std::max(-2147483648.0, r)));
      }
      std::vector<uint8_t> bytes32(bi.size() * sizeof(int32_t));
      std::memcpy(bytes32.data(), bi.data(), bytes32.size());
      op->inputs[2] = g_.AddConstant(b.name + "/int32", DType::kI32, b.shape, std::move(bytes32), bq);
    }
    return Status::Ok();
  }

  Graph& g_;
  const std::vector<TensorRange>& ranges_;
  const QuantizeOptions& opts_;
  QuantizeReport& rep_;
  std::vector<int> int8_of_, float_of_;
  std::vector<bool> is_int8_;
};

uint64_t ConstantBytes(const Graph& g) {
  std::vector<bool> used(g.tensors.size(), false);
  for (const GOp& op : g.ops)
    if (!op.dead)
      for (int32_t t : op.inputs)
        if (t >= 0) used[static_cast<size_t>(t)] = true;
  uint64_t n = 0;
  for (size_t i = 0; i < g.tensors.size(); ++i)
    if (used[i] && g.tensors[i].is_constant) n += g.tensors[i].data.size();
  return n;
}

}  // namespace

void ChooseInt8Params(float lo, float hi, float* scale, int32_t* zero_point) {
  const double rmin = std::min(0.0, static_cast<double>(lo));
  double rmax = std::max(0.0, static_cast<double>(hi));
  if (rmax - rmin < 1e-12) rmax = rmin + 1e-12;
  const double s = (rmax - rmin) / 255.0;
  const double zp = std::nearbyint(-128.0 - rmin / s);
  *scale = static_cast<float>(s);
  *zero_point = static_cast<int32_t>(std::min(127.0, std::max(-128.0, zp)));
}

Status QuantizeInt8(const std::vector<uint8_t>& in, const std::vector<TensorRange>& ranges,
                    const QuantizeOptions& options, std::vector<uint8_t>* out, QuantizeReport* report) {
  QuantizeReport local;
  QuantizeReport& rep = report != nullptr ? *report : local;
  rep = QuantizeReport();
  Graph g;
  EDGERT_RETURN_IF_ERROR(Graph::FromBuffer(in.data(), in.size(), &g));
  if (ranges.size() != g.tensors.size())
    return Status::Error(StatusCode::kInvalidArgument, "%zu calibrated ranges for a model of %zu tensors",
                         ranges.size(), g.tensors.size());
  rep.constant_bytes_before = ConstantBytes(g);
  // The activations a CONCATENATION joins take its output's range (the union
  // of theirs under min/max calibration), as TFLite's converter does: the
  // int8 concatenation is then a plain copy instead of a requantization of
  // every value, at the cost of a coarser step for the narrower inputs.
  std::vector<TensorRange> adjusted = ranges;
  for (const graph::GOp& op : g.ops) {
    if (op.dead || op.type != schema::OpType_CONCATENATION || op.outputs.empty() || op.outputs[0] < 0) continue;
    const TensorRange& r = ranges[static_cast<size_t>(op.outputs[0])];
    if (!r.valid) continue;
    for (int32_t t : op.inputs) {
      if (t < 0 || g.tensors[static_cast<size_t>(t)].is_constant || !adjusted[static_cast<size_t>(t)].valid) continue;
      TensorRange& a = adjusted[static_cast<size_t>(t)];
      a.min = std::min(a.min, r.min);
      a.max = std::max(a.max, r.max);
    }
  }
  Quantizer q(&g, adjusted, options, &rep);
  EDGERT_RETURN_IF_ERROR(q.Run());
  rep.constant_bytes_after = ConstantBytes(g);
  return g.Serialize(out);
}

}  // namespace edgert
