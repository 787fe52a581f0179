#include "runtime/importers/quantizer/calibration.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>

#include "runtime/importers/optimizer/graph.h"
#include "runtime/interpreter.h"
#include "runtime/op_resolver.h"

namespace edgert {

bool ParseCalibrationMethod(const std::string& s, CalibrationMethod* m) {
  if (s == "minmax") *m = CalibrationMethod::kMinMax;
  else if (s == "percentile") *m = CalibrationMethod::kPercentile;
  else if (s == "kl" || s == "entropy") *m = CalibrationMethod::kEntropy;
  else if (s == "mse") *m = CalibrationMethod::kMse;
  else return false;
  return true;
}

const char* CalibrationMethodName(CalibrationMethod m) {
  switch (m) {
    case CalibrationMethod::kMinMax: return "minmax";
    case CalibrationMethod::kPercentile: return "percentile";
    case CalibrationMethod::kEntropy: return "kl";
    case CalibrationMethod::kMse: return "mse";
  }
  return "?";
}

namespace {

// KL(P || Q) for the first `n` bins of `p` folded into `levels` quantization
// levels (TensorRT's entropy calibration; bins beyond n are merged into bin n-1).
double KlForThreshold(const std::vector<double>& hist, size_t n, int levels) {
  std::vector<double> p(hist.begin(), hist.begin() + static_cast<std::ptrdiff_t>(n));
  for (size_t i = n; i < hist.size(); ++i) p[n - 1] += hist[i];
  std::vector<double> q(n, 0.0);
  const double per = static_cast<double>(n) / levels;
  for (int l = 0; l < levels; ++l) {
    const size_t b = static_cast<size_t>(std::floor(l * per));
    const size_t e = std::min(n, static_cast<size_t>(std::floor((l + 1) * per)));
    double sum = 0;
    size_t nonzero = 0;
    for (size_t i = b; i < e; ++i) {
      sum += hist[i];  // the unclipped values: Q models the quantized original
      nonzero += hist[i] > 0 ? 1 : 0;
    }
    for (size_t i = b; i < e; ++i) q[i] = hist[i] > 0 && nonzero > 0 ? sum / static_cast<double>(nonzero) : 0.0;
  }
  double ps = 0, qs = 0;
  for (size_t i = 0; i < n; ++i) {
    ps += p[i];
    qs += q[i];
  }
  if (ps <= 0 || qs <= 0) return std::numeric_limits<double>::infinity();
  double kl = 0;
  for (size_t i = 0; i < n; ++i) {
    if (p[i] <= 0) continue;
    const double pi = p[i] / ps;
    const double qi = q[i] / qs;
    kl += qi > 0 ? pi * std::log(pi / qi) : pi * 20.0;  // a smoothed penalty for empty Q bins
  }
  return kl;
}

// The range [lo + width * b, lo + width * e) (bin edges) that minimizes the
// expected squared error of asymmetric 8-bit quantization of the histogram's
// values (taken at bin centers): values outside are clipped to the nearest
// edge, values inside are rounded with error variance step^2 / 12, where the
// step spans the range widened to hold 0 (as the chosen parameters will).
// Prefix sums of count, count * x and count * x^2 make each candidate O(1);
// at most ~512 candidate edges per side are tried.
void MseRange(const std::vector<double>& counts, double lo, double width, size_t* best_b, size_t* best_e) {
  const size_t bins = counts.size();
  std::vector<double> c(bins + 1, 0.0), cx(bins + 1, 0.0), cxx(bins + 1, 0.0);
  for (size_t i = 0; i < bins; ++i) {
    const double x = lo + width * (static_cast<double>(i) + 0.5);
    c[i + 1] = c[i] + counts[i];
    cx[i + 1] = cx[i] + counts[i] * x;
    cxx[i + 1] = cxx[i] + counts[i] * x * x;
  }
  // Sum over bins [i, j) of count * (x - a)^2.
  auto sq = [&](size_t i, size_t j, double a) {
    return (cxx[j] - cxx[i]) - 2.0 * a * (cx[j] - cx[i]) + a * a * (c[j] - c[i]);
  };
  const size_t stride = std::max<size_t>(1, bins / 512);
  double best = std::numeric_limits<double>::infinity();
  *best_b = 0;
  *best_e = bins;
  for (size_t b = 0; b < bins; b += stride) {
    const double a = lo + width * static_cast<double>(b);
    const double left = sq(0, b, a);
    // Upper edges from the top down to b + 1.
    for (size_t k = 0; k * stride < bins - b; ++k) {
      const size_t e = bins - k * stride;
      const double z = lo + width * static_cast<double>(e);
      const double step = (std::max(z, 0.0) - std::min(a, 0.0)) / 255.0;
      const double err = left + sq(e, bins, z) + (c[e] - c[b]) * step * step / 12.0;
      if (err < best) {
        best = err;
        *best_b = b;
        *best_e = e;
      }
    }
  }
}

}  // namespace

void RangeFromHistogram(const std::vector<double>& counts, float lo, float hi, CalibrationMethod method,
                        double percentile, bool two_sided, float* out_lo, float* out_hi) {
  *out_lo = lo;
  *out_hi = hi;
  const size_t bins = counts.size();
  if (bins == 0 || !(hi > lo)) return;
  const double width = (static_cast<double>(hi) - lo) / static_cast<double>(bins);
  double total = 0;
  for (double c : counts) total += c;
  if (total <= 0) return;
  if (method == CalibrationMethod::kPercentile) {
    const double cut = total * (100.0 - percentile) / 200.0;
    double acc = 0;
    size_t b = 0;
    while (b < bins && acc + counts[b] <= cut) acc += counts[b++];
    acc = 0;
    size_t e = bins;
    while (e > b + 1 && acc + counts[e - 1] <= cut) acc += counts[--e];
    *out_lo = static_cast<float>(lo + width * static_cast<double>(b));
    *out_hi = static_cast<float>(lo + width * static_cast<double>(e));
  } else if (method == CalibrationMethod::kMse) {
    size_t b = 0, e = bins;
    MseRange(counts, lo, width, &b, &e);
    *out_lo = static_cast<float>(lo + width * static_cast<double>(b));
    *out_hi = static_cast<float>(lo + width * static_cast<double>(e));
  } else if (method == CalibrationMethod::kEntropy) {
    // The histogram is of |x| over [0, hi] (lo == 0); values of both signs use
    // 128 levels per side, one-sided data 255.
    const int levels = two_sided ? 128 : 255;
    const size_t start = std::min(bins, static_cast<size_t>(levels));
    double best = std::numeric_limits<double>::infinity();
    size_t best_n = bins;
    for (size_t n = start; n <= bins; ++n) {
      const double kl = KlForThreshold(counts, n, levels);
      if (kl < best) {
        best = kl;
        best_n = n;
      }
    }
    *out_hi = static_cast<float>(lo + width * static_cast<double>(best_n));
  }
}

Status Calibrate(const std::vector<uint8_t>& ert, const std::vector<CalibrationSample>& samples,
                 const CalibrationOptions& options, std::vector<TensorRange>* ranges) {
  if (samples.empty()) return Status(StatusCode::kInvalidArgument, "calibration needs at least one sample");
  // Every float32 activation becomes a model output, so the planner keeps it
  // alive to the end of the invoke and it can be read afterwards.
  graph::Graph g;
  EDGERT_RETURN_IF_ERROR(graph::Graph::FromBuffer(ert.data(), ert.size(), &g));
  const size_t n = g.tensors.size();
  std::vector<bool> tracked(n, false);
  for (const graph::GOp& op : g.ops)
    for (int32_t t : op.outputs)
      if (t >= 0 && g.tensors[static_cast<size_t>(t)].dtype == DType::kF32) tracked[static_cast<size_t>(t)] = true;
  for (int32_t t : g.inputs)
    if (g.tensors[static_cast<size_t>(t)].dtype == DType::kF32) tracked[static_cast<size_t>(t)] = true;
  // The model's own inputs and outputs keep their observed min / max under
  // every method: clipping an output changes what the application reads (a
  // classifier's top logit, a regressed coordinate).
  // The same holds for the inputs of ops whose output takes their input's
  // quantization (reshape, pools, pad, resize) on the way to an output: a
  // classifier's logits are often a RESHAPE of a MEAN.
  std::vector<bool> keep_minmax(n, false);
  for (size_t t = 0; t < n; ++t)
    keep_minmax[t] = g.IsGraphOutput(static_cast<int>(t)) || g.IsGraphInput(static_cast<int>(t));
  for (bool changed = true; changed;) {
    changed = false;
    for (const graph::GOp& op : g.ops) {
      const bool passthrough =
          op.type == schema::OpType_RESHAPE || op.type == schema::OpType_MAX_POOL_2D ||
          op.type == schema::OpType_AVERAGE_POOL_2D || op.type == schema::OpType_PAD ||
          op.type == schema::OpType_RESIZE_BILINEAR || op.type == schema::OpType_RESIZE_NEAREST_NEIGHBOR;
      if (!passthrough || op.dead || op.outputs.empty() || op.inputs.empty() || op.outputs[0] < 0 || op.inputs[0] < 0)
        continue;
      const size_t out = static_cast<size_t>(op.outputs[0]), in = static_cast<size_t>(op.inputs[0]);
      if (keep_minmax[out] && !keep_minmax[in]) keep_minmax[in] = changed = true;
    }
  }
  for (size_t t = 0; t < n; ++t)
    if (tracked[t] && !g.IsGraphOutput(static_cast<int>(t)) && !g.IsGraphInput(static_cast<int>(t)))
      g.outputs.push_back(static_cast<int32_t>(t));
  std::vector<uint8_t> file;
  std::vector<int> map;
  EDGERT_RETURN_IF_ERROR(g.Serialize(&file, &map));
  std::shared_ptr<const Model> model;
  EDGERT_RETURN_IF_ERROR(Model::LoadBuffer(file.data(), file.size(), /*copy=*/false, &model));
  OpResolver resolver;
  AddDefaultKernels(&resolver);
  InterpreterOptions io;
  io.num_threads = std::max(1, options.num_threads);
  Interpreter interp(model, &resolver, io);
  EDGERT_RETURN_IF_ERROR(interp.Prepare());
  for (const CalibrationSample& s : samples)
    if (static_cast<int>(s.inputs.size()) != interp.num_inputs())
      return Status::Error(StatusCode::kInvalidArgument, "a calibration sample has %zu inputs; the model has %d",
                           s.inputs.size(), interp.num_inputs());

  auto run = [&](size_t k) -> Status {
    for (int i = 0; i < interp.num_inputs(); ++i) {
      Tensor* in = interp.input(i);
      const std::vector<uint8_t>& bytes = samples[k].inputs[static_cast<size_t>(i)];
      if (bytes.size() != in->bytes)
        return Status::Error(StatusCode::kInvalidArgument,
                             "calibration sample %zu: input '%s' has %zu bytes; the model expects %zu", k, in->name,
                             bytes.size(), in->bytes);
      std::memcpy(in->data, bytes.data(), bytes.size());
    }
    return interp.Invoke();
  };
  const bool histogram = options.method != CalibrationMethod::kMinMax;
  const int passes = histogram ? 2 : 1;

  // Pass 1: min / max.
  std::vector<TensorRange> r(n);
  for (size_t k = 0; k < samples.size(); ++k) {
    EDGERT_RETURN_IF_ERROR(run(k));
    for (size_t t = 0; t < n; ++t) {
      if (!tracked[t] || map[t] < 0) continue;
      const Tensor* x = interp.tensor(map[t]);
      const float* d = x->data_as<float>();
      const int64_t count = x->NumElements();
      float lo = r[t].valid ? r[t].min : std::numeric_limits<float>::infinity();
      float hi = r[t].valid ? r[t].max : -std::numeric_limits<float>::infinity();
      for (int64_t i = 0; i < count; ++i) {
        if (!std::isfinite(d[i])) continue;
        lo = std::min(lo, d[i]);
        hi = std::max(hi, d[i]);
      }
      if (lo <= hi) r[t] = TensorRange{true, lo, hi};
    }
    if (options.progress) options.progress(1, static_cast<int>(k + 1), static_cast<int>(samples.size()), passes);
  }

  // Pass 2: histograms over the observed range (of |x| for entropy).
  if (histogram) {
    const size_t bins = static_cast<size_t>(std::max(16, options.bins));
    std::vector<std::vector<double>> hist(n);
    for (size_t t = 0; t < n; ++t)
      if (r[t].valid && !keep_minmax[t]) hist[t].assign(bins, 0.0);  // kept tensors need none
    const bool entropy = options.method == CalibrationMethod::kEntropy;
    for (size_t k = 0; k < samples.size(); ++k) {
      EDGERT_RETURN_IF_ERROR(run(k));
      for (size_t t = 0; t < n; ++t) {
        if (!r[t].valid || keep_minmax[t] || map[t] < 0 || !(r[t].max > r[t].min)) continue;
        const Tensor* x = interp.tensor(map[t]);
        const float* d = x->data_as<float>();
        const int64_t count = x->NumElements();
        const double lo = entropy ? 0.0 : r[t].min;
        const double hi = entropy ? std::max(std::fabs(r[t].min), std::fabs(r[t].max)) : r[t].max;
        const double scale = static_cast<double>(bins) / (hi - lo);
        for (int64_t i = 0; i < count; ++i) {
          if (!std::isfinite(d[i])) continue;
          const double v = entropy ? std::fabs(d[i]) : d[i];
          size_t b = static_cast<size_t>(std::max(0.0, (v - lo) * scale));
          hist[t][std::min(b, bins - 1)] += 1.0;
        }
      }
      if (options.progress) options.progress(2, static_cast<int>(k + 1), static_cast<int>(samples.size()), passes);
    }
    for (size_t t = 0; t < n; ++t) {
      if (!r[t].valid || !(r[t].max > r[t].min) || keep_minmax[t]) continue;
      if (entropy) {
        const float absmax = std::max(std::fabs(r[t].min), std::fabs(r[t].max));
        float lo = 0.f, hi = absmax;
        RangeFromHistogram(hist[t], 0.f, absmax, options.method, options.percentile, r[t].min < 0, &lo, &hi);
        r[t].max = std::min(r[t].max, hi);
        r[t].min = std::max(r[t].min, -hi);
      } else {
        RangeFromHistogram(hist[t], r[t].min, r[t].max, options.method, options.percentile, true, &r[t].min,
                           &r[t].max);
      }
    }
  }
  *ranges = std::move(r);
  return Status::Ok();
}

}  // namespace edgert
