// SPDX-License-Identifier: MIT
// The two addons (CPU: build/Release/kiln.node; CUDA-capable: build-cuda/Release/kiln_cuda.node)
// export the same functions, and the loader picks the CUDA-capable one unless KILN_BACKEND=cpu.
// Checks that need the CUDA build are skipped, saying so, where it was not built.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as kiln from '../../lib';

const root = path.resolve(__dirname, '..', '..');
const CPU_ADDON = path.join(root, 'build', 'Release', 'kiln.node');
const CUDA_ADDON = path.join(root, 'build-cuda', 'Release', 'kiln_cuda.node');
const haveCuda = fs.existsSync(CUDA_ADDON);
if (!haveCuda) console.log('skipping the CUDA-build checks: build-cuda/Release/kiln_cuda.node was not built (npm run build:cuda)');

/** The sorted export names of an addon, loaded in a child process of its own. */
function exportsOf(file: string): string[] {
  const r = spawnSync(process.execPath, ['-e', `console.log(JSON.stringify(Object.keys(require(${JSON.stringify(file)})).sort()))`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`loading ${file} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as string[];
}

(haveCuda && fs.existsSync(CPU_ADDON) ? test : test.skip)('both addons export the same functions', () => {
  const cpu = exportsOf(CPU_ADDON);
  expect(cpu).toContain('cudaAlloc');
  expect(exportsOf(CUDA_ADDON)).toEqual(cpu);
});

(haveCuda ? test : test.skip)('the loader prefers the CUDA-capable addon unless KILN_BACKEND=cpu', () => {
  const expected = process.env.KILN_BACKEND === 'cpu' ? 'cpu' : 'cuda';
  expect(kiln.backend.info().variant).toBe(expected);
});

(haveCuda ? test : test.skip)('the CUDA-capable addon reports whether it can reach a GPU, and why not', () => {
  const r = spawnSync(process.execPath, ['-e', `const b = require(${JSON.stringify(CUDA_ADDON)}); console.log(JSON.stringify(b.cudaInfo()))`], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  const info = JSON.parse(r.stdout) as { compiled: boolean; deviceCount: number; error?: string };
  expect(info.compiled).toBe(true);
  if (info.deviceCount === 0) expect(info.error).toMatch(/\w/);
});
