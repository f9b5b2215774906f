// SPDX-License-Identifier: MIT
/**
 * The safetensors header: an 8-byte little-endian length N, then N bytes of UTF-8 JSON
 * `{"__metadata__": {str: str}, "name": {"dtype": "F32", "shape": [..], "data_offsets":
 * [begin, end]}, ...}` padded with spaces to a multiple of 8, then the data buffer.
 *
 * Writing follows the reference library byte for byte: tensors laid out by dtype rank
 * (highest first) then name, compact JSON with the metadata first and each entry's fields in
 * the order dtype, shape, data_offsets. Reading checks everything the library checks, before
 * any tensor is allocated: sizes against the input's size, each entry's fields, that each
 * tensor's byte range matches its shape and dtype, and that the ranges tile the data buffer
 * exactly (no overlap, no hole, nothing after the last tensor).
 */
import { SerializationError } from '../errors';
import { DType } from '../tensor/dtype';
import { fmtShape } from '../tensor/shape';
import { ByteSource } from './byte-source';
import { SAFETENSORS_DTYPES, SAFETENSORS_NAME, SUPPORTED_SAFETENSORS_NAMES } from './dtype-codes';
import { findDuplicateKey } from './json-duplicate-keys';
import { byteSizeOf, fmtBytes } from './tensor-bytes';

/** The reference library refuses headers above 100 MB; so do we, before allocating one. */
export const MAX_HEADER_BYTES = 100_000_000;
/** The header key that holds the str -> str metadata. */
export const METADATA_KEY = '__metadata__';
const LENGTH_BYTES = 8;

/** One tensor's place in the data buffer (offsets relative to the buffer's start). */
export interface TensorEntry {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly begin: number;
  readonly end: number;
}

export interface SafetensorsHeader {
  /** The tensors in data order. */
  readonly entries: TensorEntry[];
  readonly metadata: Record<string, string> | undefined;
  /** Position of the data buffer in the input. */
  readonly dataStart: number;
}

// ---- writing ----------------------------------------------------------------------------

export interface TensorSpec {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
}

const utf8 = new TextEncoder();

/** Rust compares strings by their UTF-8 bytes, which differs from JS's UTF-16 order. */
function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Assigns data offsets in the reference library's order: dtype rank descending, then name. */
export function layoutTensors<T extends TensorSpec>(specs: readonly T[]): Array<T & { begin: number; end: number }> {
  const format = (s: TensorSpec) => SAFETENSORS_DTYPES.get(SAFETENSORS_NAME[s.dtype])!;
  const sorted = specs.slice().sort((a, b) => format(b).rank - format(a).rank || compareUtf8(a.name, b.name));
  let offset = 0;
  return sorted.map((s) => {
    const begin = offset;
    offset += s.shape.reduce((n, d) => n * d, format(s).itemsize);
    return { ...s, begin, end: offset };
  });
}

/** The length field and the padded JSON header for tensors already laid out. */
export function encodeHeader(entries: readonly TensorEntry[], metadata?: Readonly<Record<string, string>>): Uint8Array {
  // Built by hand rather than from an object: JS objects move integer-like keys ("0", "1")
  // to the front, and the order of the entries is part of the format's bytes.
  const fields: string[] = [];
  if (metadata !== undefined) {
    const pairs = Object.entries(metadata).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
    fields.push(`${JSON.stringify(METADATA_KEY)}:{${pairs.join(',')}}`);
  }
  for (const e of entries) {
    const info = `{"dtype":"${SAFETENSORS_NAME[e.dtype]}","shape":[${e.shape.join(',')}],"data_offsets":[${e.begin},${e.end}]}`;
    fields.push(`${JSON.stringify(e.name)}:${info}`);
  }
  const json = utf8.encode(`{${fields.join(',')}}`);
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(LENGTH_BYTES + padded).fill(0x20, LENGTH_BYTES + json.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, LENGTH_BYTES);
  return out;
}

// ---- reading ----------------------------------------------------------------------------

type Fail = (reason: string) => never;

/** An entry as the file states it, before we know whether kiln has its dtype. */
interface RawEntry {
  name: string;
  dtype: string;
  itemsize: number;
  shape: number[];
  begin: number;
  end: number;
}

const q = (name: string) => JSON.stringify(name);

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/**
 * Reads and checks the header of the safetensors data in `src`. Errors are SerializationErrors
 * that start with `fn` (the public function) and the source's name.
 */
export function readHeader(src: ByteSource, fn: string): SafetensorsHeader {
  const fail: Fail = (reason) => {
    throw new SerializationError(`${fn}: ${src.name}: ${reason}`);
  };
  if (src.size < LENGTH_BYTES)
    fail(`the input is ${src.size} bytes, shorter than the 8-byte header length that starts a safetensors file`);
  const lengthField = new Uint8Array(LENGTH_BYTES);
  src.read(lengthField, 0);
  const n = new DataView(lengthField.buffer).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) fail(`header length ${n} is larger than the ${MAX_HEADER_BYTES}-byte limit (not a safetensors file?)`);
  if (n > BigInt(src.size - LENGTH_BYTES))
    fail(`header length ${n} runs past the end of the input (${src.size} bytes in all, ${src.size - LENGTH_BYTES} after the length field)`);
  const headerBytes = new Uint8Array(Number(n));
  src.read(headerBytes, LENGTH_BYTES);

  const parsed = parseJson(headerBytes, fail);
  const dataStart = LENGTH_BYTES + headerBytes.length;
  const dataSize = src.size - dataStart;
  let metadata: Record<string, string> | undefined;
  const raw: RawEntry[] = [];
  for (const [key, value] of Object.entries(parsed)) {
    if (key === METADATA_KEY) metadata = parseMetadata(value, fail);
    else raw.push(parseEntry(key, value, dataSize, fail));
  }
  checkCoverage(raw, dataSize, fail);
  const entries = raw.map((e): TensorEntry => {
    const kiln = SAFETENSORS_DTYPES.get(e.dtype)!.kiln;
    if (kiln === undefined)
      fail(`tensor ${q(e.name)} has dtype ${e.dtype}, which kiln does not support (kiln loads ${SUPPORTED_SAFETENSORS_NAMES})`);
    return { name: e.name, dtype: kiln, shape: e.shape, begin: e.begin, end: e.end };
  });
  return { entries, metadata, dataStart };
}

function parseJson(bytes: Uint8Array, fail: Fail): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return fail('the header is not valid UTF-8');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return fail(`the header is not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(parsed)) return fail(`the header must be a JSON object, got ${describe(parsed)}`);
  const repeated = findDuplicateKey(text);
  if (repeated !== undefined) fail(`the header lists the key ${q(repeated)} more than once`);
  return parsed;
}

function parseMetadata(value: unknown, fail: Fail): Record<string, string> | undefined {
  if (value === null) return undefined;
  if (!isObject(value)) return fail(`"${METADATA_KEY}" must be an object of strings, got ${describe(value)}`);
  for (const [k, v] of Object.entries(value))
    if (typeof v !== 'string') fail(`"${METADATA_KEY}" must map strings to strings, but ${q(k)} holds ${describe(v)}`);
  return value as Record<string, string>;
}

function parseEntry(name: string, value: unknown, dataSize: number, fail: Fail): RawEntry {
  if (!isObject(value)) return fail(`the entry of tensor ${q(name)} must be an object with dtype, shape and data_offsets, got ${describe(value)}`);
  for (const field of ['dtype', 'shape', 'data_offsets'])
    if (!(field in value)) fail(`the entry of tensor ${q(name)} has no "${field}" field`);
  const { dtype, shape, data_offsets: offsets } = value;
  const format = typeof dtype === 'string' ? SAFETENSORS_DTYPES.get(dtype) : undefined;
  if (format === undefined)
    return fail(`tensor ${q(name)} has unknown dtype ${JSON.stringify(dtype)}; the format defines ${[...SAFETENSORS_DTYPES.keys()].join(', ')}`);
  if (!Array.isArray(shape) || !shape.every(isCount))
    fail(`tensor ${q(name)} has an invalid shape ${JSON.stringify(shape)}: expected an array of non-negative integers`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount) || offsets[0] > offsets[1])
    fail(`tensor ${q(name)} has invalid data_offsets ${JSON.stringify(offsets)}: expected [begin, end] with 0 <= begin <= end`);
  const [begin, end] = offsets as number[];
  const dims = shape as number[];
  const needed = byteSizeOf(dims, format.itemsize);
  if (needed !== end - begin)
    fail(`tensor ${q(name)} (${dtype}, shape ${fmtShape(dims)}) needs ${fmtBytes(needed)}, but its data_offsets [${begin}, ${end}] hold ${end - begin}`);
  if (end > dataSize) fail(`data_offsets [${begin}, ${end}] of tensor ${q(name)} run past the end of the ${dataSize}-byte data buffer`);
  return { name, dtype: dtype as string, itemsize: format.itemsize, shape: dims, begin, end };
}

/** The byte ranges must tile the data buffer; sorts `entries` into data order. */
function checkCoverage(entries: RawEntry[], dataSize: number, fail: Fail): void {
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let last: RawEntry | undefined;
  for (const e of entries) {
    if (e.begin < covered)
      fail(`tensors ${q(last!.name)} [${last!.begin}, ${last!.end}] and ${q(e.name)} [${e.begin}, ${e.end}] overlap in the data buffer`);
    if (e.begin > covered)
      fail(`bytes [${covered}, ${e.begin}) of the data buffer belong to no tensor (the format requires the tensors to cover it exactly)`);
    covered = e.end;
    last = e;
  }
  if (covered !== dataSize)
    fail(`the last ${dataSize - covered} bytes of the ${dataSize}-byte data buffer belong to no tensor (the format requires the tensors to cover it exactly)`);
}
