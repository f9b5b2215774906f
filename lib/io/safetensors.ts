// SPDX-License-Identifier: MIT
/**
 * State dicts to and from the safetensors format (https://github.com/huggingface/safetensors),
 * byte for byte as the reference library writes them, so files move freely between kiln and
 * PyTorch (`safetensors.torch.load_file` / `save_file`). Files are replaced atomically, and
 * loaded tensors are read straight into their own storage after the whole header has been
 * checked (see safetensors-header.ts for the checks).
 *
 * @example
 * kiln.save(model.stateDict(), 'model.safetensors');
 * model.loadStateDict(kiln.load('model.safetensors'));
 */
import { DisposedTensorError, SerializationError } from '../errors';
import { DeviceLike, parseDevice } from '../tensor/device';
import { fmtShape } from '../tensor/shape';
import { Tensor } from '../tensor/tensor';
import { atomicWriteFile, ChunkWriter } from './atomic-write';
import { bufferSource, ByteSource, bytesOf, withFileSource } from './byte-source';
import { encodeHeader, layoutTensors, METADATA_KEY, readHeader } from './safetensors-header';
import { moveAll, tensorFromBytes, withTensorBytes } from './tensor-bytes';

/** What save accepts: kiln's `module.stateDict()` (a record), or a Map of name -> tensor. */
export type StateDictLike = ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>;

export interface SaveOptions {
  /**
   * Free-form string -> string metadata, stored in the header's "__metadata__" (as
   * `save_file(..., metadata=...)` does). Entries keep their insertion order.
   */
  metadata?: Readonly<Record<string, string>>;
}

export interface LoadOptions {
  /** Where the tensors go: read on the CPU, then moved with `.to(device)`. Default 'cpu'. */
  device?: DeviceLike;
}

/** The tensors of a file, in its data order, and its metadata (undefined when it has none). */
export interface SafetensorsContents {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string> | undefined;
}

interface Prepared {
  header: Uint8Array;
  /** The tensors in data order. */
  tensors: Tensor[];
  dataBytes: number;
}

const q = (name: string) => JSON.stringify(name);

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v instanceof Tensor) return `a Tensor`;
  if (typeof v === 'object') return `${v.constructor?.name ?? 'an object'}`;
  return typeof v;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Checks a state dict and lists its entries; `fn` names the caller in errors. */
export function stateDictEntries(fn: string, stateDict: StateDictLike): Array<[string, Tensor]> {
  let entries: Array<[unknown, unknown]>;
  if (stateDict instanceof Map) entries = [...stateDict.entries()];
  else if (isPlainObject(stateDict)) entries = Object.entries(stateDict);
  else {
    const hint = typeof (stateDict as { stateDict?: unknown })?.stateDict === 'function' ? ' (pass model.stateDict(), not the model)' : '';
    throw new SerializationError(`${fn}: expected a state dict (a Map or a plain object of name -> Tensor), got ${describe(stateDict)}${hint}`);
  }
  for (const [key, value] of entries) {
    if (typeof key !== 'string') throw new SerializationError(`${fn}: state dict keys must be strings, got ${typeof key} ${String(key)}`);
    if (key === METADATA_KEY)
      throw new SerializationError(`${fn}: the name ${q(METADATA_KEY)} is reserved by the format for metadata; pass metadata as {metadata: {...}}`);
    if (!(value instanceof Tensor)) throw new SerializationError(`${fn}: the value under ${q(key)} must be a Tensor, got ${describe(value)}`);
    if (value.isDisposed)
      throw new DisposedTensorError(`${fn}: the tensor under ${q(key)} (shape ${fmtShape(value.shape)}, ${value.dtype}) was disposed and cannot be saved`);
  }
  return entries as Array<[string, Tensor]>;
}

function checkMetadata(fn: string, metadata: unknown): Readonly<Record<string, string>> | undefined {
  if (metadata === undefined) return undefined;
  if (!isPlainObject(metadata)) throw new SerializationError(`${fn}: metadata must be a plain object of strings, got ${describe(metadata)}`);
  for (const [k, v] of Object.entries(metadata))
    if (typeof v !== 'string')
      throw new SerializationError(`${fn}: metadata values must be strings (the format stores str -> str), but ${q(k)} is ${describe(v)}; JSON.stringify it first`);
  return metadata as Record<string, string>;
}

/** Everything is checked here, before the first byte is written. */
function prepare(fn: string, stateDict: StateDictLike, opts: SaveOptions): Prepared {
  const specs = stateDictEntries(fn, stateDict).map(([name, tensor]) => ({ name, dtype: tensor.dtype, shape: tensor.shape, tensor }));
  const metadata = checkMetadata(fn, opts.metadata);
  const laidOut = layoutTensors(specs);
  return {
    header: encodeHeader(laidOut, metadata),
    tensors: laidOut.map((e) => e.tensor),
    dataBytes: laidOut.length === 0 ? 0 : laidOut[laidOut.length - 1].end,
  };
}

function writePrepared(p: Prepared, write: ChunkWriter): void {
  write(p.header);
  for (const t of p.tensors) withTensorBytes(t, write);
}

/** The safetensors bytes of a state dict. */
export function saveBuffer(stateDict: StateDictLike, opts: SaveOptions = {}): Buffer {
  const p = prepare('saveBuffer', stateDict, opts);
  const out = Buffer.alloc(p.header.length + p.dataBytes);
  let position = 0;
  writePrepared(p, (chunk) => {
    out.set(chunk, position);
    position += chunk.length;
  });
  return out;
}

/**
 * Writes a state dict to `path` in the safetensors format. The file is replaced atomically:
 * after a failure (a bad tensor, a full disk) the previous file is still there, unchanged.
 */
export function save(stateDict: StateDictLike, path: string, opts: SaveOptions = {}): void {
  writeSafetensorsFile('save', stateDict, path, opts);
}

/** save() for other writers of the format; `fn` names the caller in errors. */
export function writeSafetensorsFile(fn: string, stateDict: StateDictLike, path: string, opts: SaveOptions): void {
  const p = prepare(fn, stateDict, opts);
  atomicWriteFile(path, (write) => writePrepared(p, write));
}

/** A plain object of name -> value; names like "__proto__" become ordinary own keys. */
export function recordOf<T>(entries: ReadonlyArray<readonly [string, T]>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [k, v] of entries) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}

function readContents(fn: string, src: ByteSource, opts: LoadOptions): SafetensorsContents {
  const device = parseDevice(opts.device);
  const header = readHeader(src, fn);
  const loaded: Tensor[] = [];
  try {
    for (const e of header.entries) loaded.push(tensorFromBytes(e.shape, e.dtype, (into) => src.read(into, header.dataStart + e.begin)));
  } catch (err) {
    for (const t of loaded) t.dispose();
    throw err;
  }
  const placed = moveAll(loaded, device);
  return { tensors: recordOf(header.entries.map((e, i) => [e.name, placed[i]] as const)), metadata: header.metadata };
}

/** Tensors and metadata from safetensors bytes. */
export function loadBufferWithMetadata(buffer: Uint8Array | ArrayBuffer, opts: LoadOptions = {}): SafetensorsContents {
  return readContents('loadBufferWithMetadata', bufferSource(bytesOf('loadBufferWithMetadata', buffer)), opts);
}

/** The tensors in safetensors bytes, as a record of name -> Tensor. */
export function loadBuffer(buffer: Uint8Array | ArrayBuffer, opts: LoadOptions = {}): Record<string, Tensor> {
  return readContents('loadBuffer', bufferSource(bytesOf('loadBuffer', buffer)), opts).tensors;
}

/** Tensors and metadata from a safetensors file. */
export function loadWithMetadata(path: string, opts: LoadOptions = {}): SafetensorsContents {
  return readSafetensorsFile('loadWithMetadata', path, opts);
}

/** loadWithMetadata() for other readers of the format; `fn` names the caller in errors. */
export function readSafetensorsFile(fn: string, path: string, opts: LoadOptions): SafetensorsContents {
  return withFileSource(path, (src) => readContents(fn, src, opts));
}

/**
 * The tensors of a safetensors file, as a record of name -> Tensor that
 * `module.loadStateDict` accepts. Any malformed file throws a SerializationError.
 */
export function load(path: string, opts: LoadOptions = {}): Record<string, Tensor> {
  return readSafetensorsFile('load', path, opts).tensors;
}

/** The metadata of a safetensors file (undefined when it has none); reads only the header. */
export function loadMetadata(path: string): Record<string, string> | undefined {
  return withFileSource(path, (src) => readHeader(src, 'loadMetadata').metadata);
}
