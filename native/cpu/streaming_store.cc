// SPDX-License-Identifier: MIT
#include "streaming_store.h"

#include <algorithm>
#include <cstring>

#include "cpu_isa.h"

#if KILN_CPU_X86
#include <immintrin.h>
#endif

namespace kiln::cpu {

#if KILN_CPU_X86
namespace {

// Streams whole 64-byte lines: dst must be 64-byte aligned and bytes a multiple of 64.
__attribute__((target("avx512f"))) void stream_lines_avx512(char* dst, const char* src, size_t bytes) {
  for (size_t i = 0; i < bytes; i += 64)
    _mm512_stream_si512(reinterpret_cast<__m512i*>(dst + i),
                        _mm512_loadu_si512(reinterpret_cast<const void*>(src + i)));
}

// The same with SSE2, which every x86-64 CPU has.
void stream_lines_sse2(char* dst, const char* src, size_t bytes) {
  for (size_t i = 0; i < bytes; i += 64)
    for (size_t k = 0; k < 64; k += 16)
      _mm_stream_si128(reinterpret_cast<__m128i*>(dst + i + k),
                       _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i + k)));
}

}  // namespace

void streaming_copy(void* dst_, const void* src_, size_t bytes) {
  char* dst = static_cast<char*>(dst_);
  const char* src = static_cast<const char*>(src_);
  // Plain copies for the part before the first whole line of dst and after the last one.
  const size_t head = std::min(bytes, size_t(-reinterpret_cast<uintptr_t>(dst) & 63));
  std::memcpy(dst, src, head);
  dst += head;
  src += head;
  bytes -= head;
  const size_t lines = bytes & ~size_t(63);
  static const bool avx512 = cpu_isa() == CpuIsa::Avx512;
  if (avx512) stream_lines_avx512(dst, src, lines);
  else stream_lines_sse2(dst, src, lines);
  std::memcpy(dst + lines, src + lines, bytes - lines);
}

void streaming_fence() { _mm_sfence(); }

#else

void streaming_copy(void* dst, const void* src, size_t bytes) { std::memcpy(dst, src, bytes); }
void streaming_fence() {}

#endif

}  // namespace kiln::cpu
