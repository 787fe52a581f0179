// Minimal C++ program over the RAII header. usage: example-minimal-cpp MODEL.ert
#include <cstdio>
#include <cstring>

#include "edgert/edgert.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s MODEL.ert\n", argv[0]);
    return 2;
  }
  ert::Model model;
  ert::Result r = ert::Model::LoadFile(argv[1], &model);
  ert::Interpreter interp;
  if (r.ok()) r = ert::Interpreter::Create(model, /*num_threads=*/1, &interp);
  if (r.ok()) r = interp.Prepare();
  for (int i = 0; r.ok() && i < interp.num_inputs(); ++i) {
    ert_tensor_info in;
    r = interp.Input(i, &in);
    if (r.ok()) std::memset(in.data, 0, in.bytes);
  }
  if (r.ok()) r = interp.Invoke();
  ert_tensor_info out;
  if (r.ok()) r = interp.Output(0, &out);
  if (!r.ok()) {
    std::fprintf(stderr, "error (%s): %s\n", ert_status_name(r.status), r.message.c_str());
    return 1;
  }
  std::printf("output '%s' has %zu bytes\n", out.name, out.bytes);
  return 0;
}
