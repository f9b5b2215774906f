// SPDX-License-Identifier: MIT
// Shared test helpers: temporary folders, the elements of a tensor as plain values, and the
// little-endian encodings tests use to hand-assemble expected file bytes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as kiln from '../../lib';

/** A fresh temporary folder, removed after the current test file. */
export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-io-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A tensor's elements in row-major order; int64 as decimal strings so no digit is lost. */
export function flatValues(t: kiln.Tensor): Array<number | string | boolean> {
  const data = Array.from(t.contiguous().data() as ArrayLike<number | bigint>);
  if (t.dtype === 'int64') return data.map((v) => String(v));
  if (t.dtype === 'bool') return data.map((v) => v !== 0);
  return data as number[];
}

/** Little-endian bytes of numbers in the given element format, written with DataView. */
export function leBytes(kind: 'f4' | 'f8' | 'i4' | 'i8' | 'u8', values: ReadonlyArray<number | bigint>, littleEndian = true): Buffer {
  const size = { f4: 4, f8: 8, i4: 4, i8: 8, u8: 1 }[kind];
  const out = Buffer.alloc(size * values.length);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  values.forEach((v, i) => {
    const at = i * size;
    if (kind === 'f4') view.setFloat32(at, Number(v), littleEndian);
    else if (kind === 'f8') view.setFloat64(at, Number(v), littleEndian);
    else if (kind === 'i4') view.setInt32(at, Number(v), littleEndian);
    else if (kind === 'i8') view.setBigInt64(at, BigInt(v), littleEndian);
    else view.setUint8(at, Number(v));
  });
  return out;
}

/** The 8-byte little-endian header length field of a safetensors file. */
export function u64le(n: number | bigint): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(BigInt(n));
  return out;
}

/** A safetensors file from header JSON text (padded with spaces to 8) and data bytes. */
export function safetensorsBytes(headerJson: string, data: Buffer = Buffer.alloc(0)): Buffer {
  const json = Buffer.from(headerJson, 'utf8');
  const padded = Buffer.concat([json, Buffer.alloc((8 - (json.length % 8)) % 8, 0x20)]);
  return Buffer.concat([u64le(padded.length), padded, data]);
}

/** Files in `dir` other than those named. */
export function strayFiles(dir: string, ...expected: string[]): string[] {
  return fs.readdirSync(dir).filter((f) => !expected.includes(f));
}
