// SPDX-License-Identifier: MIT
#include "huge_pages.h"

#include <cstdint>
#include <fstream>
#include <string>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace kiln::cpu {
namespace {

#if defined(__linux__) && defined(MADV_HUGEPAGE)
size_t read_huge_page_size() {
  std::ifstream enabled("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string modes;
  if (!std::getline(enabled, modes) || modes.find("[never]") != std::string::npos) return 0;
  std::ifstream size_file("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size");
  unsigned long long size = 0;
  if (!(size_file >> size)) size = 2u << 20;  // older kernels lack the file; x86-64 and arm64 use 2 MiB
  // A power of two, or the alignment arithmetic below is wrong; anything else means no THP.
  return size != 0 && (size & (size - 1)) == 0 ? static_cast<size_t>(size) : 0;
}
#endif

}  // namespace

size_t huge_page_size() {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  static const size_t size = read_huge_page_size();  // the setting does not change under us
  return size;
#else
  return 0;
#endif
}

size_t advise_huge_pages(void* data, size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  const size_t page = huge_page_size();
  if (page == 0 || data == nullptr) return 0;
  const uintptr_t begin = reinterpret_cast<uintptr_t>(data);
  if (bytes > UINTPTR_MAX - begin) return 0;
  // Only whole aligned huge pages can be mapped as such; the ends stay on small pages.
  const uintptr_t first = (begin + page - 1) & ~(page - 1);
  const uintptr_t last = (begin + bytes) & ~(page - 1);
  if (first >= last) return 0;
  if (madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE) != 0) return 0;
  return last - first;
#else
  (void)data;
  (void)bytes;
  return 0;
#endif
}

}  // namespace kiln::cpu
