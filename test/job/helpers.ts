// SPDX-License-Identifier: MIT
/** Shared pieces of the job tests: temporary folders, a captured log, and CSV writing. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { JobLog } from '../../lib/job/train-job';
import type { CliIO } from '../../lib/cli/program';
export { mulberry32 } from '../helpers/prng';

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `kiln-${prefix}-`));
}

/** A log that keeps the lines; its stream is not a TTY, so progress comes as plain lines. */
export function captureLog(): JobLog & { lines: string[] } {
  const lines: string[] = [];
  const stream = { isTTY: false, write: () => true } as unknown as NodeJS.WriteStream;
  return { lines, stream, line: (t = '') => lines.push(...t.split('\n')) };
}

export function captureIO(): CliIO & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  const stream = { isTTY: false, write: () => true } as unknown as NodeJS.WriteStream;
  return { out: (t) => (out += t), err: (t) => (err += t), stream, stdout: () => out, stderr: () => err };
}

/** Writes rows under a header line, quoting where CSV needs it. */
export function writeCsv(file: string, header: string[], rows: (string | number)[][]): string {
  fs.writeFileSync(file, stringify([header, ...rows]));
  return file;
}

/** Every file under `dir` with its bytes, to check that a failed run left a folder untouched. */
export function snapshotDir(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else files.set(path.relative(dir, p), fs.readFileSync(p));
    }
  };
  walk(dir);
  return files;
}
