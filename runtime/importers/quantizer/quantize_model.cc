#include "runtime/importers/quantizer/quantize_model.h"

#include "runtime/status.h"

namespace edgert {

bool ParseQuantizeMode(const std::string& s, QuantizeMode* mode) {
  if (s == "int8") {
    *mode = QuantizeMode::kInt8;
  } else if (s == "dynamic") {
    *mode = QuantizeMode::kDynamic;
  } else if (s == "fp16") {
    *mode = QuantizeMode::kFp16;
  } else {
    return false;
  }
  return true;
}

const char* QuantizeModeName(QuantizeMode mode) {
  switch (mode) {
    case QuantizeMode::kInt8: return "int8";
    case QuantizeMode::kDynamic: return "dynamic";
    case QuantizeMode::kFp16: return "fp16";
  }
  return "?";
}

namespace {

Status QuantizeInt8Mode(const std::vector<uint8_t>& ert, const QuantizeModelOptions& options,
                        const std::vector<CalibrationSample>& calibration, const std::vector<CalibrationSample>& eval,
                        QuantizeModelResult* result) {
  std::vector<TensorRange> ranges;
  EDGERT_RETURN_IF_ERROR(Calibrate(ert, calibration, options.calibration, &ranges));
  QuantizeReport q;
  std::string& text = result->summary;
  if (options.auto_mixed) {
    const double target = options.mixed.min_output_cosine;
    // With bias correction the search measures corrected models: the
    // all-int8 one first (it may meet the target with no op in float32), then
    // each round's pick.
    int passes = 0;
    BiasCorrector correct = nullptr;
    if (options.bias_correction)
      correct = [&](std::vector<uint8_t>* quantized) {
        BiasCorrectionReport one;
        ++passes;
        return CorrectBiases(ert, calibration, quantized, &one);
      };
    MixedPrecisionResult mr;
    EDGERT_RETURN_IF_ERROR(QuantizeToFidelityTarget(ert, ranges, eval, options.int8, options.mixed, &result->ert, &q,
                                                    &result->fidelity, &mr, correct));
    Appendf(&text, "mixed precision%s: target output cosine %.6g %s; worst output cosine by round:",
            options.bias_correction ? " (bias-corrected models)" : "", target, mr.target_met ? "met" : "NOT met");
    for (double c : mr.worst_cosine) Appendf(&text, " %.6f", c);
    text += "\n";
    if (mr.kept_float.empty() && mr.target_met) text += "  no op moved to float32\n";
    for (const std::string& k : mr.kept_float) Appendf(&text, "  moved to float32: op writing '%s'\n", k.c_str());
    if (options.bias_correction)
      Appendf(&text, "bias correction: %d passes (the first model and each round's pick)\n", passes);
    result->have_fidelity = true;
  } else {
    EDGERT_RETURN_IF_ERROR(QuantizeInt8(ert, ranges, options.int8, &result->ert, &q));
    if (options.bias_correction) {
      BiasCorrectionReport bc;
      EDGERT_RETURN_IF_ERROR(CorrectBiases(ert, calibration, &result->ert, &bc));
      Appendf(&text, "bias correction: %d layers, %lld channels corrected (mean |shift| %.3g)\n", bc.corrected_layers,
              static_cast<long long>(bc.corrected_channels), bc.mean_abs_shift);
    }
  }
  Appendf(&text, 
      "quantized: %d ops int8 (%s calibration, %zu samples), %d QUANTIZE + %d DEQUANTIZE inserted; "
      "constants %llu -> %llu bytes\n",
      q.quantized_ops, CalibrationMethodName(options.calibration.method), calibration.size(), q.inserted_quantize,
      q.inserted_dequantize, static_cast<unsigned long long>(q.constant_bytes_before),
      static_cast<unsigned long long>(q.constant_bytes_after));
  for (const auto& kv : q.float_ops) Appendf(&text, "  kept float32: %s x%d\n", kv.first.c_str(), kv.second);
  return Status::Ok();
}

}  // namespace

Status QuantizeModel(const std::vector<uint8_t>& f32_ert, const QuantizeModelOptions& options,
                     const std::vector<CalibrationSample>& calibration, const std::vector<CalibrationSample>& eval_in,
                     QuantizeModelResult* result) {
  *result = QuantizeModelResult();
  const std::vector<CalibrationSample>& eval = eval_in.empty() ? calibration : eval_in;
  if (options.mode == QuantizeMode::kInt8 && calibration.empty())
    return Status(StatusCode::kInvalidArgument, "int8 quantization needs calibration samples");
  if ((options.report || options.auto_mixed) && eval.empty())
    return Status(StatusCode::kInvalidArgument, "the fidelity report needs samples (held-out or calibration samples)");
  if (options.auto_mixed && options.mode != QuantizeMode::kInt8)
    return Status(StatusCode::kInvalidArgument, "a fidelity target (mixed precision) applies to int8 only");
  if (options.bias_correction && options.mode != QuantizeMode::kInt8)
    return Status(StatusCode::kInvalidArgument, "bias correction applies to int8 quantization only");
  switch (options.mode) {
    case QuantizeMode::kFp16: {
      Fp16Report r;
      EDGERT_RETURN_IF_ERROR(QuantizeFp16(f32_ert, &result->ert, &r));
      Appendf(&result->summary, 
          "fp16: %d float32 constants stored as float16 (%llu bytes saved, %d values saturated to +-65504)\n",
          r.converted_tensors, static_cast<unsigned long long>(r.bytes_saved), r.saturated);
      break;
    }
    case QuantizeMode::kDynamic: {
      DynamicReport r;
      EDGERT_RETURN_IF_ERROR(QuantizeDynamic(f32_ert, &result->ert, &r));
      Appendf(&result->summary, 
          "dynamic: %d FULLY_CONNECTED with int8 weights and run-time input quantization, %d ops with int8 "
          "weights only (%llu bytes saved)\n",
          r.hybrid_ops, r.weight_only_ops, static_cast<unsigned long long>(r.bytes_saved));
      break;
    }
    case QuantizeMode::kInt8:
      EDGERT_RETURN_IF_ERROR(QuantizeInt8Mode(f32_ert, options, calibration, eval, result));
      break;
  }
  if (options.report && !result->have_fidelity) {
    EDGERT_RETURN_IF_ERROR(CompareModels(f32_ert, result->ert, eval, &result->fidelity));
    result->have_fidelity = true;
  }
  return Status::Ok();
}

}  // namespace edgert
