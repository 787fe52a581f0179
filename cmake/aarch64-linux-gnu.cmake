# Cross build for 64-bit ARM Linux (aarch64) with Debian's cross compiler:
#   bash scripts/install-deps-arm.sh
#   cmake -S . -B build-arm -G Ninja -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake
# Libraries and headers come from the arm64 sysroot that install-deps-arm.sh
# unpacks ($EDGERT_ARM64_DEPS, default ~/.cache/edgert/arm64-deps) and from the
# cross compiler's own (/usr/aarch64-linux-gnu); programs run at build time
# (flatc) are the host's. Test binaries run under qemu-aarch64, which is also
# the emulator CMake and ctest use to run them (Catch2's test discovery).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

if(DEFINED ENV{EDGERT_ARM64_DEPS})
  set(EDGERT_ARM64_DEPS "$ENV{EDGERT_ARM64_DEPS}")
else()
  set(EDGERT_ARM64_DEPS "$ENV{HOME}/.cache/edgert/arm64-deps")
endif()
if(NOT EXISTS "${EDGERT_ARM64_DEPS}/usr/include/cpuinfo.h")
  message(FATAL_ERROR "no arm64 dependencies in ${EDGERT_ARM64_DEPS}: run scripts/install-deps-arm.sh")
endif()
set(CMAKE_FIND_ROOT_PATH "${EDGERT_ARM64_DEPS}" /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# The loader and C++ runtime of the cross toolchain, for running aarch64 binaries.
set(EDGERT_QEMU_LD_PREFIX /usr/aarch64-linux-gnu)
find_program(EDGERT_QEMU_AARCH64 qemu-aarch64)
if(EDGERT_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${EDGERT_QEMU_AARCH64};-L;${EDGERT_QEMU_LD_PREFIX}")
endif()
