// SPDX-License-Identifier: MIT
#include "cpu_isa.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace kiln::cpu {
namespace {

CpuIsa detect() {
  CpuIsa isa = CpuIsa::Generic;
#if KILN_CPU_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    isa = CpuIsa::Avx2;
    if (__builtin_cpu_supports("avx512f")) isa = CpuIsa::Avx512;
  }
#endif
  if (const char* env = std::getenv("KILN_CPU_ISA")) {
    if (std::strcmp(env, "generic") == 0) isa = CpuIsa::Generic;
    else if (std::strcmp(env, "avx2") == 0) isa = std::min(isa, CpuIsa::Avx2);
  }
  return isa;
}

}  // namespace

CpuIsa cpu_isa() {
  static const CpuIsa isa = detect();
  return isa;
}

}  // namespace kiln::cpu
