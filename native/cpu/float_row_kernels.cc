// SPDX-License-Identifier: MIT
#include "float_row_kernels.h"

#include "cpu_isa.h"

namespace kiln::cpu {

const FloatRowKernels* float_row_kernels() {
  static const FloatRowKernels* const table = [] {
    switch (cpu_isa()) {
      case CpuIsa::Avx512: return float_row_kernels_avx512();
      case CpuIsa::Avx2: return float_row_kernels_avx2();
      default: return static_cast<const FloatRowKernels*>(nullptr);
    }
  }();
  return table;
}

}  // namespace kiln::cpu
