#include "runtime/importers/quantizer/fidelity.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <memory>

#include "runtime/importers/quantizer/probe.h"
#include "runtime/interpreter.h"
#include "runtime/json_text.h"

namespace edgert {
namespace {

struct Acc {
  double sig = 0, err = 0, dot = 0, na = 0, nb = 0, max_abs = 0;
  int64_t rows = 0, same_top1 = 0, inter = 0, uni = 0;
  bool classifier = true, mask = true;
  int64_t elements = 0;
  bool quantized = false;
};

std::string Num(double v, int prec = 4) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char b[64];
  std::snprintf(b, sizeof(b), "%.*g", prec, v);
  return b;
}

std::string JsonNum(double v) {
  if (!std::isfinite(v)) return "null";
  char b[64];
  std::snprintf(b, sizeof(b), "%.6g", v);
  return b;
}

}  // namespace

Status CompareModels(const std::vector<uint8_t>& float_ert, const std::vector<uint8_t>& quantized_ert,
                     const std::vector<CalibrationSample>& samples, FidelityReport* report) {
  if (samples.empty()) return Status(StatusCode::kInvalidArgument, "the fidelity report needs at least one sample");
  Probe f, q;
  EDGERT_RETURN_IF_ERROR(f.Init(float_ert));
  EDGERT_RETURN_IF_ERROR(q.Init(quantized_ert));
  // Layers: float activations of the float model that the quantized one also has.
  std::vector<std::string> names;
  for (const NodeInfo& n : f.model->nodes())
    for (int32_t t : n.outputs)
      if (t >= 0 && q.by_name.count(f.model->tensors()[static_cast<size_t>(t)].name))
        names.push_back(f.model->tensors()[static_cast<size_t>(t)].name);
  std::vector<std::string> outputs;  // the float model's own outputs (the probe has more)
  {
    std::shared_ptr<const Model> original;
    EDGERT_RETURN_IF_ERROR(Model::LoadBuffer(float_ert.data(), float_ert.size(), /*copy=*/false, &original));
    for (int32_t t : original->outputs()) outputs.push_back(original->tensors()[static_cast<size_t>(t)].name);
  }
  std::map<std::string, Acc> acc;
  std::vector<double> a, b;
  for (const CalibrationSample& s : samples) {
    EDGERT_RETURN_IF_ERROR(f.Run(s));
    EDGERT_RETURN_IF_ERROR(q.Run(s));
    for (const std::string& name : names) {
      const Tensor& ta = *f.interp->tensor(f.by_name[name]);
      const Tensor& tb = *q.interp->tensor(q.by_name[name]);
      if (ta.NumElements() != tb.NumElements() || !TensorValues(ta, &a) || !TensorValues(tb, &b)) continue;
      Acc& c = acc[name];
      c.elements = ta.NumElements();
      c.quantized = tb.dtype != DType::kF32;
      for (size_t i = 0; i < a.size(); ++i) {
        const double e = a[i] - b[i];
        c.sig += a[i] * a[i];
        c.err += e * e;
        c.dot += a[i] * b[i];
        c.na += a[i] * a[i];
        c.nb += b[i] * b[i];
        c.max_abs = std::max(c.max_abs, std::fabs(e));
        if (a[i] < 0 || a[i] > 1) c.mask = false;
        if ((a[i] > 0.5) && (b[i] > 0.5)) ++c.inter;
        if ((a[i] > 0.5) || (b[i] > 0.5)) ++c.uni;
      }
      const int last = ta.shape.rank > 0 ? ta.shape.dims[ta.shape.rank - 1] : 1;
      if (ta.shape.rank > 2 || last < 2) c.classifier = false;
      if (ta.shape.rank < 3) c.mask = false;
      if (c.classifier) {
        for (size_t r = 0; r + static_cast<size_t>(last) <= a.size(); r += static_cast<size_t>(last)) {
          const auto ia = std::max_element(a.begin() + static_cast<std::ptrdiff_t>(r),
                                           a.begin() + static_cast<std::ptrdiff_t>(r) + last);
          const auto ib = std::max_element(b.begin() + static_cast<std::ptrdiff_t>(r),
                                           b.begin() + static_cast<std::ptrdiff_t>(r) + last);
          c.same_top1 += (ia - a.begin()) == (ib - b.begin()) ? 1 : 0;
          ++c.rows;
        }
      }
    }
  }
  auto finish = [&](const std::string& name, bool is_output) {
    const Acc& c = acc[name];
    TensorFidelity t;
    t.name = name;
    auto p = q.producer.find(name);
    if (p != q.producer.end()) t.producer = p->second;
    t.quantized = c.quantized;
    t.elements = c.elements;
    t.cosine = c.na > 0 && c.nb > 0 ? c.dot / std::sqrt(c.na * c.nb) : (c.na == c.nb ? 1.0 : 0.0);
    t.snr_db = c.err > 0 ? 10.0 * std::log10(c.sig / c.err) : std::numeric_limits<double>::infinity();
    t.max_abs = c.max_abs;
    if (is_output && c.classifier && c.rows > 0) t.top1 = static_cast<double>(c.same_top1) / c.rows;
    if (is_output && c.mask && c.uni > 0) t.iou = static_cast<double>(c.inter) / static_cast<double>(c.uni);
    return t;
  };
  FidelityReport r;
  r.samples = static_cast<int>(samples.size());
  r.float_bytes = float_ert.size();
  r.quantized_bytes = quantized_ert.size();
  for (const std::string& o : outputs)
    if (acc.count(o)) r.outputs.push_back(finish(o, true));
  for (const std::string& n : names)
    if (acc.count(n)) r.layers.push_back(finish(n, false));
  *report = std::move(r);
  return Status::Ok();
}

std::string FidelityReport::ToTable() const {
  std::string s;
  char line[512];
  std::snprintf(line, sizeof(line), "fidelity on %d samples; model %llu -> %llu bytes (%.2fx)\n", samples,
                static_cast<unsigned long long>(float_bytes), static_cast<unsigned long long>(quantized_bytes),
                float_bytes ? static_cast<double>(quantized_bytes) / static_cast<double>(float_bytes) : 0.0);
  s += line;
  s += "outputs:\n";
  std::snprintf(line, sizeof(line), "  %-32s %10s %9s %11s %8s %8s\n", "tensor", "cosine", "SNR dB", "max |err|",
                "top-1", "IoU");
  s += line;
  for (const TensorFidelity& t : outputs) {
    std::snprintf(line, sizeof(line), "  %-32s %10.6f %9s %11s %8s %8s\n", t.name.c_str(), t.cosine,
                  Num(t.snr_db).c_str(), Num(t.max_abs).c_str(), t.top1 < 0 ? "-" : Num(t.top1).c_str(),
                  t.iou < 0 ? "-" : Num(t.iou).c_str());
    s += line;
  }
  s += "layers (execution order; int8 = computed in int8):\n";
  std::snprintf(line, sizeof(line), "  %-40s %-5s %9s %10s  %s\n", "tensor", "", "SNR dB", "cosine", "op");
  s += line;
  for (const TensorFidelity& t : layers) {
    std::snprintf(line, sizeof(line), "  %-40s %-5s %9s %10.6f  %s\n", t.name.c_str(), t.quantized ? "int8" : "f32",
                  Num(t.snr_db).c_str(), t.cosine, t.producer.c_str());
    s += line;
  }
  return s;
}

std::string FidelityReport::ToJson() const {
  auto one = [](const TensorFidelity& t) {
    return "{\"name\": " + JsonQuoted(t.name) + ", \"op\": " + JsonQuoted(t.producer) +
           ", \"int8\": " + (t.quantized ? "true" : "false") + ", \"elements\": " + std::to_string(t.elements) +
           ", \"cosine\": " + JsonNum(t.cosine) + ", \"snr_db\": " + JsonNum(t.snr_db) +
           ", \"max_abs_error\": " + JsonNum(t.max_abs) + ", \"top1_agreement\": " + (t.top1 < 0 ? "null" : JsonNum(t.top1)) +
           ", \"mask_iou\": " + (t.iou < 0 ? "null" : JsonNum(t.iou)) + "}";
  };
  std::string s = "{\"samples\": " + std::to_string(samples) + ", \"float_bytes\": " + std::to_string(float_bytes) +
                  ", \"quantized_bytes\": " + std::to_string(quantized_bytes) + ",\n \"outputs\": [";
  for (size_t i = 0; i < outputs.size(); ++i) s += (i ? ",\n  " : "\n  ") + one(outputs[i]);
  s += "],\n \"layers\": [";
  for (size_t i = 0; i < layers.size(); ++i) s += (i ? ",\n  " : "\n  ") + one(layers[i]);
  return s + "]}\n";
}

double WorstOutputCosine(const FidelityReport& report) {
  double w = 1.0;
  for (const TensorFidelity& t : report.outputs) w = std::min(w, t.cosine);
  return w;
}

}  // namespace edgert
