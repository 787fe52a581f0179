#include "runtime/status.h"

#include <cstdarg>
#include <cstdio>

namespace edgert {

std::string FormatV(const char* fmt, va_list ap) {
  char buf[1024];
  std::vsnprintf(buf, sizeof(buf), fmt, ap);
  return buf;
}

Status Status::Error(StatusCode code, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  std::string msg = FormatV(fmt, ap);
  va_end(ap);
  return Status(code, std::move(msg));
}

const char* StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "ok";
    case StatusCode::kInvalidArgument: return "invalid argument";
    case StatusCode::kInvalidModel: return "invalid model";
    case StatusCode::kUnsupported: return "unsupported";
    case StatusCode::kOutOfMemory: return "out of memory";
    case StatusCode::kIoError: return "i/o error";
    case StatusCode::kRuntimeError: return "runtime error";
  }
  return "unknown";
}

void Appendf(std::string* out, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  *out += FormatV(fmt, ap);
  va_end(ap);
}

}  // namespace edgert
