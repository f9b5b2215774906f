// SPDX-License-Identifier: MIT
/**
 * `npm run bench`: kiln's CPU benchmark suite. Prints a table and writes JSON to
 * bench/results/. With `--compare torch`, runs bench/torch_peer.py in the same session and
 * prints kiln/PyTorch ratios (>= 1 means kiln is at least as fast).
 *
 * When a CUDA device is present, a second table puts the CPU and each GPU side by side.
 *
 * Options: --compare torch, --rounds N (default 3 with --compare, else 1), --threads N,
 * --quick (skip N=2048), --out FILE, --cuda-only.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as kiln from '../lib';
import { cpuSuite } from './suite';
import { TorchPeer } from './torch-peer';
import type { Result } from './workloads';
import { DeviceRow, runDeviceTable } from './device-workloads';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
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

/** How long each side's threads are given to go idle before the other side measures. */
const SETTLE_MS = 250;
const settle = () => new Promise((resolve) => setTimeout(resolve, SETTLE_MS));

function printResult(r: Result): void {
  console.log(`  ${r.name.padEnd(52)} ${r.value.toFixed(2).padStart(9)} ${r.unit}`);
}

/** The better of several measurements (the highest rate, or the least time). */
function best(values: number[], higherIsBetter: boolean): number {
  return higherIsBetter ? Math.max(...values) : Math.min(...values);
}

/** --rounds N: how many times each workload runs; 3 by default with a peer to compare, else 1. */
function roundsArg(compare: boolean): number {
  const given = arg('rounds');
  const rounds = given === undefined ? (compare ? 3 : 1) : Number(given);
  if (!Number.isSafeInteger(rounds) || rounds < 1) throw new Error(`--rounds: expected a positive integer, got '${given}'`);
  return rounds;
}

/**
 * The shares of copy bandwidth and of peak FMA rate that the issue's targets are stated in,
 * from each workload's median round: one round of a burst of bandwidth on this kind of host
 * would otherwise set the copy figure for the best-of table and understate every share.
 */
function printShares(rounds: Result[][], threads: number): void {
  const value = (name: string) => {
    const values = rounds.map((round) => round.find((r) => r.name === name)?.value ?? NaN).sort((a, b) => a - b);
    return values.length === 0 ? NaN : values[Math.floor(values.length / 2)];
  };
  const results = rounds[0] ?? [];
  if (rounds.length > 1) console.log(`  (shares from each workload's median of ${rounds.length} rounds)`);
  const copy = value('copy 2^24 float32 (plain copy, read+write)');
  const fresh = results.filter((r) => r.name.includes('fresh output'));
  console.log(`  add (existing output) / copy bandwidth: ${(value('add 2^24 float32 into existing output (a.add_(b))') / copy).toFixed(2)}; sum / copy: ${(value('sum 2^24 float32') / copy).toFixed(2)}`);
  console.log(`  fresh outputs / copy bandwidth: ${fresh.map((r) => `${r.name.split(' ')[0]} ${(r.value / copy).toFixed(2)}`).join(', ')}`);
  for (const t of threads === 1 ? [1] : [threads, 1]) {
    const mm = value(`matmul float32 N=2048, ${t} thread(s)`);
    if (!Number.isNaN(mm)) console.log(`  matmul N=2048 / peak FMA: ${((100 * mm) / value(`peak FMA float32, ${t} thread(s)`)).toFixed(1)}% (${t} thread(s))`);
  }
}

async function main(): Promise<void> {
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
  const compare = arg('compare') === 'torch';
  const rounds = roundsArg(compare);
  const peer = compare ? TorchPeer.start(threads) : null;
  console.log(`kiln CPU benchmarks (${threads} thread(s), ${os.cpus()[0]?.model ?? 'unknown CPU'}, addon: ${kiln.backend.info().variant}${rounds > 1 ? `, best of ${rounds} rounds` : ''})`);
  // Each workload runs `rounds` times, alternating with the peer's run of it: the memory
  // bandwidth and CPU time this shared kind of host gives a process drift from second to
  // second, and alternating closely lets both sides meet the same conditions. Each side keeps
  // its best round, and the JSON keeps every round.
  const results: Result[] = [];
  const torch: Record<string, number> = {};
  const rawRounds: Array<{ key: string; kiln: Result[][]; torch: Record<string, number>[] }> = [];
  try {
    for (const step of cpuSuite(threads, process.argv.includes('--quick'))) {
      const raw = { key: step.key, kiln: [] as Result[][], torch: [] as Record<string, number>[] };
      for (let round = 0; round < rounds; round++) {
        // PyTorch's OpenMP and OpenBLAS threads poll for a while after their last job (up to
        // ~0.1 s), on the cores kiln is about to use; kiln's own pool polls for 100 us. Both
        // sides start from the same pause.
        if (peer) await settle();
        raw.kiln.push(step.run());
        if (peer) {
          await settle();
          raw.torch.push(await peer.run(step.key));
        }
      }
      rawRounds.push(raw);
      raw.kiln[0].forEach((r, i) => {
        const merged = { ...r, value: best(raw.kiln.map((round) => round[i].value), r.higherIsBetter) };
        results.push(merged);
        printResult(merged);
        if (raw.torch.length > 0 && raw.torch[0][r.name] !== undefined)
          torch[r.name] = best(raw.torch.map((round) => round[r.name]), r.higherIsBetter);
      });
    }
  } finally {
    peer?.close();
  }
  // Round r of every workload, as one list.
  printShares(Array.from({ length: rounds }, (_, r) => rawRounds.flatMap((raw) => raw.kiln[r])), threads);
  if (peer) {
    console.log(`\nkiln vs PyTorch (same machine, same run, each workload alternating${rounds > 1 ? `, best of ${rounds} rounds each` : ''}; ratio >= 1 means kiln is as fast or faster)`);
    for (const r of results) {
      const t = torch[r.name];
      if (t === undefined) continue;
      const ratio = r.higherIsBetter ? r.value / t : t / r.value;
      console.log(`  ${r.name.padEnd(52)} kiln ${r.value.toFixed(2).padStart(9)}  torch ${t.toFixed(2).padStart(9)} ${r.unit.padEnd(8)} ratio ${ratio.toFixed(2)}`);
    }
  }
  const devices = deviceTable();
  const out = arg('out') ?? path.join(__dirname, '..', '..', 'bench', 'results', `cpu-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const record = { date: new Date().toISOString(), threads, cpu: os.cpus()[0]?.model, rounds, results, torch: peer ? torch : null, rounds_raw: rawRounds, devices };
  fs.writeFileSync(out, JSON.stringify(record, null, 2));
  console.log(`\nwrote ${path.relative(process.cwd(), out)}`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
