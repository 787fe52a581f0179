// The byte table-lookup microkernel of the ISA table (KernelIsa::x8.lut,
// X8LutUkernelFn in kernels/dispatch.h), called directly at every level this
// CPU runs: every length 0..100 and some long ones, random tables and inputs
// that cover all 256 indices, each output byte equal to the table's entry,
// guard bytes after the output untouched, and in-place calls.
#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <vector>

#include "kernels/dispatch.h"
#include "tests/kernels/kernel_test_util.h"
#include "tests/kernels/ukernel_test_util.h"

namespace edgert {
namespace {

TEST_CASE("x8 table-lookup microkernels of every level give the table's entries", "[ukernels][lut]") {
  std::vector<size_t> lengths;
  for (size_t n = 0; n <= 100; ++n) lengths.push_back(n);
  for (size_t n : {255, 256, 257, 1000, 4099}) lengths.push_back(n);
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> byte(0, 255);
  int tested = 0;
  for (IsaLevel level : testing::SupportedMicrokernelLevels()) {
    testing::ScopedIsaLevel isa(level);
    const X8LutUkernelFn lut = GetKernelIsa().x8.lut;
    if (lut == nullptr) continue;
    INFO("ISA level " << GetKernelIsa().name);
    for (int round = 0; round < 4; ++round) {
      uint8_t table[256];
      for (int i = 0; i < 256; ++i) table[i] = static_cast<uint8_t>(byte(rng));
      for (size_t n : lengths) {
        INFO("n " << n << " round " << round);
        std::vector<uint8_t> x(n);
        for (size_t i = 0; i < n; ++i) x[i] = static_cast<uint8_t>(i < 256 && n >= 256 ? i : byte(rng));
        std::vector<uint8_t> y(n + 64, 0xA5);
        lut(n, x.data(), y.data(), table);
        size_t bad = 0;
        for (size_t i = 0; i < n; ++i) bad += y[i] != table[x[i]];
        CHECK(bad == 0);
        for (size_t i = n; i < y.size(); ++i) REQUIRE(y[i] == 0xA5);
        std::vector<uint8_t> inplace = x;  // y may equal x
        lut(n, inplace.data(), inplace.data(), table);
        for (size_t i = 0; i < n; ++i) REQUIRE(inplace[i] == table[x[i]]);
      }
    }
    ++tested;
  }
  if (tested == 0) WARN("no table-lookup microkernel at any level of this CPU: nothing to test");
}

}  // namespace
}  // namespace edgert
