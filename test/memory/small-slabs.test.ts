// SPDX-License-Identifier: MIT
/**
 * Small CPU tensors (up to 256 bytes) share 16 KiB slabs instead of having an ArrayBuffer
 * each: their offsets stay PyTorch's (from their own storage's start), they never see each
 * other's data, released chunks are reused (zeroed where asked), chunks handed out by data()
 * are not, and memory stays bounded without dispose().
 */
import * as kiln from '../../lib';

/** Lets the collector report what it freed (finalizers run between tasks). */
async function collect(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc (npm test does)');
  for (let i = 0; i < 6; i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    gc();
  }
  await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('small tensors share slabs', () => {
  test('two small tensors live in one buffer at different places, each with offset 0', () => {
    const a = kiln.tensor([1, 2, 3, 4]);
    const b = kiln.full([4], 7);
    expect(a.offset).toBe(0);
    expect(b.offset).toBe(0);
    expect(a.storage.buffer).toBe(b.storage.buffer);
    expect(a.storage.byteOffset).not.toBe(b.storage.byteOffset);
    expect(a.storage.byteOffset % 16).toBe(0);
    a.add_(1);
    expect(a.toArray()).toEqual([2, 3, 4, 5]);
    expect(b.toArray()).toEqual([7, 7, 7, 7]);
  });

  test('a tensor above 256 bytes has a buffer of its own', () => {
    const t = kiln.zeros([65]);
    expect(t.storage.byteOffset).toBe(0);
    expect((t.storage.buffer as ArrayBuffer).byteLength).toBe(260);
  });

  test('ops, views and dtypes read and write the right bytes at slab offsets', () => {
    const x = kiln.arange(12, { dtype: 'float64' }).reshape(3, 4);
    const y = kiln.ones([3, 4], { dtype: 'float64' });
    expect(x.t().add(y.t()).toArray()).toEqual([
      [1, 5, 9],
      [2, 6, 10],
      [3, 7, 11],
      [4, 8, 12],
    ]);
    expect(x.narrow(1, 1, 2).sum().item()).toBe(1 + 2 + 5 + 6 + 9 + 10);
    expect(x.float().matmul(kiln.ones([4, 1])).toArray()).toEqual([[6], [22], [38]]);
    expect(kiln.tensor([true, false, true]).int().toArray()).toEqual([1, 0, 1]);
    const d = x.data() as Float64Array;
    expect(Array.from(d)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(d.byteOffset).toBe(x.storage.byteOffset);
    expect(x.index(2).index(3).item()).toBe(11);
  });

  test('a view cannot reach past its own storage into a neighbour in the slab', () => {
    const a = kiln.ones(4);
    const neighbour = kiln.full([4], 7);
    expect(() => a.asStrided([5], [1])).toThrow(kiln.ShapeError);
    expect(() => a.asStrided([2], [1], 3)).toThrow(/reaches element 4 of a storage holding 4 elements of float32/);
    expect(() => a.asStrided([2], [4], 0)).toThrow(kiln.ShapeError);
    expect(() => a.asStrided([1], [1], -1)).toThrow(kiln.ShapeError);
    expect(a.asStrided([2], [3], 0).toArray()).toEqual([1, 1]);
    expect(a.asStrided([0], [1], 4).numel()).toBe(0);
    expect(neighbour.toArray()).toEqual([7, 7, 7, 7]);
  });

  test('a disposed chunk is handed out again, zeroed when zeros are asked for', () => {
    const a = kiln.full([3], 5);
    const where = [a.storage.buffer, a.storage.byteOffset];
    a.dispose();
    const b = kiln.zeros([3]);
    expect(b.storage.buffer).toBe(where[0]);
    expect(b.storage.byteOffset).toBe(where[1]);
    expect(b.toArray()).toEqual([0, 0, 0]);
  });

  test('kiln.cpu.emptyCache() forgets the freed chunks', () => {
    const a = kiln.full([3], 5);
    const where = [a.storage.buffer, a.storage.byteOffset];
    a.dispose();
    kiln.cpu.emptyCache();
    const b = kiln.zeros([3]);
    expect(b.storage.buffer === where[0] && b.storage.byteOffset === where[1]).toBe(false);
  });

  test('a chunk handed out by data() is never reused', () => {
    const a = kiln.full([3], 5);
    const view = a.data() as Float32Array;
    const where = a.storage.byteOffset;
    a.dispose();
    const others = Array.from({ length: 8 }, () => kiln.full([3], 9));
    expect(others.every((t) => t.storage.byteOffset !== where || t.storage.buffer !== view.buffer)).toBe(true);
    expect(Array.from(view)).toEqual([5, 5, 5]);
  });

  test('disposing counts the tensor out at once; its slab stays counted while in use', () => {
    const before = kiln.memory();
    const t = kiln.ones(4);
    expect(kiln.memory().tensors - before.tensors).toBe(1);
    t.dispose();
    expect(kiln.memory().tensors - before.tensors).toBe(0);
  });

  test('slabs whose small tensors were all dropped are collected and leave the counts', async () => {
    await collect();
    const before = kiln.memory();
    // About 32 slabs' worth of 16-byte tensors, none disposed.
    let kept: kiln.Tensor[] = Array.from({ length: 32 * 1024 }, () => kiln.zeros(4));
    const during = kiln.memory();
    expect(during.storages - before.storages).toBeGreaterThanOrEqual(31);
    expect(during.cpuBytes - before.cpuBytes).toBeGreaterThanOrEqual(31 * 16 * 1024);
    expect(during.tensors - before.tensors).toBe(32 * 1024);
    kept = [];
    await collect();
    const after = kiln.memory();
    expect(kept.length).toBe(0);
    expect(after.storages - before.storages).toBeLessThanOrEqual(2);
    expect(after.tensors - before.tensors).toBeLessThan(2048);
  });

  test('a long synchronous loop of small ops without dispose keeps memory bounded', () => {
    // 64 float32 = 256 bytes, the largest size slabs serve: 1,000,000 results would hold 256 MB
    // of slab memory if the collector did not free slabs during the loop. (V8 collects when
    // external memory has grown by about 64 MB, so the peak sits near that.)
    const a = kiln.rand([64]);
    const b = kiln.rand([64]);
    const start = process.memoryUsage().arrayBuffers;
    let peak = 0;
    for (let i = 0; i < 1_000_000; i++) {
      a.add(b);
      if (i % 20_000 === 0) peak = Math.max(peak, process.memoryUsage().arrayBuffers - start);
    }
    expect(peak).toBeLessThan(160 * 1024 * 1024);
  });
});
