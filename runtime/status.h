// Status: a code plus a readable message. The success path never allocates.
#pragma once

#include <cstdarg>
#include <string>
#include <utility>

namespace edgert {

enum class StatusCode : int {
  kOk = 0,
  kInvalidArgument = 1,  // the caller passed something wrong (shape, index, null)
  kInvalidModel = 2,     // the model file is malformed or inconsistent
  kUnsupported = 3,      // valid, but this build cannot run it (op, dtype)
  kOutOfMemory = 4,
  kIoError = 5,
  kRuntimeError = 6,
};

class Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  // printf-style constructor.
  static Status Error(StatusCode code, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

const char* StatusCodeName(StatusCode code);

// vsnprintf into a std::string (messages longer than 1023 characters are cut).
std::string FormatV(const char* fmt, va_list ap);
// Appends printf-style text to *out (same length limit).
void Appendf(std::string* out, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

#define EDGERT_RETURN_IF_ERROR(expr)        \
  do {                                      \
    ::edgert::Status _st = (expr);          \
    if (!_st.ok()) return _st;              \
  } while (0)

}  // namespace edgert
