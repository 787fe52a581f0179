#include "tools/convert_quantize.h"

#include <cstdio>
#include <memory>

#include "runtime/importers/quantizer/quantize_model.h"
#include "runtime/model.h"
#include "tools/calibration_data.h"
#include "tools/text_file.h"

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

Status Run(const QuantizeRequest& req, std::vector<uint8_t>* ert) {
  std::shared_ptr<const Model> float_model;
  EDGERT_RETURN_IF_ERROR(Model::LoadBuffer(ert->data(), ert->size(), /*copy=*/false, &float_model));
  QuantizeModelOptions options;
  if (!ParseQuantizeMode(req.mode, &options.mode))
    return Status::Error(StatusCode::kInvalidArgument, "unknown quantization mode '%s'", req.mode.c_str());
  options.calibration = req.calib;
  if (!req.quiet) options.calibration.progress = PrintCalibrationProgress;
  options.int8 = req.options;
  options.auto_mixed = req.auto_mixed;
  options.mixed = req.mixed;
  options.bias_correction = req.bias_correction;
  options.report = req.report;
  std::vector<CalibrationSample> calibration, eval;
  if (options.mode == QuantizeMode::kInt8 || (req.report && req.report_dir.empty())) {
    if (req.calib_dir.empty())
      return Status(StatusCode::kInvalidArgument, options.mode == QuantizeMode::kInt8
                                                      ? "int8 quantization needs --calibration DIR"
                                                      : "--report needs samples: --report-samples DIR (or --calibration DIR)");
    EDGERT_RETURN_IF_ERROR(LoadSamples(req, req.calib_dir, *float_model, &calibration));
  }
  // Samples the fidelity is measured on: held-out ones, else the calibration set.
  if (!req.report_dir.empty())
    EDGERT_RETURN_IF_ERROR(LoadSamples(req, req.report_dir, *float_model, &eval));
  QuantizeModelResult result;
  EDGERT_RETURN_IF_ERROR(QuantizeModel(*ert, options, calibration, eval, &result));
  if (!req.quiet) std::fputs(result.summary.c_str(), stdout);
  if (req.report) {
    if (!req.quiet)
      std::printf("%s(samples: %s)\n", result.fidelity.ToTable().c_str(),
                  req.report_dir.empty() ? "the calibration samples; give held-out ones with --report-samples"
                                         : req.report_dir.c_str());
    if (!req.report_json.empty()) EDGERT_RETURN_IF_ERROR(WriteTextFile(req.report_json, result.fidelity.ToJson()));
  }
  *ert = std::move(result.ert);
  return Status::Ok();
}

}  // namespace

bool QuantizeConverted(const QuantizeRequest& req, std::vector<uint8_t>* ert) {
  Status s = Run(req, ert);
  if (!s.ok()) std::fprintf(stderr, "edgert-convert: quantization (%s): %s\n", req.mode.c_str(), s.message().c_str());
  return s.ok();
}

}  // namespace edgert
