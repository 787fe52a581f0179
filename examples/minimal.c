/* Minimal C program: load a model, fill inputs, run, print the first outputs.
 * usage: example-minimal-c MODEL.ert */
#include <stdio.h>
#include <string.h>

#include "edgert/edgert.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s MODEL.ert\n", argv[0]);
    return 2;
  }
  char err[512];
  ert_model* model = NULL;
  if (ert_model_load_file(argv[1], &model, err, sizeof(err)) != ERT_OK) {
    fprintf(stderr, "load failed: %s\n", err);
    return 1;
  }
  ert_interpreter* interp = NULL;
  if (ert_interpreter_create(model, NULL, &interp, err, sizeof(err)) != ERT_OK) {
    fprintf(stderr, "create failed: %s\n", err);
    ert_model_delete(model);
    return 1;
  }
  ert_model_delete(model); /* the interpreter keeps its own reference */
  int ok = ert_interpreter_prepare(interp) == ERT_OK;
  for (int i = 0; ok && i < ert_interpreter_num_inputs(interp); ++i) {
    ert_tensor_info in;
    ok = ert_interpreter_input(interp, i, &in) == ERT_OK;
    if (ok) memset(in.data, 0, in.bytes); /* a real app copies its data here */
  }
  if (ok) ok = ert_interpreter_invoke(interp) == ERT_OK;
  if (!ok) {
    fprintf(stderr, "run failed: %s\n", ert_interpreter_error(interp));
    ert_interpreter_delete(interp);
    return 1;
  }
  ert_tensor_info out;
  ert_interpreter_output(interp, 0, &out);
  printf("output '%s' %s rank %d:", out.name, ert_dtype_name(out.dtype), out.rank);
  if (out.dtype == ERT_F32) {
    const float* v = (const float*)out.data;
    size_t n = out.bytes / sizeof(float);
    for (size_t i = 0; i < n && i < 5; ++i) printf(" %g", v[i]);
  }
  printf("\n");
  ert_interpreter_delete(interp);
  return 0;
}
