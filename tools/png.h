// Minimal PNG writer (8-bit gray or RGB, uncompressed deflate blocks).
#pragma once

#include <cstdint>
#include <string>

#include "runtime/status.h"

namespace edgert {

// channels: 1 (gray) or 3 (RGB); data is row-major height x width x channels.
Status WritePng(const std::string& path, int width, int height, int channels, const uint8_t* data);

}  // namespace edgert
