#include "runtime/status.h"

#include <cstdarg>
#include <cstdio>

namespace edgert {

Status Status::Error(StatusCode code, const char* fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  return Status(code, buf);
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

}  // namespace edgert
