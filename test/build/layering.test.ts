// SPDX-License-Identifier: MIT
/**
 * The layers of lib/ depend one way, downwards (DESIGN.md): backend < tensor < autograd < ops
 * < nn < optim < job (the training job) < cli, with lib/errors.ts usable by all and data/io
 * allowed only tensor and ops (and below). This test reads every import in lib/ and fails on an upward one.
 */
import fs from 'node:fs';
import path from 'node:path';

const LIB = path.resolve(__dirname, '../../lib');
const RANK: Record<string, number> = { backend: 0, tensor: 1, autograd: 2, ops: 3, nn: 4, optim: 5, data: 4, io: 4, job: 6, cli: 7 };
const LIMITED: Record<string, string[]> = { data: ['backend', 'tensor', 'autograd', 'ops'], io: ['backend', 'tensor', 'autograd', 'ops'] };

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function layerOf(file: string): string | null {
  const rel = path.relative(LIB, file).split(path.sep);
  return rel.length > 1 ? rel[0] : null; // top-level files (index.ts, errors.ts) are not layered
}

const violations: string[] = [];
const files = tsFiles(LIB);

test('lib has layered folders to check', () => {
  expect(files.length).toBeGreaterThan(20);
  expect(files.some((f) => layerOf(f) === 'ops')).toBe(true);
});

test.each(files.map((f) => [path.relative(LIB, f), f]))('%s imports only from its own or lower layers', (_rel, file) => {
  const from = layerOf(file);
  if (from === null) return;
  const src = fs.readFileSync(file, 'utf8');
  for (const m of src.matchAll(/(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]/g)) {
    const target = layerOf(path.resolve(path.dirname(file), m[1]));
    if (target === null || target === from) continue;
    const ok = LIMITED[from] ? LIMITED[from].includes(target) : RANK[target] !== undefined && RANK[target] < RANK[from];
    if (!ok) violations.push(`${path.relative(LIB, file)} -> ${m[1]}`);
  }
  expect(violations).toEqual([]);
});
