// Writing a text file (reports) for the command-line tools.
#pragma once

#include <string>

#include "runtime/status.h"

namespace edgert {

// Writes `text` to `path` (replacing it); kIoError naming the path on failure.
Status WriteTextFile(const std::string& path, const std::string& text);

}  // namespace edgert
