// SPDX-License-Identifier: MIT
// The device model. Without a GPU: CUDA reports itself unavailable with its reason, and every
// way of reaching a CUDA device fails with one clear DeviceError while the CPU keeps working.
// With a GPU: moves (every dtype, strided views), device mismatches, JS scalars, module.to,
// asynchronous kernel errors, the caching allocator and GC release, the shared random streams.
import * as kiln from '../../lib';
import { native } from '../../lib/backend/binding';
import { describeGpu, GPU, HAS_GPU } from './gpu';

const { nn } = kiln;

(HAS_GPU ? describe.skip : describe)('without a CUDA device', () => {
  test('CUDA reports itself unavailable, with a reason', () => {
    expect(kiln.cuda.isAvailable()).toBe(false);
    expect(kiln.cuda.deviceCount()).toBe(0);
    const info = native.cudaInfo();
    expect(typeof info.error).toBe('string');
    expect(info.error!.length).toBeGreaterThan(0);
  });

  test.each([
    ['creating a tensor on cuda', () => kiln.zeros([2], { device: 'cuda' }), /^zeros|^tensor: cannot create a tensor on cuda:0: CUDA is not available/],
    ['kiln.tensor on cuda:1', () => kiln.tensor([1, 2], { device: 'cuda:1' }), /cannot create a tensor on cuda:1: CUDA is not available/],
    ['.cuda()', () => kiln.ones([3]).cuda(), /^to: cannot move a tensor from cpu to cuda:0: CUDA is not available/],
    ['.to("cuda")', () => kiln.ones([3]).to('cuda'), /from cpu to cuda:0/],
    ['randn on cuda', () => kiln.randn([2], { device: 'cuda' }), /cannot create a tensor on cuda:0/],
    ['module.to("cuda")', () => new nn.Linear(2, 2).to('cuda'), /cannot move a tensor from cpu to cuda:0/],
    ['memoryAllocated', () => kiln.cuda.memoryAllocated(), /^cuda.memoryAllocated: cannot use cuda:0: CUDA is not available/],
    ['getDeviceName', () => kiln.cuda.getDeviceName(0), /cannot use cuda:0/],
  ])('%s throws DeviceError', (_name, fn, message) => {
    let err: unknown;
    try {
      fn();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(kiln.DeviceError);
    expect((err as Error).message).toMatch(message);
  });

  test('a failed move leaves the module usable on the CPU', () => {
    const net = new nn.Linear(2, 1);
    const before = net.weight.toArray();
    expect(() => net.to('cuda')).toThrow(kiln.DeviceError);
    expect(net.weight.device.toString()).toBe('cpu');
    expect(net.weight.toArray()).toEqual(before);
    expect(net.call(kiln.ones([1, 2])).shape).toEqual([1, 1]);
  });

  test('synchronize and emptyCache are no-ops', () => {
    expect(() => kiln.cuda.synchronize()).not.toThrow();
    expect(() => kiln.cuda.emptyCache()).not.toThrow();
  });
});

describe('settings', () => {
  test('allowTf32 is off by default and can be switched', () => {
    expect(kiln.backends.cuda.matmul.allowTf32).toBe(false);
    kiln.backends.cuda.matmul.allowTf32 = true;
    expect(kiln.backends.cuda.matmul.allowTf32).toBe(true);
    kiln.backends.cuda.matmul.allowTf32 = false;
    expect(kiln.backends.cuda.matmul.allowTf32).toBe(false);
  });

  test('a bad device string is a DeviceError', () => {
    expect(() => kiln.zeros([1], { device: 'gpu' })).toThrow(kiln.DeviceError);
  });
});

describeGpu('CUDA device model', () => {
  const DTYPES: kiln.DType[] = ['float32', 'float64', 'int32', 'int64', 'bool'];

  test.each(DTYPES)('%s round trip cpu -> cuda -> cpu keeps every value', (dtype) => {
    const values = dtype === 'bool' ? [[true, false, true], [false, false, true]] : [[1, -2, 3], [2 ** 24 - 1, 0, -7]];
    const x = kiln.tensor(values, { dtype });
    const g = x.to(GPU);
    expect(g.device.toString()).toBe(GPU);
    expect(g.dtype).toBe(dtype);
    expect(g.toArray()).toEqual(values);
    expect(g.cpu().toArray()).toEqual(values);
    expect(g.cpu().device.toString()).toBe('cpu');
  });

  test('strided views move as their logical values', () => {
    const x = kiln.arange(24, { dtype: 'float64' }).reshape([2, 3, 4]);
    const view = x.transpose(0, 2).narrow(1, 1, 2);
    expect(view.cuda().toArray()).toEqual(view.toArray());
    // A strided view of a GPU tensor reads back the same way.
    const onGpu = x.cuda().transpose(0, 2).narrow(1, 1, 2);
    expect(onGpu.toArray()).toEqual(view.toArray());
    expect(onGpu.contiguous().cpu().toArray()).toEqual(view.toArray());
  });

  test('item, data and printing read from the device', () => {
    const g = kiln.tensor([[1.5, 2], [3, 4]], { device: GPU });
    expect(g.index(1, 0).item()).toBe(3);
    expect(Array.from(g.data() as Float32Array)).toEqual([1.5, 2, 3, 4]);
    expect(g.toString()).toContain("device='cuda:0'");
  });

  test('ops on tensors on different devices throw DeviceError naming both', () => {
    const a = kiln.ones([2], { device: GPU });
    const b = kiln.ones([2]);
    expect(() => a.add(b)).toThrow(kiln.DeviceError);
    expect(() => a.add(b)).toThrow(/cuda:0.*cpu|cpu.*cuda:0/);
    expect(() => kiln.matmul(kiln.ones([2, 2]), kiln.ones([2, 2], { device: GPU }))).toThrow(kiln.DeviceError);
  });

  test('a JS number works with a tensor on any device', () => {
    const a = kiln.tensor([1, 2, 3], { device: GPU });
    expect(a.mul(2).add(1).toArray()).toEqual([3, 5, 7]);
    expect(kiln.where(a.gt(1.5), a, 0).toArray()).toEqual([0, 2, 3]);
  });

  test('module.to moves parameters in place, so an optimizer made before still trains them', () => {
    const net = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 1));
    const params = net.parameters();
    const opt = new kiln.optim.Adam(params, { lr: 0.01 });
    net.to(GPU);
    const after = net.parameters();
    after.forEach((p, i) => {
      expect(p).toBe(params[i]);
      expect(p.device.toString()).toBe(GPU);
    });
    const x = kiln.randn([8, 3], { device: GPU });
    const loss = net.call(x).square().mean();
    loss.backward();
    opt.step();
    for (const p of after) expect(p.grad!.device.toString()).toBe(GPU);
  });

  test('an out-of-range index found by a kernel surfaces as CudaError at the next synchronization', () => {
    const x = kiln.ones([4, 2], { device: GPU });
    const bad = kiln.tensor([0, 9], { dtype: 'int64', device: GPU });
    let err: unknown;
    try {
      x.indexSelect(0, bad);
      kiln.cuda.synchronize();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(kiln.KilnError);
    expect((err as Error).message).toMatch(/9/);
    // The device is still usable afterwards.
    expect(x.sum().item()).toBe(8);
  });

  test('the same seed gives the same numbers on the CPU and on CUDA', () => {
    kiln.manualSeed(1234);
    const cpu = kiln.randn([1000]).toArray() as number[];
    const u = kiln.rand([257]).toArray() as number[];
    kiln.manualSeed(1234);
    const gpu = kiln.randn([1000], { device: GPU }).toArray() as number[];
    const ug = kiln.rand([257], { device: GPU }).toArray() as number[];
    gpu.forEach((v, i) => expect(Math.abs(v - cpu[i])).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(cpu[i]))));
    expect(ug).toEqual(u);
    kiln.manualSeed(7);
    const p = kiln.randperm(100).toArray();
    kiln.manualSeed(7);
    expect(kiln.randperm(100, { device: GPU }).toArray()).toEqual(p);
  });

  test('dispose returns memory to the allocator, which reuses it without new cudaMallocs', () => {
    kiln.cuda.synchronize();
    const base = kiln.cuda.memoryAllocated();
    const t = kiln.empty([1 << 20], { device: GPU });
    expect(kiln.cuda.memoryAllocated()).toBeGreaterThanOrEqual(base + 4 * (1 << 20));
    expect(kiln.memory().cudaBytes).toBeGreaterThanOrEqual(4 * (1 << 20));
    t.dispose();
    expect(kiln.cuda.memoryAllocated()).toBe(base);
    const mallocs = kiln.cuda.memoryStats().cudaMallocs;
    for (let i = 0; i < 50; i++) kiln.empty([1 << 20], { device: GPU }).dispose();
    expect(kiln.cuda.memoryStats().cudaMallocs).toBe(mallocs);
    expect(kiln.cuda.memoryReserved()).toBeGreaterThanOrEqual(kiln.cuda.memoryAllocated());
  });

  test('tensors dropped without dispose are freed by garbage collection', async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (!gc) throw new Error('run jest with node --expose-gc');
    kiln.cuda.synchronize();
    const base = kiln.cuda.memoryAllocated();
    (() => {
      for (let i = 0; i < 20; i++) kiln.ones([1 << 18], { device: GPU }).mul(2);
    })();
    for (let i = 0; i < 5 && kiln.cuda.memoryAllocated() > base; i++) {
      gc();
      await new Promise((r) => setImmediate(r));
    }
    expect(kiln.cuda.memoryAllocated()).toBe(base);
  });
});
