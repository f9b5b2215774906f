// SPDX-License-Identifier: MIT
/**
 * Native memory must stay bounded without any manual call: a long synchronous loop that makes
 * and drops 1 MB tensors (20 GB in all) keeps the process's resident memory under 1 GB,
 * because tensor memory is visible to V8's garbage collector.
 */
import * as kiln from '../../lib';

const MB_FLOATS = (1024 * 1024) / 4;

test('20,000 temporary 1 MB tensors keep resident memory under 1 GB', () => {
  const a = kiln.rand([MB_FLOATS]);
  const b = kiln.rand([MB_FLOATS]);
  let peak = process.memoryUsage().rss;
  let checksum = 0;
  for (let i = 0; i < 20000; i++) {
    const c = a.add(b); // a fresh 1 MB output, dropped at once
    if (i % 1000 === 0) {
      checksum += Number(c.index(0).item());
      peak = Math.max(peak, process.memoryUsage().rss);
    }
  }
  peak = Math.max(peak, process.memoryUsage().rss);
  expect(checksum).toBeGreaterThan(0);
  expect(peak).toBeLessThan(1024 * 1024 * 1024);
});

test('dispose frees storage at once, so memory() returns to its baseline', () => {
  const before = kiln.memory();
  const ts = Array.from({ length: 50 }, () => kiln.zeros([MB_FLOATS]));
  const during = kiln.memory();
  expect(during.storages - before.storages).toBe(50);
  expect(during.cpuBytes - before.cpuBytes).toBe(50 * 1024 * 1024);
  for (const t of ts) t.dispose();
  const after = kiln.memory();
  expect(after.storages).toBe(before.storages);
  expect(after.cpuBytes).toBe(before.cpuBytes);
  expect(after.tensors).toBe(before.tensors);
});
