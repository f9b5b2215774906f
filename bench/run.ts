// SPDX-License-Identifier: MIT
/**
 * `npm run bench`: kiln's CPU benchmark suite. Prints a table and writes JSON to
 * bench/results/. With `--compare torch`, runs bench/torch_peer.py in the same session and
 * prints kiln/PyTorch ratios (>= 1 means kiln is at least as fast).
 *
 * When a CUDA device is present, a second table puts the CPU and each GPU side by side.
 *
 * Options: --compare torch, --threads N, --quick (skip N=2048), --out FILE, --cuda-only.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as kiln from '../lib';
import * as w from './workloads';
import * as d from './data-workloads';
import * as more from './more-workloads';
import { DeviceRow, runDeviceTable } from './device-workloads';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function runTorch(threads: number): Record<string, number> | null {
  const python = ['python3', '/usr/bin/python3'].find((py) => spawnSync(py, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0);
  if (!python) {
    console.warn('--compare torch: no Python with torch found (apt-get install -y python3-torch libopenblas0-pthread)');
    return null;
  }
  const r = spawnSync(python, [path.join(__dirname, '..', '..', 'bench', 'torch_peer.py'), String(threads)], { encoding: 'utf8' });
  if (r.status !== 0) {
    console.warn(`torch peer failed: ${r.stderr}`);
    return null;
  }
  return JSON.parse(r.stdout) as Record<string, number>;
}

/** The CPU-vs-CUDA table, when this build and machine have a CUDA device. */
function deviceTable(): DeviceRow[] | null {
  if (!kiln.cuda.isAvailable()) {
    console.log(`\nCPU vs CUDA: skipped (${kiln.cuda.deviceCount() === 0 ? 'no CUDA device' : 'unavailable'}; addon: ${kiln.backend.info().variant})`);
    return null;
  }
  const devices = ['cpu', ...Array.from({ length: kiln.cuda.deviceCount() }, (_, i) => `cuda:${i}`)];
  const props = kiln.cuda.getDeviceProperties(0);
  console.log(`\nCPU vs CUDA (${props.name}, ${props.versions}); speedup = device / CPU`);
  const rows = runDeviceTable(devices);
  for (const r of rows) {
    const cells = devices.map((d) => `${d} ${(Number.isNaN(r.values[d]) ? '-' : r.values[d].toFixed(2)).padStart(10)}`).join('  ');
    const speedup = devices.slice(1).map((d) => (r.higherIsBetter ? r.values[d] / r.values.cpu : r.values.cpu / r.values[d]).toFixed(1)).join(', ');
    console.log(`  ${r.name.padEnd(48)} ${cells} ${r.unit.padEnd(8)}${Number.isNaN(r.values.cpu) ? '' : ` speedup ${speedup}`}`);
  }
  return rows;
}

function main(): void {
  const threads = Number(arg('threads') ?? kiln.getNumThreads());
  kiln.setNumThreads(threads);
  kiln.manualSeed(0);
  if (process.argv.includes('--cuda-only')) {
    const rows = deviceTable();
    const out = arg('out') ?? path.join(__dirname, '..', '..', 'bench', 'results', `cuda-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), threads, cpu: os.cpus()[0]?.model, devices: rows }, null, 2));
    return;
  }
  const quick = process.argv.includes('--quick');
  const results: w.Result[] = [];
  const record = (r: w.Result) => {
    results.push(r);
    console.log(`  ${r.name.padEnd(52)} ${r.value.toFixed(2).padStart(9)} ${r.unit}`);
  };
  console.log(`kiln CPU benchmarks (${threads} thread(s), ${os.cpus()[0]?.model ?? 'unknown CPU'}, addon: ${kiln.backend.info().variant})`);
  for (const n of quick ? [128, 512, 1024] : [128, 512, 1024, 2048]) record(w.matmul(n, threads));
  if (!quick && threads !== 1) record(w.matmul(2048, 1));
  // The ceiling for matmul, on the same thread counts (shares printed after the table).
  const threadCounts = threads === 1 ? [1] : [threads, 1];
  const peaks = threadCounts.map((t) => w.peakFma(t));
  peaks.forEach(record);
  const copy = w.copyBandwidth();
  record(copy);
  const addIn = w.addInPlace();
  record(addIn);
  const fresh = [w.addFresh(), ...w.otherElementwiseFresh()];
  fresh.forEach(record);
  const sum = w.sum();
  record(sum);
  record(w.softmax());
  record(more.logSoftmax());
  for (const r of more.reductions()) record(r);
  record(more.batchedMatmul());
  record(more.transposedMatmul());
  record(w.perOpOverhead());
  record(more.perOpOverheadWithGrad());
  record(w.mlpTrainStep());
  record(w.optimizerStep());
  record(d.dataLoaderEpoch());
  record(d.safetensorsRoundTrip());
  console.log(`  add (existing output) / copy bandwidth: ${(addIn.value / copy.value).toFixed(2)}; sum / copy: ${(sum.value / copy.value).toFixed(2)}`);
  console.log(`  fresh outputs / copy bandwidth: ${fresh.map((r) => `${r.name.split(' ')[0]} ${(r.value / copy.value).toFixed(2)}`).join(', ')}`);
  threadCounts.forEach((t, i) => {
    const mm = results.find((r) => r.name === `matmul float32 N=2048, ${t} thread(s)`);
    if (mm) console.log(`  matmul N=2048 / peak FMA: ${((100 * mm.value) / peaks[i].value).toFixed(1)}% (${t} thread(s))`);
  });

  let torch: Record<string, number> | null = null;
  if (arg('compare') === 'torch') {
    torch = runTorch(threads);
    if (torch) {
      console.log('\nkiln vs PyTorch (same machine, same run; ratio >= 1 means kiln is as fast or faster)');
      for (const r of results) {
        const t = torch[r.name];
        if (t === undefined) continue;
        const ratio = r.higherIsBetter ? r.value / t : t / r.value;
        console.log(`  ${r.name.padEnd(52)} kiln ${r.value.toFixed(2).padStart(9)}  torch ${t.toFixed(2).padStart(9)} ${r.unit.padEnd(8)} ratio ${ratio.toFixed(2)}`);
      }
    }
  }
  const devices = deviceTable();
  const out = arg('out') ?? path.join(__dirname, '..', '..', 'bench', 'results', `cpu-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), threads, cpu: os.cpus()[0]?.model, results, torch, devices }, null, 2));
  console.log(`\nwrote ${path.relative(process.cwd(), out)}`);
}

main();
