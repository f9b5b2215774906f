// SPDX-License-Identifier: MIT
/**
 * float32 matmul at sizes that cross the GEMM's thresholds, in all four layouts, against a
 * float64 reference with a rigorous error bound: sizes of 1, primes, micro-tile edges (rows
 * past a multiple of 6 and 12, columns past 16 and 32), depths past the packed block (384) and
 * the 16-step transposed-packing blocks, operands read in place or packed, the direct loops
 * below the packing threshold, and products big enough to run on several threads.
 *
 * The vector kernels are chosen once per process from the CPU, so the narrower paths
 * (KILN_CPU_ISA=avx2 and generic) run the same products in child processes on the compiled
 * package; their outputs are checked here against the same reference.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as kiln from '../../lib';
import { mulberry32 } from '../helpers/prng';

type Layout = 'NN' | 'NT' | 'TN' | 'TT';
interface Case {
  m: number;
  k: number;
  n: number;
  layout: Layout;
}

const SHAPES: Array<[number, number, number]> = [
  [13, 385, 259], // packed A and B, two depth blocks, edge tiles on both sides
  [131, 97, 33], // A read in place (n <= 256), odd depth
  [6, 16, 4], // the smallest packed problem
  [5, 16, 300], // direct loops (fewer than 6 rows)
  [29, 1, 300], // depth 1
  [97, 769, 47], // depth over two blocks, few columns
  [7, 300, 513], // short and wide
  [300, 7, 5], // tall and skinny
  [1, 64, 64], // one row
  [64, 64, 1], // one column
  [128, 784, 512], // an MLP layer's forward product: several threads, every edge full
];
const CASES: Case[] = SHAPES.flatMap(([m, k, n]) => (['NN', 'NT', 'TN', 'TT'] as Layout[]).map((layout) => ({ m, k, n, layout })));

/** Operands as row-major float32 data of a [m, k] and b [k, n], from a fixed seed. */
function operands(c: Case, seed: number): { a: Float32Array; b: Float32Array } {
  const rand = mulberry32(seed);
  const fill = (len: number) => Float32Array.from({ length: len }, () => Math.fround(rand() * 2 - 1));
  return { a: fill(c.m * c.k), b: fill(c.k * c.n) };
}

/** The same matrix stored transposed: [cols, rows] row-major. */
function transposed(x: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = x[i * cols + j];
  return out;
}

/** The data handed to kiln for each operand: row-major, or transposed storage read through .t(). */
function stored(c: Case, a: Float32Array, b: Float32Array): { a: number[]; b: number[] } {
  return {
    a: Array.from(c.layout[0] === 'T' ? transposed(a, c.m, c.k) : a),
    b: Array.from(c.layout[1] === 'T' ? transposed(b, c.k, c.n) : b),
  };
}

/**
 * Checks out (m x n) against the float64 product: float32 accumulation in any order of k
 * products differs from the exact sum by at most (k + 2) * 2^-24 * sum |a_ip * b_pj|.
 */
function expectProduct(c: Case, a: Float32Array, b: Float32Array, out: ArrayLike<number>): void {
  let worst = 0;
  let where = '';
  const bt = transposed(b, c.k, c.n); // columns of b contiguous, for the dot products
  for (let i = 0; i < c.m; i++)
    for (let j = 0; j < c.n; j++) {
      let exact = 0;
      let magnitude = 0;
      for (let p = 0, ai = i * c.k, bj = j * c.k; p < c.k; p++) {
        const t = a[ai + p] * bt[bj + p];
        exact += t;
        // (Not Math.abs: called from a jest test's context it is not inlined, and this loop
        // then runs a hundred times slower.)
        magnitude += t < 0 ? -t : t;
      }
      const bound = (c.k + 2) * 2 ** -24 * magnitude + 1e-30;
      const excess = Math.abs(out[i * c.n + j] - exact) / bound;
      if (!(excess <= worst)) {
        worst = excess;
        where = `(${i}, ${j}): got ${out[i * c.n + j]}, float64 ${exact}`;
      }
    }
  if (!(worst <= 1)) throw new Error(`${c.m}x${c.k}x${c.n} ${c.layout}: error ${worst.toFixed(2)} times the bound at ${where}`);
}

const name = (c: Case) => `${c.m}x${c.k}x${c.n} ${c.layout}`;

describe('float32 matmul across the GEMM thresholds, on this CPU', () => {
  test.each(CASES.map((c, i) => [name(c), c, i] as const))('%s', (_name, c, i) => {
    const { a, b } = operands(c, 1000 + i);
    const data = stored(c, a, b);
    const ta = c.layout[0] === 'T' ? kiln.tensor(data.a).reshape([c.k, c.m]).t() : kiln.tensor(data.a).reshape([c.m, c.k]);
    const tb = c.layout[1] === 'T' ? kiln.tensor(data.b).reshape([c.n, c.k]).t() : kiln.tensor(data.b).reshape([c.k, c.n]);
    expectProduct(c, a, b, kiln.matmul(ta, tb).contiguous().data() as Float32Array);
  });
});

// The child runs every case on the compiled package and writes the outputs as JSON.
const CHILD = `
const kiln = require(process.argv[1]);
const cases = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));
const outs = cases.map(({ c, a, b }) => {
  const ta = c.layout[0] === 'T' ? kiln.tensor(a).reshape([c.k, c.m]).t() : kiln.tensor(a).reshape([c.m, c.k]);
  const tb = c.layout[1] === 'T' ? kiln.tensor(b).reshape([c.n, c.k]).t() : kiln.tensor(b).reshape([c.k, c.n]);
  return Array.from(kiln.matmul(ta, tb).contiguous().data());
});
process.stdout.write(JSON.stringify(outs));
`;

const dist = path.resolve(__dirname, '../../dist/lib/index.js');
const withDist = fs.existsSync(dist) ? describe : describe.skip;
if (!fs.existsSync(dist)) console.log('matmul sweeps on the narrower instruction sets skip: build the package first (npm run build)');

withDist.each(['avx2', 'generic'])('float32 matmul across the GEMM thresholds, KILN_CPU_ISA=%s', (isa) => {
  const inputs = CASES.map((c, i) => ({ c, ...operands(c, 1000 + i) }));
  let outs: number[][] = [];
  beforeAll(() => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-mm-')), 'cases.json');
    fs.writeFileSync(file, JSON.stringify(inputs.map(({ c, a, b }) => ({ c, ...stored(c, a, b) }))));
    const r = spawnSync(process.execPath, ['-e', CHILD, dist, file], { encoding: 'utf8', env: { ...process.env, KILN_CPU_ISA: isa }, timeout: 120_000, maxBuffer: 256 << 20 });
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
    if (r.status !== 0) throw new Error(`child failed (status ${r.status}): ${r.stderr}`);
    outs = JSON.parse(r.stdout) as number[][];
  }, 150_000);

  test.each(inputs.map((x, i) => [name(x.c), i] as const))('%s', (_name, i) => {
    const { c, a, b } = inputs[i];
    expect(outs[i]).toHaveLength(c.m * c.n);
    expectProduct(c, a, b, outs[i]);
  });
});
