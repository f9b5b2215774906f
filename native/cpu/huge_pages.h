// SPDX-License-Identifier: MIT
// Transparent huge pages for large CPU storages.
//
// A 64 MiB tensor spans 16384 pages of 4 KiB. Streaming over it misses the TLB on every page
// and restarts the hardware prefetcher at every page boundary (prefetchers do not cross
// pages), which holds a plain read loop well below the memory bandwidth: on a 2-core Zen 4
// guest, summing 2^24 floats read at 28-31 GB/s on 4 KiB pages and at 38-43 GB/s on 2 MiB
// pages. Linux maps 2 MiB pages into a range only where asked (the common THP mode is
// "madvise"), so large storages ask.
#pragma once
#include <cstddef>

namespace kiln::cpu {

// The size of a transparent huge page on this system, or 0 where there are none (not Linux,
// or THP disabled: /sys/kernel/mm/transparent_hugepage/enabled says "[never]").
size_t huge_page_size();

// Asks the OS to back the whole huge pages inside [data, data + bytes) with huge pages when
// they are first touched. Returns the number of bytes the advice covers (0 where it covers
// none: no huge pages, a range too small to hold an aligned one, or a refused madvise).
// Advice only: the memory's contents and ownership do not change, pages already touched keep
// their size, and a range the OS refuses is left as it was.
size_t advise_huge_pages(void* data, size_t bytes);

}  // namespace kiln::cpu
