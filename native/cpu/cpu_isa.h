// SPDX-License-Identifier: MIT
// Run-time choice of the x86 vector instruction set. The addon is compiled for baseline
// x86-64; kernels with wider variants (compiled with function-level target attributes) ask
// here which one this CPU can run.
#pragma once

#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
#define KILN_CPU_X86 1
#else
#define KILN_CPU_X86 0
#endif

namespace kiln::cpu {

enum class CpuIsa { Generic = 0, Avx2 = 1, Avx512 = 2 };

// The best of AVX2+FMA and AVX-512F that the CPU reports, detected once. KILN_CPU_ISA=
// generic|avx2 caps the choice, so that the narrower paths can be tested on any machine.
CpuIsa cpu_isa();

}  // namespace kiln::cpu
