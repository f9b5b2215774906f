// SPDX-License-Identifier: MIT
// The package as a consumer sees it, and the contracts between the TypeScript layer, the
// native addon and the build files: loading the compiled package through package.json
// (CommonJS and ESM), op codes exported by the addon versus the kernel tables in
// lib/ops/elementwise.ts, dtype codes versus native/core/dtype.h, and one N-API version
// across package.json, binding.gyp and CMakeLists.txt.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const root = path.resolve(__dirname, '../..');
const read = (rel: string) => fs.readFileSync(path.join(root, rel), 'utf8');
const distCjs = path.join(root, 'dist', 'lib', 'index.js');
const distEsm = path.join(root, 'dist', 'lib', 'index.mjs');

/** The subset of the public API these checks use, typed loosely (dist is plain JS here). */
interface KilnModule {
  tensor(data: unknown, opts?: object): KilnTensor;
  arange(...args: unknown[]): KilnTensor;
  backend: { info(): { file: string; variant: string } };
  KilnError: new (message: string) => Error;
  ShapeError: new (message: string) => Error;
}
interface KilnTensor {
  matmul(other: KilnTensor): KilnTensor;
  add(other: KilnTensor | number): KilnTensor;
  reshape(...shape: number[]): KilnTensor;
  sum(): KilnTensor;
  toArray(): unknown;
  item(): number;
  dtype: string;
}

beforeAll(() => {
  // A fresh checkout has no compiled JavaScript yet; build it the way `npm run build:ts` does.
  if (fs.existsSync(distCjs) && fs.existsSync(distEsm)) return;
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['run', 'build:ts'], { cwd: root, encoding: 'utf8', timeout: 170_000 });
  if (r.status !== 0) throw new Error(`npm run build:ts failed (status ${r.status}):\n${r.stdout}\n${r.stderr}`);
}, 180_000);

describe('the installed package', () => {
  // Note: this runs before anything below imports lib/ sources. The compiled copy and the
  // sources would each register their own metadata buffer with the one shared addon, so the
  // compiled copy is exercised first and not used again afterwards.
  test('require(<package root>) resolves package.json main and runs ops', () => {
    const pkg = JSON.parse(read('package.json'));
    expect(path.resolve(root, pkg.main)).toBe(distCjs);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const kiln = require(root) as KilnModule;
    const a = kiln.tensor([[1, 2], [3, 4]]);
    const b = kiln.tensor([[5, 6], [7, 8]]);
    expect(a.matmul(b).toArray()).toEqual([[19, 22], [43, 50]]);
    expect(kiln.arange(6).reshape(2, 3).sum().item()).toBe(15);
    expect(kiln.arange(3).dtype).toBe('int64');
    expect(() => a.add(kiln.tensor([1, 2, 3]))).toThrow(kiln.ShapeError);
    const info = kiln.backend.info();
    expect(['cpu', 'cuda']).toContain(info.variant);
    expect(fs.existsSync(info.file)).toBe(true);
  });

  test('ESM import of dist/lib/index.mjs works and shares the CommonJS instance', () => {
    const url = pathToFileURL(distEsm).href;
    const code = [
      `import * as kiln from ${JSON.stringify(url)};`,
      `import kilnDefault from ${JSON.stringify(url)};`,
      `import { createRequire } from 'node:module';`,
      `const require = createRequire(${JSON.stringify(url)});`,
      `const cjs = require(${JSON.stringify(root)});`,
      `const x = kiln.tensor([[1, 2], [3, 4]]);`,
      `const y = kiln.ones([2, 2]);`,
      `console.log(JSON.stringify({`,
      `  product: x.matmul(y).toArray(),`,
      `  variance: kiln.var(kiln.tensor([1, 2, 3, 4])).item(),`,
      `  sameInstance: kilnDefault === cjs && kiln.Tensor === cjs.Tensor,`,
      `  shapeErrorIsKilnError: new kiln.ShapeError('x') instanceof kiln.KilnError,`,
      `}));`,
    ].join('\n');
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toEqual({
      product: [[3, 3], [7, 7]],
      // Unbiased variance of 1..4: sum of squared deviations 5 over n - 1 = 3.
      variance: Math.fround(5 / 3),
      sameInstance: true,
      shapeErrorIsKilnError: true,
    });
  });

  test('every public name of the CommonJS build is exported by the ESM entry', () => {
    const esm = fs.readFileSync(distEsm, 'utf8');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const names = Object.keys(require(root) as object).filter((n) => n !== '__esModule' && n !== 'default');
    expect(names.length).toBeGreaterThan(50);
    for (const n of names) {
      const exported = n === 'var' ? /export \{ var_ as var \}/ : new RegExp(`export const ${n} = kiln\\.${n};`);
      expect(esm).toMatch(exported);
    }
  });
});

/** The entries of ops.def for one family, in file order. */
function opsDef(family: 'UNARY' | 'BINARY' | 'TERNARY' | 'REDUCE'): string[] {
  const text = read('native/core/ops.def');
  const re = new RegExp(`^KILN_${family}\\((\\w+)`, 'gm');
  return [...text.matchAll(re)].map((m) => m[1]);
}

describe('op codes: addon <-> TypeScript kernel tables', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const binding = () => require('../../lib/backend/binding') as typeof import('../../lib/backend/binding');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const elementwise = () => require('../../lib/ops/elementwise') as typeof import('../../lib/ops/elementwise');
  const sorted = (xs: Iterable<string>) => [...xs].sort();

  test('unary: the addon codes and UNARY_OPS name the same kernels', () => {
    const codes = binding().opCodes.unary;
    const table = elementwise().UNARY_OPS;
    const missingInAddon = Object.keys(table).filter((k) => !(k in codes));
    const missingInTable = Object.keys(codes).filter((k) => !(k in table));
    expect({ missingInAddon, missingInTable }).toEqual({ missingInAddon: [], missingInTable: [] });
  });

  test('binary: the addon codes and BINARY_OPS name the same kernels', () => {
    const codes = binding().opCodes.binary;
    const table = elementwise().BINARY_OPS;
    const missingInAddon = Object.keys(table).filter((k) => !(k in codes));
    const missingInTable = Object.keys(codes).filter((k) => !(k in table));
    expect({ missingInAddon, missingInTable }).toEqual({ missingInAddon: [], missingInTable: [] });
  });

  test.each(['unary', 'binary', 'ternary', 'reduce'] as const)('%s codes are 0..n-1 in ops.def order', (family) => {
    const codes = binding().opCodes[family];
    const names = opsDef(family.toUpperCase() as 'UNARY');
    expect(names.length).toBeGreaterThan(0);
    expect(sorted(Object.keys(codes))).toEqual(sorted(names));
    names.forEach((n, i) => expect([n, codes[n]]).toEqual([n, i]));
  });

  test('the metadata slot layout matches lib/backend/view-codec.ts: [dtype, ndim, offset, shape, strides]', () => {
    const { slotSize, numSlots, maxDims } = binding().opCodes.layout;
    expect(slotSize).toBe(3 + 2 * maxDims);
    // Ternary kernels and `where` use slots 0..3.
    expect(numSlots).toBeGreaterThanOrEqual(4);
  });
});

describe('dtype codes: lib/tensor/dtype.ts <-> native/core/dtype.h', () => {
  const header = read('native/core/dtype.h');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dtypes = require('../../lib/tensor/dtype') as typeof import('../../lib/tensor/dtype');

  /** enum member -> code, from `enum class DType : int { F32 = 0, ... }`. */
  const enumCodes = (() => {
    const body = /enum class DType\s*:\s*int\s*\{([^}]*)\}/.exec(header);
    if (!body) throw new Error('enum class DType not found in native/core/dtype.h');
    const out = new Map<string, number>();
    let next = 0;
    for (const part of body[1].split(',').map((s) => s.trim()).filter(Boolean)) {
      const m = /^(\w+)(?:\s*=\s*(\d+))?$/.exec(part);
      if (!m) throw new Error(`cannot parse enum entry ${part}`);
      next = m[2] === undefined ? next : Number(m[2]);
      out.set(m[1], next++);
    }
    return out;
  })();

  /** enum member -> JS dtype name, from dtype_name()'s `case DType::F32: return "float32";`. */
  const enumNames = new Map([...header.matchAll(/case DType::(\w+):\s*return "(\w+)";/g)].map((m) => [m[1], m[2]]));

  /** enum member -> bytes, from dtype_size()'s `case DType::F32: return 4;`. */
  const enumSizes = new Map([...header.matchAll(/case DType::(\w+):\s*return (\d+);/g)].map((m) => [m[1], Number(m[2])]));

  test('the header names every dtype once', () => {
    expect(enumCodes.size).toBe(dtypes.DTYPES.length);
    expect(sorted([...enumNames.values()])).toEqual(sorted(dtypes.DTYPES));
    const k = /constexpr int kNumDTypes = (\d+);/.exec(header);
    expect(Number(k?.[1])).toBe(dtypes.DTYPES.length);
  });

  test('DTYPE_CODE equals the enum value of the same dtype', () => {
    for (const [member, code] of enumCodes) {
      const name = enumNames.get(member) as keyof typeof dtypes.DTYPE_CODE;
      expect([name, dtypes.DTYPE_CODE[name]]).toEqual([name, code]);
    }
    // And the order of DTYPES is the code order.
    expect(dtypes.DTYPES.map((d) => dtypes.DTYPE_CODE[d])).toEqual(dtypes.DTYPES.map((_, i) => i));
  });

  test('ITEMSIZE equals dtype_size()', () => {
    for (const [member, size] of enumSizes) {
      const name = enumNames.get(member) as keyof typeof dtypes.ITEMSIZE;
      expect([name, dtypes.ITEMSIZE[name]]).toEqual([name, size]);
    }
  });

  function sorted(xs: Iterable<string>): string[] {
    return [...xs].sort();
  }
});

describe('N-API version: one number everywhere', () => {
  const fromPackage = (): number[] => JSON.parse(read('package.json')).binary.napi_versions;
  const fromGyp = (): number[] => [...read('binding.gyp').matchAll(/NAPI_VERSION=(\d+)/g)].map((m) => Number(m[1]));
  const fromCMake = (): number[] => [...read('CMakeLists.txt').matchAll(/NAPI_VERSION=(\d+)/g)].map((m) => Number(m[1]));

  test('package.json binary.napi_versions, binding.gyp and CMakeLists.txt agree on 9', () => {
    const versions = { packageJson: fromPackage(), bindingGyp: fromGyp(), cmake: fromCMake() };
    expect(versions).toEqual({ packageJson: [9], bindingGyp: [9], cmake: [9] });
  });

  test('this Node.js provides that N-API version', () => {
    expect(Number(process.versions.napi)).toBeGreaterThanOrEqual(fromPackage()[0]);
  });
});
