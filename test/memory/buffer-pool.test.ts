// SPDX-License-Identifier: MIT
// The CPU buffer pool: a large buffer freed by dispose() is reused by the next allocation of
// its size, zeroing allocations still see zeros, views handed out by data() are never reused,
// and the limit and emptyCache() are honoured.

import * as kiln from '../../lib';
import { MIN_POOLED_BYTES } from '../../lib/tensor/buffer-pool';

/** Elements of a float32 tensor big enough to be pooled (256 KiB). */
const N = 65536;
const BYTES = N * 4;

let savedLimit: number;
beforeEach(() => {
  savedLimit = kiln.cpu.poolLimit();
  kiln.cpu.emptyCache();
});
afterEach(() => {
  kiln.cpu.setPoolLimit(savedLimit);
  kiln.cpu.emptyCache();
});

describe('CPU buffer pool', () => {
  test('a disposed op output is pooled and its buffer comes back for the next output of that size', () => {
    const a = kiln.ones([N]);
    const b = kiln.ones([N]);
    const first = a.add(b);
    const firstBuffer = first.buffer;
    first.dispose();
    expect(kiln.memory().cpuPooledBytes).toBe(BYTES);
    const second = a.mul(b);
    expect(second.buffer).toBe(firstBuffer);
    expect(kiln.memory().cpuPooledBytes).toBe(0);
    // The reused memory holds the new result, not the old one (1 * 1, not 1 + 1).
    expect(Array.from((second.data() as Float32Array).subarray(0, 3))).toEqual([1, 1, 1]);
    [a, b, second].forEach((t) => t.dispose());
  });

  test('pooled bytes are not counted as live tensor bytes', () => {
    const before = kiln.memory();
    const t = kiln.ones([N]);
    expect(kiln.memory().cpuBytes - before.cpuBytes).toBe(BYTES);
    t.dispose();
    const after = kiln.memory();
    expect(after.cpuBytes - before.cpuBytes).toBe(0);
    expect(after.tensors - before.tensors).toBe(0);
    expect(after.cpuPooledBytes - before.cpuPooledBytes).toBe(BYTES);
  });

  test('scope() returns its temporaries to the pool', () => {
    const x = kiln.ones([N]);
    const kept = kiln.scope(() => x.add(1).mul(3).sum());
    // x.add(1) and its product are both disposed by the scope and pooled.
    expect(kiln.memory().cpuPooledBytes).toBe(2 * BYTES);
    expect(kept.item()).toBe(6 * N);
    x.dispose();
    kept.dispose();
  });

  test('zeros() on top of a dirty pooled buffer is all zeros', () => {
    const dirty = kiln.full([N], 7);
    dirty.dispose();
    expect(kiln.memory().cpuPooledBytes).toBe(BYTES);
    const z = kiln.zeros([N]);
    expect(kiln.memory().cpuPooledBytes).toBe(0);
    expect((z.data() as Float32Array).every((v) => v === 0)).toBe(true);
    z.dispose();
  });

  test('a gradient accumulated into a reused buffer starts from zero', () => {
    kiln.full([N], 5).dispose();
    const w = kiln.ones([N]).requiresGrad_();
    // sum(2 * w) has gradient 2 everywhere; stale 5s under an accumulation would show.
    w.mul(2).sum().backward();
    expect((w.grad!.data() as Float32Array).every((v) => v === 2)).toBe(true);
    w.dispose();
  });

  test('the buffer behind a data() view is never handed to another tensor', () => {
    const t = kiln.full([N], 3);
    const view = t.data() as Float32Array;
    const buffer = t.buffer;
    t.dispose();
    expect(kiln.memory().cpuPooledBytes).toBe(0);
    const next = kiln.full([N], 9);
    expect(next.buffer).not.toBe(buffer);
    // The old view was emptied when its tensor was freed, and sees none of the new data.
    expect(view.length).toBe(0);
    next.dispose();
  });

  test('toArray() and printing do not stop a buffer from being reused', () => {
    const t = kiln.ones([N]);
    t.toArray();
    String(t);
    t.dispose();
    expect(kiln.memory().cpuPooledBytes).toBe(BYTES);
  });

  test('a disposed tensor cannot reach its pooled buffer', () => {
    const t = kiln.ones([N]);
    t.dispose();
    expect(() => t.buffer).toThrow(kiln.DisposedTensorError);
    expect(() => t.add(1)).toThrow(kiln.DisposedTensorError);
  });

  test('buffers below the threshold are freed, not pooled', () => {
    kiln.ones([MIN_POOLED_BYTES / 4 - 1]).dispose();
    expect(kiln.memory().cpuPooledBytes).toBe(0);
  });

  test('the limit is honoured, evicting the buffers pooled longest ago', () => {
    kiln.cpu.setPoolLimit(2 * BYTES);
    const small = [kiln.ones([N]), kiln.ones([N]), kiln.ones([N])];
    const buffers = small.map((t) => t.buffer);
    small.forEach((t) => t.dispose());
    expect(kiln.memory().cpuPooledBytes).toBe(2 * BYTES);
    // The first one was evicted; the two most recent are reused, newest first.
    const again = [kiln.ones([N]), kiln.ones([N]), kiln.ones([N])];
    expect(again[0].buffer).toBe(buffers[2]);
    expect(again[1].buffer).toBe(buffers[1]);
    expect(again[2].buffer).not.toBe(buffers[0]);
    again.forEach((t) => t.dispose());
    // A buffer bigger than the whole limit is not kept.
    kiln.ones([3 * N]).dispose();
    expect(kiln.memory().cpuPooledBytes).toBeLessThanOrEqual(2 * BYTES);
  });

  test('lowering the limit frees buffers at once; a limit of 0 turns pooling off', () => {
    kiln.ones([N]).dispose();
    kiln.ones([2 * N]).dispose();
    expect(kiln.memory().cpuPooledBytes).toBe(3 * BYTES);
    kiln.cpu.setPoolLimit(2 * BYTES);
    expect(kiln.memory().cpuPooledBytes).toBe(2 * BYTES);
    kiln.cpu.setPoolLimit(0);
    expect(kiln.memory().cpuPooledBytes).toBe(0);
    kiln.ones([N]).dispose();
    expect(kiln.memory().cpuPooledBytes).toBe(0);
  });

  test('emptyCache() frees every pooled buffer', () => {
    kiln.ones([N]).dispose();
    kiln.ones([2 * N]).dispose();
    expect(kiln.memory().cpuPooledBytes).toBe(3 * BYTES);
    kiln.cpu.emptyCache();
    expect(kiln.memory().cpuPooledBytes).toBe(0);
  });

  test('setPoolLimit rejects a bad limit with a KilnError naming it', () => {
    expect(() => kiln.cpu.setPoolLimit(-1)).toThrow(kiln.KilnError);
    expect(() => kiln.cpu.setPoolLimit(1.5)).toThrow(/setPoolLimit.*1\.5/);
  });
});
