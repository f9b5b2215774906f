// SPDX-License-Identifier: MIT
// Large CPU storages ask the OS for transparent huge pages (lib/tensor/huge-pages.ts,
// native/cpu/huge_pages.cc). The advice must cover exactly the whole aligned huge pages
// inside a buffer, leave its contents alone, refuse what is not a buffer, and, where the OS
// offers huge pages, actually put a large tensor on them.
import fs from 'node:fs';
import * as kiln from '../../lib';
import { native } from '../../lib/backend/binding';
import { HUGE_PAGE_MIN_BYTES, hugePagesFromEnv, newCpuBuffer } from '../../lib/tensor/huge-pages';

const page = native.hugePageSize();
const thpMode = (() => {
  try {
    return /\[(\w+)\]/.exec(fs.readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8'))?.[1] ?? 'none';
  } catch {
    return 'none';
  }
})();
const withHugePages = page > 0 ? test : test.skip;
if (page === 0) console.log(`huge page tests that need THP skip: the OS offers none here (THP mode: ${thpMode})`);

test('the huge page size is 0 or a power of two, and 0 exactly when THP is off or absent', () => {
  expect(page === 0 || (Number.isSafeInteger(page) && (page & (page - 1)) === 0)).toBe(true);
  expect(page === 0).toBe(thpMode === 'never' || thpMode === 'none');
});

withHugePages.each([
  ['smaller than a huge page', () => page - 4096],
  ['one huge page', () => page],
  ['two huge pages', () => 2 * page],
  ['four and a bit', () => 4 * page + 12345],
  ['64 MiB', () => 64 << 20],
])('advice covers the whole aligned huge pages of a buffer %s', (_name, size) => {
  const bytes = size();
  const covered = native.adviseHugePages(new ArrayBuffer(bytes));
  expect(covered % page).toBe(0);
  expect(covered).toBeLessThanOrEqual(bytes);
  // At most one partial huge page is lost at each end.
  expect(covered).toBeGreaterThanOrEqual(Math.max(0, Math.floor((bytes - 2 * (page - 1)) / page) * page));
  if (bytes < page) expect(covered).toBe(0);
});

test('advice leaves a buffer zero-filled and writable', () => {
  const buffer = newCpuBuffer(HUGE_PAGE_MIN_BYTES + 8);
  const words = new Uint32Array(buffer);
  expect(words.every((w) => w === 0)).toBe(true);
  for (let i = 0; i < words.length; i += 1000) words[i] = i;
  for (let i = 0; i < words.length; i += 1000) expect(words[i]).toBe(i);
  expect(native.adviseHugePages(buffer)).toBeGreaterThanOrEqual(0); // advising twice is harmless
  expect(words[1000]).toBe(1000);
});

test('large zeros and ones have exactly their values', () => {
  const z = kiln.zeros([HUGE_PAGE_MIN_BYTES / 4 + 3]);
  const o = kiln.ones([HUGE_PAGE_MIN_BYTES / 4 + 3]);
  expect(z.sum().item()).toBe(0);
  expect(o.sum().item()).toBe(HUGE_PAGE_MIN_BYTES / 4 + 3);
  z.dispose();
  o.dispose();
});

test.each([
  ['a number', 42],
  ['a typed array', new Float32Array(4)],
  ['undefined', undefined],
])('refuses %s in place of a buffer', (_name, value) => {
  expect(() => native.adviseHugePages(value as unknown as ArrayBuffer)).toThrow(kiln.KilnError);
  expect(() => native.adviseHugePages(value as unknown as ArrayBuffer)).toThrow(/adviseHugePages: expected an ArrayBuffer/);
});

test('KILN_CPU_HUGE_PAGES takes 0, 1 or nothing, and names itself for anything else', () => {
  expect(hugePagesFromEnv(undefined)).toBe(true);
  expect(hugePagesFromEnv('')).toBe(true);
  expect(hugePagesFromEnv('1')).toBe(true);
  expect(hugePagesFromEnv('0')).toBe(false);
  expect(() => hugePagesFromEnv('yes')).toThrow(/KILN_CPU_HUGE_PAGES: expected 0 \(off\) or 1 \(on, the default\), got 'yes'/);
});

function anonHugeBytes(): number {
  const line = /AnonHugePages:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/smaps_rollup', 'utf8'));
  return line ? Number(line[1]) * 1024 : 0;
}

// Where the OS has huge pages, a 64 MiB tensor written once must be (mostly) on them. The
// kernel may fall back to small pages when memory is too fragmented to compact, so this asks
// for one huge page, not all of them.
withHugePages('a large tensor lands on huge pages', () => {
  const before = anonHugeBytes();
  const t = kiln.ones([1 << 24]);
  const after = anonHugeBytes();
  t.dispose();
  expect(after - before).toBeGreaterThanOrEqual(page);
});
