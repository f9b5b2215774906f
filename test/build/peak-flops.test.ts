// SPDX-License-Identifier: MIT
// The peak-FMA measurement behind the benchmark's "matmul / peak FMA" share: a finite positive
// rate, and a clear error for arguments it cannot honour. Not a timed test: nothing here
// depends on how fast the machine is.
import * as kiln from '../../lib';
import { cpuPeakGflops } from '../../lib/backend/peak-flops';

test('returns a finite positive GFLOP/s figure', () => {
  const g = cpuPeakGflops(1, 0.01);
  expect(Number.isFinite(g)).toBe(true);
  expect(g).toBeGreaterThan(0);
});

test('runs on every pool thread at once', () => {
  const g = cpuPeakGflops(kiln.getNumThreads(), 0.01);
  expect(Number.isFinite(g)).toBe(true);
  expect(g).toBeGreaterThan(0);
});

test.each([
  ['no thread', 0, 0.1, /threads must be from 1 to the thread pool's size .*got 0/],
  ['a negative thread count', -1, 0.1, /threads must be from 1/],
  ['more threads than the pool has', 100000, 0.1, /threads must be from 1 to the thread pool's size/],
  ['a fractional thread count', 1.5, 0.1, /argument 0 must be an integer, got 1.5/],
  ['no time', 1, 0, /seconds must be in \(0, 10\], got 0/],
  ['a negative time', 1, -1, /seconds must be in \(0, 10\], got -1/],
  ['more than 10 seconds', 1, 10.5, /seconds must be in \(0, 10\], got 10.5/],
  ['NaN seconds', 1, NaN, /seconds must be in \(0, 10\], got nan/],
  ['a string', '1' as unknown as number, 0.1, /argument 0 must be a number/],
])('refuses %s', (_name, threads, seconds, message) => {
  expect(() => cpuPeakGflops(threads, seconds)).toThrow(kiln.KilnError);
  expect(() => cpuPeakGflops(threads, seconds)).toThrow(message);
});
