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

#ifdef __cplusplus
}
#endif

#endif /* EDGERT_EDGERT_IMPORT_H_ */
