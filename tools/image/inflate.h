// zlib stream decompression (RFC 1950/1951: stored, fixed and dynamic Huffman
// blocks, Adler-32 check) into a buffer of known size, for the PNG decoder.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "runtime/status.h"

namespace edgert {

// Inflates the zlib stream `in` into exactly `out_size` bytes at `out`; more
// or less data than that, a bad code or a checksum mismatch is an error.
// Errors are worded "<what>: <why>" with `what` as given.
Status ZlibInflate(const uint8_t* in, size_t in_size, uint8_t* out, size_t out_size, const std::string& what);

}  // namespace edgert
