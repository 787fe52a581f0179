/* edgert C API: the stable ABI.
 *
 * Conventions
 * - Every object is an opaque handle created by an ert_*_create/load function
 *   and released by the matching ert_*_delete function, which accepts NULL.
 * - Functions that can fail return ert_status (ERT_OK == 0). The message of the
 *   last failure on a handle is returned by ert_model_error / ert_interpreter_error
 *   (owned by the handle, valid until the next call on it); failures that occur
 *   before a handle exists write their message to an optional caller buffer.
 * - A failed call leaves the handle usable.
 * - No exceptions cross this boundary; no C++ types appear in it.
 * - Threading: a model may be shared by interpreters on different threads; an
 *   interpreter must be used by one thread at a time.
 */
#ifndef EDGERT_EDGERT_H_
#define EDGERT_EDGERT_H_

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define ERT_API __declspec(dllexport)
#else
#define ERT_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define ERT_ABI_VERSION 1
/* The library version that ert_version_string() reports. */
#define ERT_VERSION "0.1.0"

typedef enum {
  ERT_OK = 0,
  ERT_INVALID_ARGUMENT = 1,
  ERT_INVALID_MODEL = 2,
  ERT_UNSUPPORTED = 3,
  ERT_OUT_OF_MEMORY = 4,
  ERT_IO_ERROR = 5,
  ERT_RUNTIME_ERROR = 6,
} ert_status;

typedef enum {
  ERT_F32 = 0,
  ERT_F16 = 1,
  ERT_BF16 = 2,
  ERT_I8 = 3,
  ERT_U8 = 4,
  ERT_I16 = 5,
  ERT_I32 = 6,
  ERT_I64 = 7,
  ERT_BOOL = 8,
} ert_dtype;

#define ERT_MAX_RANK 8

typedef struct ert_model ert_model;             /* immutable, shareable across threads */
typedef struct ert_interpreter ert_interpreter; /* one thread at a time */

/* Tensor description; pointers are owned by the interpreter and valid until it
 * re-plans (after a resize) or is deleted. */
typedef struct {
  const char* name;
  ert_dtype dtype;
  int32_t rank;
  int32_t dims[ERT_MAX_RANK];
  void* data;          /* inputs: write here before invoke; outputs: read after */
  size_t bytes;
  int32_t quantized;   /* 1 when scale/zero_point apply */
  float scale;         /* first (or only) scale */
  int32_t zero_point;  /* first (or only) zero point */
} ert_tensor_info;

typedef struct {
  size_t arena_bytes;       /* activation arena */
  size_t arena_lower_bound; /* peak sum of simultaneously live tensors */
  size_t persistent_bytes;  /* op state, prepacked weights */
  size_t constant_bytes;    /* weights used in place from the model */
} ert_memory_info;

typedef struct {
  int32_t struct_size;     /* sizeof(ert_interpreter_options), for ABI growth */
  int32_t num_threads;     /* threads the optimized kernels split work across; 0 or 1: single-threaded;
                              above 64: prepare fails with ERT_INVALID_ARGUMENT */
  size_t max_arena_bytes;  /* prepare fails with ERT_OUT_OF_MEMORY above this; 0: no limit */
  /* File of packed weights, or NULL for none. Prepare maps it when it was written
     for this model (its FlatBuffer part, size and data digest; all its bytes
     when it has no digest), library build and kernels, so start-up skips the weight
     packing; otherwise prepare packs as usual and (re)writes the file. The
     caller picks a path per model in storage it owns (e.g. the app's cache
     directory). A cache that cannot be read or written never fails prepare;
     ert_interpreter_weight_cache_note says what happened. The string is copied. */
  const char* weight_cache_path;
  /* 0 (default): prepare makes every page of the activation arena it allocates
     (up to 64 MB) resident, so the first invoke is as fast as later ones;
     nonzero: the first invoke faults the pages in instead (shorter prepare). */
  int32_t lazy_arena;
  /* 0 (default): on CPUs with native half-precision arithmetic (ARMv8.2 FP16),
     convolutions and fully connected layers whose weights the model stores as
     float16 may multiply and add in float16 (about twice as fast; relative
     rounding of about 2^-11 per operation, results beyond +-65504 overflow);
     nonzero: float32 arithmetic everywhere. Other CPUs always use float32. */
  int32_t f32_arithmetic_only;
  /* 0 (default): a float32 ADD of a convolution's result and a tensor computed
     earlier (a residual connection, also through a channel-only PAD of that
     tensor), or a float32 HARD_SWISH, LOGISTIC or TANH of a convolution's
     result, runs inside the convolution, while the result is in cache, and
     convolutions whose results a channel CONCATENATION joins (float32, or
     int8 of one quantization) write them into its output directly, and a
     float32 1x1 convolution computes the depthwise convolution before it a
     few rows at a time (same values as separate ops; ert_interpreter_plan
     shows "(+ ADD ...)", "(+ PAD ...)", "(+ HARD_SWISH ...)", "(into
     CONCATENATION ...)" and "(rows of DEPTHWISE_CONV_2D ... computed
     inside)");
     nonzero: every node runs as written, e.g. to time each op alone. */
  int32_t no_fusion;
} ert_interpreter_options;

ERT_API int32_t ert_abi_version(void);
ERT_API const char* ert_version_string(void);
ERT_API const char* ert_status_name(ert_status status);
ERT_API const char* ert_dtype_name(ert_dtype dtype);

/* Loads and verifies a model. On failure *out is NULL and, when error_buf is not
 * NULL, a NUL-terminated message is written there (truncated to error_buf_size). */
ERT_API ert_status ert_model_load_file(const char* path, ert_model** out, char* error_buf, size_t error_buf_size);
/* copy == 0: zero-copy; the caller keeps data alive and unchanged until
 * ert_model_delete (and until every interpreter using the model is deleted). */
ERT_API ert_status ert_model_load_buffer(const void* data, size_t size, int copy, ert_model** out, char* error_buf,
                                         size_t error_buf_size);
/* The model stays alive while interpreters created from it exist. */
ERT_API void ert_model_delete(ert_model* model);
ERT_API int32_t ert_model_num_inputs(const ert_model* model);
ERT_API int32_t ert_model_num_outputs(const ert_model* model);
ERT_API int32_t ert_model_num_ops(const ert_model* model);

/* options may be NULL. The interpreter holds a reference to the model. */
ERT_API ert_status ert_interpreter_create(ert_model* model, const ert_interpreter_options* options,
                                          ert_interpreter** out, char* error_buf, size_t error_buf_size);
ERT_API void ert_interpreter_delete(ert_interpreter* interp);
/* Message of the last failed call on interp ("" if none). */
ERT_API const char* ert_interpreter_error(const ert_interpreter* interp);
/* What the weight cache did at the last prepare: "used: ...", "not used: <why>; written ...",
 * or "" without a cache path. Valid until the next call on interp. */
ERT_API const char* ert_interpreter_weight_cache_note(const ert_interpreter* interp);
/* The steps invoke runs after the last successful prepare, one line each:
 * "step N: <OP> #<node> -> <kernel>", with " (+ ADD #<node>)" for an ADD run
 * inside it and " (into CONCATENATION #<node> at channel C)" for a result
 * written in place; "" before prepare. Valid until the next call on interp. */
ERT_API const char* ert_interpreter_plan(ert_interpreter* interp);
/* Caller-supplied activation arena (64-byte aligned; outlives interp). */
ERT_API ert_status ert_interpreter_use_arena(ert_interpreter* interp, void* buffer, size_t size);
ERT_API ert_status ert_interpreter_resize_input(ert_interpreter* interp, int32_t index, const int32_t* dims,
                                               int32_t rank);
/* Shape inference, kernel selection and memory planning. */
ERT_API ert_status ert_interpreter_prepare(ert_interpreter* interp);
/* Runs the model; prepares first when needed. Performs no heap allocation once prepared. */
ERT_API ert_status ert_interpreter_invoke(ert_interpreter* interp);
ERT_API int32_t ert_interpreter_num_inputs(const ert_interpreter* interp);
ERT_API int32_t ert_interpreter_num_outputs(const ert_interpreter* interp);
/* Valid after a successful prepare. */
ERT_API ert_status ert_interpreter_input(ert_interpreter* interp, int32_t index, ert_tensor_info* info);
ERT_API ert_status ert_interpreter_output(ert_interpreter* interp, int32_t index, ert_tensor_info* info);
ERT_API ert_status ert_interpreter_memory(ert_interpreter* interp, ert_memory_info* info);

#ifdef __cplusplus
}
#endif

#endif /* EDGERT_EDGERT_H_ */
