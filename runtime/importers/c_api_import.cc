// The importer C API (include/edgert/edgert_import.h). No exception or C++ type crosses it.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "edgert/edgert_import.h"
#include "runtime/importers/onnx/onnx_importer.h"
#include "runtime/importers/tflite/tflite_importer.h"

namespace {

void WriteError(const std::string& msg, char* buf, size_t size) {
  if (buf == nullptr || size == 0) return;
  std::snprintf(buf, size, "%s", msg.c_str());
}

ert_status Fail(const edgert::Status& s, const std::string& prefix, char* buf, size_t size) {
  WriteError(prefix + s.message(), buf, size);
  return static_cast<ert_status>(s.code());
}

// Converts a .tflite buffer and loads the result through libedgert's C API, so
// the handle belongs to libedgert like any other model.
ert_status ImportTfliteBuffer(const void* data, size_t size, const std::string& label, ert_model** out, char* buf,
                              size_t buf_size) {
  std::vector<uint8_t> ert;
  edgert::Status s = edgert::ImportTflite(data, size, edgert::TfliteImportOptions(), &ert, nullptr);
  if (!s.ok()) return Fail(s, label, buf, buf_size);
  return ert_model_load_buffer(ert.data(), ert.size(), /*copy=*/1, out, buf, buf_size);
}

// Converts an ONNX buffer (default options: symbolic input dims must be absent).
ert_status ImportOnnxBuffer(const void* data, size_t size, const std::string& label, ert_model** out, char* buf,
                            size_t buf_size) {
  std::vector<uint8_t> ert;
  edgert::Status s = edgert::ImportOnnx(data, size, edgert::OnnxImportOptions(), &ert, nullptr);
  if (!s.ok()) return Fail(s, label, buf, buf_size);
  return ert_model_load_buffer(ert.data(), ert.size(), /*copy=*/1, out, buf, buf_size);
}

// True when the buffer carries the .ert file identifier ("ERT1" at bytes 8..11).
bool IsErtBuffer(const void* data, size_t size) {
  return data != nullptr && size >= 12 && std::memcmp(static_cast<const uint8_t*>(data) + 8, "ERT1", 4) == 0;
}

}  // namespace

extern "C" {

ert_status ert_model_import_file(const char* path, ert_model** out, char* error_buf, size_t error_buf_size) {
  if (out == nullptr || path == nullptr) {
    WriteError("ert_model_import_file: path and out must not be NULL", error_buf, error_buf_size);
    return ERT_INVALID_ARGUMENT;
  }
  *out = nullptr;
  try {
    FILE* f = std::fopen(path, "rb");
    if (f == nullptr) {
      WriteError(std::string("cannot open '") + path + "': " + std::strerror(errno), error_buf, error_buf_size);
      return ERT_IO_ERROR;
    }
    unsigned char head[12] = {};
    const size_t got = std::fread(head, 1, sizeof(head), f);
    const bool tflite = edgert::IsTfliteBuffer(head, got);
    if (!tflite && (IsErtBuffer(head, got) || got < 2)) {
      std::fclose(f);
      return ert_model_load_file(path, out, error_buf, error_buf_size);
    }
    std::vector<uint8_t> data;
    bool ok = std::fseek(f, 0, SEEK_END) == 0;
    const long end = ok ? std::ftell(f) : -1;
    ok = ok && end > 0 && std::fseek(f, 0, SEEK_SET) == 0;
    if (ok) {
      data.resize(static_cast<size_t>(end));
      ok = std::fread(data.data(), 1, data.size(), f) == data.size();
    }
    std::fclose(f);
    if (!ok) {
      WriteError(std::string("cannot read '") + path + "'", error_buf, error_buf_size);
      return ERT_IO_ERROR;
    }
    if (tflite)
      return ImportTfliteBuffer(data.data(), data.size(), std::string(path) + ": ", out, error_buf, error_buf_size);
    // Neither .tflite nor .ert: ONNX when it parses as a ModelProto, else the .ert loader's error.
    if (edgert::IsOnnxBuffer(data.data(), data.size()))
      return ImportOnnxBuffer(data.data(), data.size(), std::string(path) + ": ", out, error_buf, error_buf_size);
    return ert_model_load_file(path, out, error_buf, error_buf_size);
  } catch (const std::bad_alloc&) {
    WriteError("out of memory while importing the model", error_buf, error_buf_size);
    return ERT_OUT_OF_MEMORY;
  }
}

ert_status ert_model_import_buffer(const void* data, size_t size, ert_model** out, char* error_buf,
                                   size_t error_buf_size) {
  if (out == nullptr || data == nullptr || size == 0) {
    WriteError("ert_model_import_buffer: data and out must not be NULL, size not 0", error_buf, error_buf_size);
    return ERT_INVALID_ARGUMENT;
  }
  *out = nullptr;
  try {
    if (edgert::IsTfliteBuffer(data, size)) return ImportTfliteBuffer(data, size, "", out, error_buf, error_buf_size);
    if (!IsErtBuffer(data, size) && edgert::IsOnnxBuffer(data, size))
      return ImportOnnxBuffer(data, size, "", out, error_buf, error_buf_size);
    return ert_model_load_buffer(data, size, /*copy=*/1, out, error_buf, error_buf_size);
  } catch (const std::bad_alloc&) {
    WriteError("out of memory while importing the model", error_buf, error_buf_size);
    return ERT_OUT_OF_MEMORY;
  }
}

}  // extern "C"
