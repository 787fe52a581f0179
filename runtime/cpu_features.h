// The CPU's features, detected once (cpuinfo) and shared by kernel selection.
#pragma once

#include <cstddef>
#include <string>

namespace edgert {

struct CpuFeatures {
  std::string name;         // processor package name, e.g. "AMD EPYC 7B12"
  int cores = 1;
  // The L2 cache's bytes per processor sharing it (the first processor's
  // L2; 0: unknown, e.g. under emulation).
  size_t l2_bytes_per_processor = 0;
  // x86
  bool sse4_1 = false, avx2 = false, fma3 = false, f16c = false, avx512f = false, avx512bw = false, avx512vl = false,
       avx512vbmi = false, avx512vnni = false;
  // AMX tiles with int8 dot products, usable by this process: the CPU has them,
  // the OS saves their state, and (Linux) the process was granted it.
  bool amx_int8 = false;
  // arm: Advanced SIMD, its SDOT/UDOT, half-precision arithmetic and int8
  // matrix multiply (I8MM) instructions
  bool neon = false, neon_dot = false, neon_fp16 = false, neon_i8mm = false;
  // Space-separated list of the flags above that are set.
  std::string Describe() const;
};

// Detected on first use; later calls return the same object (thread-safe).
const CpuFeatures& GetCpuFeatures();

}  // namespace edgert
