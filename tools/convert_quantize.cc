#include "tools/convert_quantize.h"

#include <cstdio>
#include <memory>

#include "runtime/importers/quantizer/fidelity.h"
#include "runtime/model.h"
#include "tools/calibration_data.h"

namespace edgert {
namespace {

void PrintCalibrationProgress(int pass, int k, int n, int passes) {
  if (k == n || k % 10 == 0)
    std::fprintf(stderr, "\rcalibration pass %d/%d: %d/%d samples%s", pass, passes, k, n, k == n ? "\n" : "");
}

void PrintDecodeProgress(size_t k, size_t n) {
  if (k == n || k % 10 == 0) std::fprintf(stderr, "\rdecoding images: %zu/%zu%s", k, n, k == n ? "\n" : "");
}

// Samples from a folder of .npy files, or of images with --calibration-images.
Status LoadSamples(const QuantizeRequest& req, const std::string& dir, const Model& model,
                   std::vector<CalibrationSample>* samples) {
  if (req.calib_images)
    return LoadCalibrationImages(dir, model, req.image, req.max_samples, samples,
                                 req.quiet ? nullptr : PrintDecodeProgress);
  return LoadCalibrationDir(dir, model, req.max_samples, samples);
}

Status WriteText(const std::string& path, const std::string& text) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return Status::Error(StatusCode::kIoError, "cannot write '%s'", path.c_str());
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  if (std::fclose(f) != 0 || !ok) return Status::Error(StatusCode::kIoError, "cannot write '%s'", path.c_str());
  return Status::Ok();
}

// int8: calibrate, quantize (or search mixed precision; `fidelity` is then
// filled). With no held-out samples in `eval`, it gets the calibration samples.
Status QuantizeInt8Mode(const QuantizeRequest& req, const Model& float_model, const std::vector<uint8_t>& ert,
                        std::vector<CalibrationSample>* eval, std::vector<uint8_t>* out, FidelityReport* fidelity,
                        bool* have_fidelity) {
  std::vector<CalibrationSample> samples;
  EDGERT_RETURN_IF_ERROR(LoadSamples(req, req.calib_dir, float_model, &samples));
  CalibrationOptions calib = req.calib;
  if (!req.quiet) calib.progress = PrintCalibrationProgress;
  std::vector<TensorRange> ranges;
  EDGERT_RETURN_IF_ERROR(Calibrate(ert, samples, calib, &ranges));
  if (eval->empty()) *eval = samples;
  QuantizeReport q;
  if (req.auto_mixed) {
    MixedPrecisionResult mr;
    EDGERT_RETURN_IF_ERROR(QuantizeToFidelityTarget(ert, ranges, *eval, req.options, req.mixed, out, &q, fidelity, &mr));
    *have_fidelity = true;
    if (!req.quiet) {
      std::printf("mixed precision: target output cosine %.6g %s; worst output cosine by round:",
                  req.mixed.min_output_cosine, mr.target_met ? "met" : "NOT met");
      for (double c : mr.worst_cosine) std::printf(" %.6f", c);
      std::printf("\n");
      for (const std::string& k : mr.kept_float) std::printf("  moved to float32: op writing '%s'\n", k.c_str());
    }
  } else {
    EDGERT_RETURN_IF_ERROR(QuantizeInt8(ert, ranges, req.options, out, &q));
  }
  if (!req.quiet) {
    std::printf("quantized: %d ops int8 (%s calibration, %zu samples), %d QUANTIZE + %d DEQUANTIZE inserted; "
                "constants %llu -> %llu bytes\n",
                q.quantized_ops, CalibrationMethodName(req.calib.method), samples.size(), q.inserted_quantize,
                q.inserted_dequantize, static_cast<unsigned long long>(q.constant_bytes_before),
                static_cast<unsigned long long>(q.constant_bytes_after));
    for (const auto& kv : q.float_ops) std::printf("  kept float32: %s x%d\n", kv.first.c_str(), kv.second);
  }
  return Status::Ok();
}

Status Run(const QuantizeRequest& req, std::vector<uint8_t>* ert) {
  std::shared_ptr<const Model> float_model;
  EDGERT_RETURN_IF_ERROR(Model::LoadBuffer(ert->data(), ert->size(), /*copy=*/false, &float_model));
  // Samples the fidelity is measured on: held-out ones, else the calibration set.
  std::vector<CalibrationSample> eval;
  if (!req.report_dir.empty()) {
    EDGERT_RETURN_IF_ERROR(LoadSamples(req, req.report_dir, *float_model, &eval));
  } else if (req.report && req.mode != "int8") {
    if (req.calib_dir.empty())
      return Status(StatusCode::kInvalidArgument, "--report needs samples: --report-samples DIR (or --calibration DIR)");
    EDGERT_RETURN_IF_ERROR(LoadSamples(req, req.calib_dir, *float_model, &eval));
  }
  std::vector<uint8_t> out;
  FidelityReport fidelity;
  bool have_fidelity = false;
  if (req.mode == "fp16") {
    Fp16Report r;
    EDGERT_RETURN_IF_ERROR(QuantizeFp16(*ert, &out, &r));
    if (!req.quiet)
      std::printf("fp16: %d float32 constants stored as float16 (%llu bytes saved, %d values saturated to +-65504)\n",
                  r.converted_tensors, static_cast<unsigned long long>(r.bytes_saved), r.saturated);
  } else if (req.mode == "dynamic") {
    DynamicReport r;
    EDGERT_RETURN_IF_ERROR(QuantizeDynamic(*ert, &out, &r));
    if (!req.quiet)
      std::printf("dynamic: %d FULLY_CONNECTED with int8 weights and run-time input quantization, %d ops with int8 "
                  "weights only (%llu bytes saved)\n",
                  r.hybrid_ops, r.weight_only_ops, static_cast<unsigned long long>(r.bytes_saved));
  } else {
    EDGERT_RETURN_IF_ERROR(QuantizeInt8Mode(req, *float_model, *ert, &eval, &out, &fidelity, &have_fidelity));
  }
  if (req.report) {
    if (!have_fidelity) EDGERT_RETURN_IF_ERROR(CompareModels(*ert, out, eval, &fidelity));
    if (!req.quiet)
      std::printf("%s(samples: %s)\n", fidelity.ToTable().c_str(),
                  req.report_dir.empty() ? "the calibration samples; give held-out ones with --report-samples"
                                         : req.report_dir.c_str());
    if (!req.report_json.empty()) EDGERT_RETURN_IF_ERROR(WriteText(req.report_json, fidelity.ToJson()));
  }
  *ert = std::move(out);
  return Status::Ok();
}

}  // namespace

bool QuantizeConverted(const QuantizeRequest& req, std::vector<uint8_t>* ert) {
  Status s = Run(req, ert);
  if (!s.ok()) std::fprintf(stderr, "edgert-convert: quantization (%s): %s\n", req.mode.c_str(), s.message().c_str());
  return s.ok();
}

}  // namespace edgert
