/* edgert importer C API: loads models stored in other formats.
 *
 * Shipped as a separate shared library (libedgert_import.so, exporting only
 * ert_model_import_*) so that applications that load .ert files do not carry the
 * importers. The ert_model it returns is used with the functions of edgert.h
 * (libedgert.so) and released with ert_model_delete; both libraries must come
 * from the same edgert build.
 *
 * Formats, detected from the content: TensorFlow Lite (FlatBuffer file identifier
 * "TFL3" at bytes 4..7; float16 weights folded to float32, sparse weights densified),
 * .ert (identifier "ERT1"), and ONNX (a buffer that parses as a ModelProto with a
 * graph; float32 CNN operators so far, default options, so symbolic input dimensions
 * must be fixed with edgert-convert --dim first). Anything else is loaded as .ert,
 * whose loader reports what is wrong.
 */
#ifndef EDGERT_EDGERT_IMPORT_H_
#define EDGERT_EDGERT_IMPORT_H_

#include "edgert/edgert.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Imports (or loads) the model at path. On failure *out is NULL and, when
 * error_buf is not NULL, a NUL-terminated message is written there (truncated to
 * error_buf_size). ERT_UNSUPPORTED names every operator the importer cannot map. */
ERT_API ert_status ert_model_import_file(const char* path, ert_model** out, char* error_buf, size_t error_buf_size);

/* The same for a model held in memory; the buffer is not referenced after the call. */
ERT_API ert_status ert_model_import_buffer(const void* data, size_t size, ert_model** out, char* error_buf,
                                           size_t error_buf_size);

/* ---- Conversion and quantization ------------------------------------------
 * ert_convert_buffer turns a model (TFLite, ONNX or .ert, detected as above) into
 * .ert bytes, optionally quantized, exactly as edgert-convert does:
 *   ERT_QUANTIZE_INT8     full-integer: int8 activations (per tensor, asymmetric,
 *                         ranges from the calibration samples), int8 weights
 *                         (symmetric, per output channel), int32 biases; ops without
 *                         an int8 kernel and those named in keep_float stay float32
 *                         behind QUANTIZE/DEQUANTIZE; model inputs/outputs stay float32.
 *   ERT_QUANTIZE_DYNAMIC  int8 weights; FULLY_CONNECTED quantizes its inputs at run time.
 *   ERT_QUANTIZE_FP16     float32 constants stored as float16 (computed in float32).
 * Samples are sample-major arrays of pointers: samples[i * num_inputs + j] is input
 * j of sample i, in the input's dtype and static shape (row-major, as many bytes as
 * the converted model's input holds); every pointer must be valid. */

typedef enum {
  ERT_QUANTIZE_NONE = 0,
  ERT_QUANTIZE_INT8 = 1,
  ERT_QUANTIZE_DYNAMIC = 2,
  ERT_QUANTIZE_FP16 = 3,
} ert_quantize_mode;

typedef enum {
  ERT_CALIBRATION_MINMAX = 0,
  ERT_CALIBRATION_PERCENTILE = 1, /* keeps `percentile` % of the values, both tails cut equally */
  ERT_CALIBRATION_KL = 2,         /* entropy: the clipping threshold minimizing KL divergence */
  ERT_CALIBRATION_MSE = 3,        /* the range minimizing the expected squared quantization error */
} ert_calibration_method;

typedef struct {
  int32_t struct_size; /* sizeof(ert_convert_options), for ABI growth; set by ert_convert_options_init */
  int32_t optimize;    /* 1: run the graph optimizer (default) */
  int32_t quantize;           /* an ert_quantize_mode */
  int32_t calibration_method; /* an ert_calibration_method */
  double percentile; /* ERT_CALIBRATION_PERCENTILE; default 99.99 */
  int32_t num_threads; /* calibration and report runs; default 1 */
  /* int8: calibration samples (see above). */
  const void* const* calibration_samples;
  size_t num_calibration_samples;
  /* Held-out samples for the fidelity report and the fidelity target; NULL: the
   * calibration samples. */
  const void* const* report_samples;
  size_t num_report_samples;
  /* int8: ops kept in float32, by op name, op type ("SOFTMAX") or output tensor name. */
  const char* const* keep_float;
  size_t num_keep_float;
  /* int8: > 0 searches the ops to keep in float32 (most sensitive first, at most
   * max_float_ops) until every output's cosine similarity to the float model on
   * the report samples reaches this value. */
  double fidelity_target;
  int32_t max_float_ops; /* default 16 */
  int32_t report;        /* 1: measure the fidelity report (ert_converted_report_json) */
  /* ONNX symbolic input dimensions: dim_names[k] = dim_values[k]. */
  const char* const* dim_names;
  const int64_t* dim_values;
  size_t num_dims;
  /* Magnitude pruning before quantization: in every 1x1 convolution and fully
   * connected layer, this fraction (0..1) of the 16-output-channel block
   * columns with the smallest L2 norm is set to zero (no fine-tuning). 0: none. */
  double prune_fraction;
  /* 1 (default): float32 weights with enough zero blocks are stored block-sparse
   * and run by the sparse kernels, and other constants with enough zero
   * elements are stored with a zero mask (densified at load, smaller file);
   * 0: always dense. */
  int32_t sparse;
  /* int8: 1 corrects each conv / fully connected output channel's bias by its
   * mean error over (up to 16 of) the calibration samples, layer by layer.
   * With fidelity_target, the corrected all-int8 model is tried first (no op
   * moves to float32 if it meets the target), and the search's mixed model is
   * corrected when that does not lower its worst output cosine. 0 (default): off. */
  int32_t bias_correction;
} ert_convert_options;

typedef struct ert_converted ert_converted; /* the result: .ert bytes, summary, report */

/* Fills *options with the defaults (no quantization, optimizer on). */
ERT_API void ert_convert_options_init(ert_convert_options* options);

/* Converts (and quantizes) the model in data[0..size). options may be NULL (defaults).
 * On failure *out is NULL and the message goes to error_buf; the input is not
 * referenced after the call. */
ERT_API ert_status ert_convert_buffer(const void* data, size_t size, const ert_convert_options* options,
                                      ert_converted** out, char* error_buf, size_t error_buf_size);

/* The .ert file bytes (load them with ert_model_load_buffer or write them to disk). */
ERT_API const void* ert_converted_data(const ert_converted* converted);
ERT_API size_t ert_converted_size(const ert_converted* converted);
/* What the conversion did, as edgert-convert prints it (NUL-terminated). */
ERT_API const char* ert_converted_summary(const ert_converted* converted);
/* The fidelity report as JSON (per output and per layer: cosine, SNR dB, max abs
 * error, top-1 agreement, mask IoU; file sizes), or NULL when none was requested. */
ERT_API const char* ert_converted_report_json(const ert_converted* converted);
ERT_API void ert_converted_delete(ert_converted* converted);

#ifdef __cplusplus
}
#endif

#endif /* EDGERT_EDGERT_IMPORT_H_ */
