#include "tools/text_file.h"

#include <cstdio>

namespace edgert {

Status WriteTextFile(const std::string& path, const std::string& text) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return Status::Error(StatusCode::kIoError, "cannot write '%s'", path.c_str());
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  if (std::fclose(f) != 0 || !ok) return Status::Error(StatusCode::kIoError, "cannot write '%s'", path.c_str());
  return Status::Ok();
}

}  // namespace edgert
