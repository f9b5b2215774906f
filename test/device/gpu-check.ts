// SPDX-License-Identifier: MIT
/**
 * The GPU check, runnable with nothing but node and the built files (GPU machines have no
 * jest): every op-database sample run on the CPU and on cuda:0 with the results compared
 * (tolerances per dtype below), device-model checks, a training run on both devices, then the
 * CPU-vs-CUDA benchmark table. Prints a summary and writes everything as JSON.
 *
 * Usage: node gpu-check.js [results.json] [--no-bench]
 */
import fs from 'node:fs';
import * as kiln from '../../lib';
import { runDeviceTable } from '../../bench/device-workloads';
import { materialize, OP_DB, Rng, Sample, OpEntry, seedFor } from '../ops/op-db';

const GPU = 'cuda:0';
/** CUDA vs CPU: |gpu - cpu| <= atol + rtol * |cpu|, scaled by the entry's tolerance factor. */
const TOLERANCE = { float32: { rtol: 1e-4, atol: 1e-5 }, float64: { rtol: 1e-10, atol: 1e-12 } } as const;

interface Failure {
  check: string;
  detail: string;
}
const failures: Failure[] = [];
let passed = 0;

function record(check: string, fn: () => string | null): void {
  let detail: string | null;
  try {
    detail = fn();
  } catch (e) {
    detail = `threw ${(e as Error).name}: ${(e as Error).message}`;
  }
  if (detail === null) passed++;
  else failures.push({ check, detail });
}

function values(t: kiln.Tensor): number[] {
  return Array.from(t.data() as ArrayLike<number | bigint>, Number);
}

/** Differences between a CPU and a CUDA result, or null when they agree. */
function compare(cpu: kiln.Tensor, gpu: kiln.Tensor, scale: number): string | null {
  if (gpu.device.toString() !== GPU) return `result on ${gpu.device}, expected ${GPU}`;
  if (JSON.stringify(cpu.shape) !== JSON.stringify(gpu.shape)) return `shape [${gpu.shape}] vs CPU [${cpu.shape}]`;
  if (cpu.dtype !== gpu.dtype) return `dtype ${gpu.dtype} vs CPU ${cpu.dtype}`;
  const a = values(cpu);
  const b = values(gpu);
  const tol = cpu.dtype === 'float32' || cpu.dtype === 'float64' ? TOLERANCE[cpu.dtype] : { rtol: 0, atol: 0 };
  const bad: string[] = [];
  let count = 0;
  for (let i = 0; i < a.length; i++) {
    const ok = Number.isNaN(a[i]) ? Number.isNaN(b[i]) : !Number.isFinite(a[i]) ? a[i] === b[i] : Math.abs(a[i] - b[i]) <= scale * (tol.atol + tol.rtol * Math.abs(a[i]));
    if (!ok && count++ < 4) bad.push(`[${i}] cuda ${b[i]} cpu ${a[i]}`);
  }
  return count === 0 ? null : `${count} of ${a.length} differ: ${bad.join('; ')}`;
}

function runOn(entry: OpEntry, smp: Sample, device: string): kiln.Tensor[] {
  const inputs = smp.args.map((a) => materialize(a, device));
  const out = entry.run(inputs, smp.opts);
  if (device !== 'cpu') kiln.cuda.synchronize();
  return Array.isArray(out) ? out : [out];
}

function opDatabase(): void {
  for (const entry of OP_DB) {
    for (const d of [...entry.dtypes, 'mixed' as const]) {
      for (const smp of entry.samples(d, new Rng(seedFor(`${entry.id}/${d}`)))) {
        record(`${entry.id} ${d}: ${smp.desc}`, () =>
          kiln.scope(() => {
            if (smp.error) {
              try {
                runOn(entry, smp, GPU);
              } catch (e) {
                return e instanceof kiln.KilnError ? null : `threw a non-kiln error: ${(e as Error).message}`;
              }
              return 'expected an error on CUDA as on the CPU';
            }
            const cpu = runOn(entry, smp, 'cpu');
            const gpu = runOn(entry, smp, GPU);
            if (cpu.length !== gpu.length) return `${gpu.length} outputs, CPU ${cpu.length}`;
            const problems = cpu.map((c, i) => compare(c, gpu[i], entry.tol)).filter((p) => p !== null);
            return problems.length ? problems.join(' | ') : null;
          }),
        );
      }
    }
  }
}

function deviceModel(): void {
  record('moves keep values (all dtypes)', () => {
    for (const dtype of ['float32', 'float64', 'int32', 'int64', 'bool'] as kiln.DType[]) {
      const x = kiln.tensor([[1, 0, 3], [0, 5, 0]], { dtype }).transpose(0, 1);
      const back = x.to(GPU).cpu();
      if (JSON.stringify(back.toArray()) !== JSON.stringify(x.toArray())) return `${dtype}: ${JSON.stringify(back.toArray())}`;
    }
    return null;
  });
  record('mixed devices throw DeviceError', () => {
    try {
      kiln.ones([2], { device: GPU }).add(kiln.ones([2]));
    } catch (e) {
      return e instanceof kiln.DeviceError ? null : `threw ${(e as Error).name}`;
    }
    return 'no error';
  });
  record('a kernel index error surfaces at synchronize', () => {
    try {
      kiln.ones([4], { device: GPU }).indexSelect(0, kiln.tensor([7], { dtype: 'int64', device: GPU }));
      kiln.cuda.synchronize();
    } catch (e) {
      return e instanceof kiln.KilnError && /7/.test((e as Error).message) ? null : `threw ${(e as Error).message}`;
    }
    return 'no error';
  });
  record('same seed, same numbers on CPU and CUDA', () => {
    kiln.manualSeed(5);
    const a = kiln.rand([1000]).toArray() as number[];
    kiln.manualSeed(5);
    const b = kiln.rand([1000], { device: GPU }).toArray() as number[];
    return JSON.stringify(a) === JSON.stringify(b) ? null : 'streams differ';
  });
  record('allocator reuses freed blocks', () => {
    for (let i = 0; i < 3; i++) kiln.empty([1 << 22], { device: GPU }).dispose();
    const before = kiln.cuda.memoryStats().cudaMallocs;
    for (let i = 0; i < 100; i++) kiln.empty([1 << 22], { device: GPU }).dispose();
    const after = kiln.cuda.memoryStats().cudaMallocs;
    return after === before ? null : `${after - before} new cudaMallocs`;
  });
}

function training(): Record<string, number> {
  const result: Record<string, number> = {};
  for (const device of ['cpu', GPU]) {
    const data = kiln.datasets.breastCancer();
    const split = kiln.data.trainTestSplit([data.features, data.labels], { testSize: 0.25, stratify: data.labels, seed: 0 });
    const scaler = new kiln.data.StandardScaler().fit(split.train[0]);
    const x = scaler.transform(split.train[0]).to(device);
    const y = split.train[1].to(device);
    const g = new kiln.Generator(3);
    const net = new kiln.nn.Sequential(new kiln.nn.Linear(30, 32, { generator: g }), new kiln.nn.ReLU(), new kiln.nn.Linear(32, 2, { generator: g })).to(device);
    const opt = new kiln.optim.Adam(net.parameters(), { lr: 0.01 });
    for (let i = 0; i < 60; i++)
      kiln.scope(() => {
        opt.zeroGrad();
        kiln.nn.functional.crossEntropy(net.call(x), y).backward();
        opt.step();
      });
    const xt = scaler.transform(split.test[0]).to(device);
    const yt = split.test[1].to(device);
    result[device] = kiln.noGrad(() => (net.call(xt).argmax(1).eq(yt).sum().item() as number) / yt.numel());
  }
  record('training reaches the CPU accuracy on CUDA', () => (Math.abs(result[GPU] - result.cpu) <= 0.015 ? null : `cuda ${result[GPU]} cpu ${result.cpu}`));
  return result;
}

function main(): void {
  const out = process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : 'gpu-check.json';
  if (!kiln.cuda.isAvailable()) {
    console.log(`no CUDA device: ${JSON.stringify(kiln.backend.info())}`);
    process.exit(1);
  }
  const props = kiln.cuda.getDeviceProperties(0);
  console.log(`${props.name} (sm_${props.major}${props.minor}, ${props.multiProcessorCount} SMs, ${(props.totalMemory / 2 ** 30).toFixed(1)} GiB), ${props.versions}`);
  const t0 = Date.now();
  opDatabase();
  console.log(`op database: ${passed} passed, ${failures.length} failed (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  deviceModel();
  const accuracy = training();
  console.log(`training accuracy: cpu ${accuracy.cpu}, cuda ${accuracy[GPU]}`);
  for (const f of failures.slice(0, 60)) console.log(`FAIL ${f.check}: ${f.detail}`);
  const bench = process.argv.includes('--no-bench') ? null : runDeviceTable(['cpu', GPU]);
  if (bench)
    for (const r of bench)
      console.log(`${r.name.padEnd(50)} cpu ${r.values.cpu.toFixed(2).padStart(10)} cuda ${r.values[GPU].toFixed(2).padStart(10)} ${r.unit}`);
  fs.writeFileSync(out, JSON.stringify({ device: props, passed, failures, accuracy, bench }, null, 2));
  console.log(`${passed} passed, ${failures.length} failed`);
}

main();
