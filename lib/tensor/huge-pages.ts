// SPDX-License-Identifier: MIT
/**
 * Fresh large CPU buffers, backed by transparent huge pages where the OS offers them.
 *
 * Streaming over a tensor of many 4 KiB pages misses the TLB on every page and restarts the
 * hardware prefetcher at every page boundary; on 2 MiB pages the same loops read 25-40%
 * faster (native/cpu/huge_pages.h has the figures). Linux maps huge pages only into ranges
 * that ask for them, and the asking must happen before the pages are first touched: a new
 * ArrayBuffer of this size is mapped but untouched (its zeroes come from the OS), so it is
 * advised right after it is made. Small buffers are not advised: one holding no whole
 * aligned huge page would gain nothing.
 *
 * `KILN_CPU_HUGE_PAGES=0` turns this off (as would THP's own "never" setting).
 */
import { native } from '../backend/binding';
import { KilnError } from '../errors';

/** Buffers from this size on always hold at least one whole aligned 2 MiB page. */
export const HUGE_PAGE_MIN_BYTES = 4 * 1024 * 1024;

const enabled = hugePagesFromEnv(process.env.KILN_CPU_HUGE_PAGES);

/** Whether KILN_CPU_HUGE_PAGES (given as `value`) leaves huge pages on; throws on anything but 0, 1 or unset. */
export function hugePagesFromEnv(value: string | undefined): boolean {
  if (value === undefined || value === '' || value === '1') return true;
  if (value === '0') return false;
  throw new KilnError(`KILN_CPU_HUGE_PAGES: expected 0 (off) or 1 (on, the default), got '${value}'`);
}

/** A new zero-filled buffer of `nbytes`, on huge pages when it is large and the OS has them. */
export function newCpuBuffer(nbytes: number): ArrayBuffer {
  const buffer = new ArrayBuffer(nbytes);
  if (enabled && nbytes >= HUGE_PAGE_MIN_BYTES) native.adviseHugePages(buffer);
  return buffer;
}
