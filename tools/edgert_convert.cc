// edgert-convert IN.tflite|IN.onnx -o OUT.ert [options]
// Converts a TensorFlow Lite or ONNX model into an .ert model and prints a summary.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "runtime/importers/onnx/onnx_importer.h"
#include "runtime/importers/tflite/tflite_importer.h"
#include "tools/convert_quantize.h"
#include "tools/convert_sparse.h"

using namespace edgert;

namespace {

void PrintHelp(FILE* f) {
  std::fprintf(f,
               "usage: edgert-convert IN.tflite|IN.onnx -o OUT.ert [options]\n"
               "Converts a TensorFlow Lite model (subgraph 0) or an ONNX model (a file name ending in .onnx;\n"
               "float32 CNNs as PyTorch exports them, opsets 11-18) into an edgert .ert model.\n"
               "\n"
               "options:\n"
               "  -o, --output FILE     write the .ert model to FILE (required)\n"
               "  --no-verify           skip loading the result through the .ert verifier\n"
               "TFLite:\n"
               "  --no-fold-fp16        keep float16/bfloat16 constants that feed DEQUANTIZE as they are\n"
               "                        (default: fold them into float32 constants, no DEQUANTIZE op)\n"
               "  --subgraph N          import subgraph N instead of 0\n"
               "  --max-dense-mb N      largest dense size (MiB) a sparse constant may densify to (default 2048)\n"
               "ONNX:\n"
               "  --dim NAME=N          value N (>= 1) of the symbolic input dimension NAME (dim_param), e.g.\n"
               "                        --dim batch_size=1; repeat for several. Unresolved symbolic input\n"
               "                        dimensions make the conversion fail with their names\n"
               "  --input-shape NAME=D0,D1,...\n"
               "                        the whole shape of input NAME (for unnamed dims; NAME= for a scalar)\n"
               "  --input-value NAME=V0,V1,...\n"
               "                        fix input NAME to these values: it leaves the model and takes part in\n"
               "                        constant folding, which resolves If nodes branching on it (e.g. the\n"
               "                        sample rate of silero VAD: --input-value sr=16000)\n"
               "  --no-fold-bn          keep BatchNormalization after Conv as MUL + ADD (default: fold it\n"
               "                        into the Conv's weights and bias)\n"
               "other:\n"
               "  --no-optimize         skip the graph optimizer (constant folding, fusing RELU/RELU6 into the\n"
               "                        producing op, merging transposes and reshapes, dead-op removal),\n"
               "                        e.g. to compare against the plain translation when debugging\n"
               "pruning and sparse weights (1x1 CONV_2D and FULLY_CONNECTED; pruning before --quantize int8):\n"
               "  --prune magnitude:F   zero the fraction F (0 < F < 1) of each layer's weights block-wise: the\n"
               "                        weights [out, in] are cut into units of 16 consecutive output channels x\n"
               "                        4 consecutive input channels (what the f32 and int8 sparse kernels skip)\n"
               "                        and the F smallest by L2 norm are set to zero; with --report, the fidelity of the\n"
               "                        pruned model against the unpruned one (needs --report-samples, or\n"
               "                        --calibration or --calibration-images)\n"
               "  --sparse auto|off     auto (default): store a layer's weights block-sparse (format version 2)\n"
               "                        when at least 20%% of its block columns are zero (the measured break-even is\n"
               "                        about 10%%, bench/f32_spmm_bench.cc) and the layer runs it (1x1\n"
               "                        stride 1 without padding, fully connected); int8 weights (format version 3)\n"
               "                        where that makes them at least 10%% smaller (densified at load; int8 layers\n"
               "                        with 30%% or more zero 16x4 units run on the sparse int8 kernel, stored\n"
               "                        sparse or not); any other constant with a zero mask (format version 4:\n"
               "                        a bit per element, only the nonzero ones stored; densified at load) where\n"
               "                        that makes it at least 25%% smaller (unstructured sparsity); off: dense\n"
               "quantization (post-training, full integer):\n"
               "  --quantize int8       int8 activations (per tensor, asymmetric, from calibration), int8\n"
               "                        weights (per output channel, symmetric), int32 biases; ops without an\n"
               "                        int8 kernel stay float32 behind QUANTIZE/DEQUANTIZE (listed in the summary)\n"
               "  --quantize fp16       float32 weights (constants of 256+ elements) stored as float16 behind\n"
               "                        DEQUANTIZE: half the file; expanded once at prepare, computed in float32\n"
               "  --quantize dynamic    dynamic range: int8 weights (per output channel); FULLY_CONNECTED\n"
               "                        quantizes its input rows at run time (int32 accumulation), other ops\n"
               "                        keep float32 arithmetic on weights expanded at prepare\n"
               "  --calibration DIR     float32 .npy input samples (one per file, or stacked on a leading axis)\n"
               "  --calibration-images DIR\n"
               "                        calibrate from images instead (.png, .jpg/.jpeg baseline or progressive,\n"
               "                        binary .ppm/.pgm;\n"
               "                        name order), each preprocessed into the model's one float32 input:\n"
               "  --image-size HxW      must equal the input's H,W (the default; the input shape decides)\n"
               "  --image-resize stretch|crop\n"
               "                        stretch (default): bilinear resize of the whole image to HxW; crop:\n"
               "                        bilinear resize so the short side fits, then the central HxW\n"
               "                        (bilinear with half-pixel centers, no antialiasing)\n"
               "  --image-range MIN,MAX output range (default 0,1)\n"
               "  --image-mean R,G,B    per-channel mean and standard deviation on the 0..1 scale (one value:\n"
               "  --image-std R,G,B     all channels; gray uses the first; defaults 0 and 1). Each value is\n"
               "                        x = MIN + (MAX - MIN) * (u / 255 - mean[c]) / std[c]\n"
               "                        with u the resized pixel in 0..255 (16-bit images scaled to 0..255)\n"
               "  --image-layout nhwc|nchw\n"
               "                        default: channels last if the input's last dim is 1 or 3, else first\n"
               "  --image-channels rgb|bgr|gray\n"
               "                        default: rgb for a 3-channel input, gray (0.299 R + 0.587 G + 0.114 B)\n"
               "                        for a 1-channel one; alpha is dropped, gray images are replicated\n"
               "  --calibration-method minmax|percentile|kl|mse\n"
               "                        range per activation: observed min/max (default), the central\n"
               "                        --percentile %% of values (default 99.99), the KL-optimal clip, or\n"
               "                        the range with the least expected squared quantization error\n"
               "  --percentile P        for --calibration-method percentile\n"
               "  --max-samples N       use at most N calibration samples (default 1000)\n"
               "  --keep-float A,B,...  keep these ops in float32 (op names, op types such as SOFTMAX, or\n"
               "                        output tensor names)\n"
               "  --fidelity-target C   automatic mixed precision: move the layer that loses the most SNR back\n"
               "                        to float32, one at a time, until every output's cosine similarity to\n"
               "                        the float model is >= C (at most --max-float-ops N, default 16)\n"
               "  --bias-correction     int8: after quantizing, run the float and the int8 model on (up to 16\n"
               "                        of) the calibration samples and subtract each conv / fully connected\n"
               "                        output channel's significant mean error from its bias, layer by layer\n"
               "                        (layers writing a model output keep theirs). With --fidelity-target:\n"
               "                        the corrected all-int8 model is tried first, and the mixed model the\n"
               "                        search gives is corrected when that does not lower its worst output\n"
               "                        cosine\n"
               "  --report              print the fidelity of the quantized model (any mode) against the float one:\n"
               "                        per output cosine, SNR, max error, top-1 agreement, mask IoU; per\n"
               "                        layer SNR; file size before and after\n"
               "  --report-samples DIR  held-out .npy samples (images with --calibration-images) for --report /\n"
               "                        --fidelity-target (default: the calibration samples)\n"
               "  --report-json FILE    also write the fidelity report as JSON\n"
               "  --quiet               print nothing but errors\n"
               "  -h, --help            this text\n"
               "\n"
               "The summary lists the source ops, the emitted edgert ops by type, tensors, constant bytes,\n"
               "folded/densified constants, warnings and the time taken. Unsupported ops make the\n"
               "conversion fail with one message naming every unsupported op and its count.\n"
               "ONNX models keep their NCHW input and rank-4 output shapes; TRANSPOSE ops inside the model\n"
               "convert to and from edgert's NHWC layout.\n");
}

int Usage() {
  PrintHelp(stderr);
  return 2;
}

double Ms(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

bool ReadFile(const std::string& path, std::vector<uint8_t>* data) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return false;
  bool ok = std::fseek(f, 0, SEEK_END) == 0;
  const long end = ok ? std::ftell(f) : -1;
  ok = ok && end >= 0 && std::fseek(f, 0, SEEK_SET) == 0;
  if (ok) {
    data->resize(static_cast<size_t>(end));
    ok = std::fread(data->data(), 1, data->size(), f) == data->size();
  }
  std::fclose(f);
  return ok;
}

bool WriteFile(const std::string& path, const std::vector<uint8_t>& data) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return false;
  const bool ok = std::fwrite(data.data(), 1, data.size(), f) == data.size();
  return std::fclose(f) == 0 && ok;
}

bool EndsWith(const std::string& s, const char* suffix) {
  const size_t n = std::strlen(suffix);
  if (s.size() < n) return false;
  for (size_t i = 0; i < n; ++i)
    if (std::tolower(static_cast<unsigned char>(s[s.size() - n + i])) != suffix[i]) return false;
  return true;
}

bool ParseInt(const char* s, long long lo, long long hi, long long* out) {
  char* end = nullptr;
  const long long v = std::strtoll(s, &end, 10);
  if (end == s || *end != 0 || v < lo || v > hi) return false;
  *out = v;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string in_path, out_path;
  TfliteImportOptions opts;
  OnnxImportOptions onnx_opts;
  bool quiet = false;
  QuantizeRequest q;
  bool image_option = false;
  SparseRequest sp;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    long long v;
    if ((a == "-o" || a == "--output") && i + 1 < argc) {
      out_path = argv[++i];
    } else if (a == "--no-fold-fp16") {
      opts.fold_fp16 = false;
    } else if (a == "--subgraph" && i + 1 < argc) {
      if (!ParseInt(argv[++i], 0, 1 << 20, &v)) return Usage();
      opts.subgraph = static_cast<int>(v);
    } else if (a == "--max-dense-mb" && i + 1 < argc) {
      if (!ParseInt(argv[++i], 1, 1 << 20, &v)) return Usage();
      opts.max_dense_bytes = static_cast<uint64_t>(v) << 20;
    } else if (a == "--no-verify") {
      opts.verify_output = false;
      onnx_opts.verify_output = false;
    } else if (a == "--dim" && i + 1 < argc) {
      if (!ParseOnnxDimOption(argv[++i], &onnx_opts)) return Usage();
    } else if (a == "--no-optimize") {
      opts.optimize = false;
      onnx_opts.optimize = false;
    } else if (a == "--input-shape" && i + 1 < argc) {
      if (!ParseOnnxInputShapeOption(argv[++i], &onnx_opts)) return Usage();
    } else if (a == "--input-value" && i + 1 < argc) {
      if (!ParseOnnxInputValueOption(argv[++i], &onnx_opts)) return Usage();
    } else if (a == "--no-fold-bn") {
      onnx_opts.fold_batchnorm = false;
    } else if (a == "--quantize" && i + 1 < argc) {
      q.mode = argv[++i];
      if (q.mode != "int8" && q.mode != "fp16" && q.mode != "dynamic") return Usage();
    } else if (a == "--calibration" && i + 1 < argc) {
      q.calib_dir = argv[++i];
    } else if (a == "--calibration-images" && i + 1 < argc) {
      q.calib_dir = argv[++i];
      q.calib_images = true;
    } else if (a == "--image-size" && i + 1 < argc) {
      if (!ParseImageSize(argv[++i], &q.image.height, &q.image.width)) return Usage();
      image_option = true;
    } else if (a == "--image-resize" && i + 1 < argc) {
      const std::string m = argv[++i];
      if (m != "stretch" && m != "crop") return Usage();
      q.image.resize = m == "crop" ? ImageResize::kCrop : ImageResize::kStretch;
      image_option = true;
    } else if (a == "--image-range" && i + 1 < argc) {
      std::vector<float> r;
      if (!ParseFloatList(argv[++i], 2, 2, &r) || !(r[0] < r[1])) return Usage();
      q.image.range_min = r[0];
      q.image.range_max = r[1];
      image_option = true;
    } else if ((a == "--image-mean" || a == "--image-std") && i + 1 < argc) {
      std::vector<float> r;
      if (!ParseFloatList(argv[++i], 1, 3, &r) || r.size() == 2) return Usage();
      if (r.size() == 1) r.assign(3, r[0]);
      for (int k = 0; k < 3; ++k) {
        if (a == "--image-std" && !(r[k] > 0.f)) return Usage();
        (a == "--image-mean" ? q.image.mean : q.image.std)[k] = r[static_cast<size_t>(k)];
      }
      image_option = true;
    } else if (a == "--image-layout" && i + 1 < argc) {
      const std::string m = argv[++i];
      if (m != "nhwc" && m != "nchw") return Usage();
      q.image.layout = m == "nchw" ? ImageLayout::kNchw : ImageLayout::kNhwc;
      image_option = true;
    } else if (a == "--image-channels" && i + 1 < argc) {
      const std::string m = argv[++i];
      if (m == "rgb") {
        q.image.channels = ImageChannels::kRgb;
      } else if (m == "bgr") {
        q.image.channels = ImageChannels::kBgr;
      } else if (m == "gray") {
        q.image.channels = ImageChannels::kGray;
      } else {
        return Usage();
      }
      image_option = true;
    } else if (a == "--calibration-method" && i + 1 < argc) {
      if (!ParseCalibrationMethod(argv[++i], &q.calib.method)) return Usage();
    } else if (a == "--percentile" && i + 1 < argc) {
      char* end = nullptr;
      q.calib.percentile = std::strtod(argv[++i], &end);
      if (end == argv[i] || *end != 0 || !(q.calib.percentile > 50.0 && q.calib.percentile <= 100.0)) return Usage();
    } else if (a == "--max-samples" && i + 1 < argc) {
      if (!ParseInt(argv[++i], 1, 1 << 24, &v)) return Usage();
      q.max_samples = static_cast<size_t>(v);
    } else if (a == "--keep-float" && i + 1 < argc) {
      std::string list = argv[++i];
      size_t b = 0;
      while (b <= list.size()) {
        const size_t e = std::min(list.find(',', b), list.size());
        if (e > b) q.options.keep_float.insert(list.substr(b, e - b));
        b = e + 1;
      }
    } else if (a == "--prune" && i + 1 < argc) {
      if (!ParsePruneOption(argv[++i], &sp.prune_fraction)) return Usage();
    } else if (a == "--sparse" && i + 1 < argc) {
      const std::string m = argv[++i];
      if (m != "auto" && m != "off") return Usage();
      sp.store_sparse = m == "auto";
    } else if (a == "--bias-correction") {
      q.bias_correction = true;
    } else if (a == "--report") {
      q.report = true;
    } else if (a == "--report-samples" && i + 1 < argc) {
      q.report_dir = argv[++i];
    } else if (a == "--report-json" && i + 1 < argc) {
      q.report_json = argv[++i];
      q.report = true;
    } else if (a == "--fidelity-target" && i + 1 < argc) {
      char* end = nullptr;
      q.mixed.min_output_cosine = std::strtod(argv[++i], &end);
      if (end == argv[i] || *end != 0 || !(q.mixed.min_output_cosine > 0.0 && q.mixed.min_output_cosine <= 1.0))
        return Usage();
      q.auto_mixed = true;
    } else if (a == "--max-float-ops" && i + 1 < argc) {
      long long v2;
      if (!ParseInt(argv[++i], 0, 100000, &v2)) return Usage();
      q.mixed.max_float_ops = static_cast<int>(v2);
    } else if (a == "--quiet") {
      quiet = true;
      q.quiet = true;
    } else if (a == "-h" || a == "--help") {
      PrintHelp(stdout);
      return 0;
    } else if (!a.empty() && a[0] != '-' && in_path.empty()) {
      in_path = a;
    } else {
      return Usage();
    }
  }
  if (in_path.empty() || out_path.empty()) return Usage();
  if (q.mode == "int8" && q.calib_dir.empty()) {
    std::fprintf(stderr, "edgert-convert: --quantize int8 needs --calibration DIR or --calibration-images DIR\n");
    return 2;
  }
  if (image_option && !q.calib_images) {
    std::fprintf(stderr, "edgert-convert: --image-* options apply to --calibration-images DIR only\n");
    return 2;
  }

  const auto t0 = std::chrono::steady_clock::now();
  std::vector<uint8_t> data;
  if (!ReadFile(in_path, &data)) {
    std::fprintf(stderr, "edgert-convert: cannot read '%s'\n", in_path.c_str());
    return 1;
  }
  const bool onnx = EndsWith(in_path, ".onnx");
  if (!onnx && !IsTfliteBuffer(data.data(), data.size())) {
    std::fprintf(stderr,
                 "edgert-convert: '%s' is not a .tflite model (no 'TFL3' file identifier) and its name does not "
                 "end in .onnx\n",
                 in_path.c_str());
    return 1;
  }
  const auto t1 = std::chrono::steady_clock::now();
  std::vector<uint8_t> ert;
  ImportReport report;
  Status s = onnx ? ImportOnnx(data.data(), data.size(), onnx_opts, &ert, &report)
                  : ImportTflite(data.data(), data.size(), opts, &ert, &report);
  const auto t2 = std::chrono::steady_clock::now();
  if (!s.ok()) {
    std::fprintf(stderr, "edgert-convert: %s: %s\n", in_path.c_str(), s.message().c_str());
    return 1;
  }
  const size_t imported_bytes = ert.size();
  sp.report = q.report;
  sp.samples_dir = !q.report_dir.empty() ? q.report_dir : q.calib_dir;
  sp.images = q.calib_images;
  sp.image = q.image;
  sp.report_json = q.report_json;
  sp.max_samples = q.max_samples;
  sp.quiet = quiet;
  if (sp.prune_fraction > 0 && !PruneConverted(sp, &ert)) return 1;
  // The quantization report compares against the (pruned) float model.
  if (!q.mode.empty() && !QuantizeConverted(q, &ert)) return 1;
  if (sp.store_sparse && !StoreSparseConverted(sp, &ert)) return 1;
  const auto tq = std::chrono::steady_clock::now();
  if (!WriteFile(out_path, ert)) {
    std::fprintf(stderr, "edgert-convert: cannot write '%s'\n", out_path.c_str());
    return 1;
  }
  const auto t3 = std::chrono::steady_clock::now();
  if (quiet) return 0;

  std::printf("%s -> %s\n", in_path.c_str(), out_path.c_str());
  if (onnx)
    std::printf("source: ONNX IR v%u (%s), %d nodes, %d values, %zu bytes\n", report.source_version,
                report.source_description.empty() ? "unknown producer" : report.source_description.c_str(),
                report.source_ops, report.source_tensors, data.size());
  else
    std::printf("source: TFLite schema v%u, %d ops, %d tensors, %zu bytes\n", report.source_version,
                report.source_ops, report.source_tensors, data.size());
  std::printf("source ops:");
  for (const auto& kv : report.source_op_counts) std::printf(" %s x%d", kv.first.c_str(), kv.second);
  std::printf("\n");
  std::printf("edgert ops (%d):", report.num_ops);
  for (const auto& kv : report.op_counts) std::printf(" %s x%d", kv.first.c_str(), kv.second);
  std::printf("\n");
  std::printf("tensors: %d (%d constants, %llu constant bytes)\n", report.num_tensors, report.num_constants,
              static_cast<unsigned long long>(report.constant_bytes));
  if (onnx)
    std::printf("folded BatchNormalization: %d, inlined If: %d, fixed inputs: %d\n", report.folded_batchnorm,
                report.inlined_if, report.fixed_inputs);
  else
    std::printf("folded DEQUANTIZE: %d, densified sparse constants: %d, separate activations: %d\n",
                report.folded_dequantize, report.densified, report.separate_activations);
  std::printf("%s\n", report.optimizer.Summary().c_str());
  for (const std::string& w : report.warnings) std::printf("warning: %s\n", w.c_str());
  if (ert.size() != imported_bytes)
    std::printf("size: %zu bytes as imported -> %zu bytes written (%.2fx)\n", imported_bytes, ert.size(),
                static_cast<double>(imported_bytes) / static_cast<double>(ert.size()));
  std::printf("output: %zu bytes; time: read %.1f ms, import %.1f ms, ", ert.size(), Ms(t0, t1), Ms(t1, t2));
  if (!q.mode.empty()) std::printf("quantize %.1f ms, ", Ms(t2, tq));
  std::printf("write %.1f ms, total %.1f ms\n", Ms(tq, t3), Ms(t0, t3));
  return 0;
}
