// SPDX-License-Identifier: MIT
/**
 * Random-access reads from a file or an in-memory buffer behind one interface, so each
 * format's parser is written once. Parsers check every range against `size` before reading,
 * and files are read piece by piece (header first, then each tensor straight into its own
 * storage) rather than whole.
 */
import fs from 'node:fs';
import { SerializationError } from '../errors';

export interface ByteSource {
  /** Total bytes available. */
  readonly size: number;
  /** The file's path, or 'buffer': names the source in error messages. */
  readonly name: string;
  /** Fills `into` with the bytes at [position, position + into.length). */
  read(into: Uint8Array, position: number): void;
}

function checkRange(src: { size: number; name: string }, position: number, length: number): void {
  if (position < 0 || position + length > src.size)
    throw new SerializationError(`${src.name}: read of bytes [${position}, ${position + length}) is outside the ${src.size}-byte source`);
}

/** The bytes of a Buffer, Uint8Array or ArrayBuffer argument; `fn` names the caller in errors. */
export function bytesOf(fn: string, buffer: Uint8Array | ArrayBuffer): Uint8Array {
  if (buffer instanceof Uint8Array) return buffer;
  if (buffer instanceof ArrayBuffer) return new Uint8Array(buffer);
  const got = buffer === null ? 'null' : typeof buffer === 'object' ? (buffer as object).constructor?.name ?? 'an object' : typeof buffer;
  throw new SerializationError(`${fn}: expected a Buffer, Uint8Array or ArrayBuffer, got ${got}`);
}

export function bufferSource(buffer: Uint8Array, name = 'buffer'): ByteSource {
  return {
    size: buffer.byteLength,
    name,
    read(into, position) {
      checkRange(this, position, into.length);
      into.set(buffer.subarray(position, position + into.length));
    },
  };
}

// fs.readSync takes at most 2 GiB per call.
const MAX_READ = 1 << 30;

/** Opens `path`, runs `use` on it as a ByteSource, and closes it whatever happens. */
export function withFileSource<R>(path: string, use: (src: ByteSource) => R): R {
  const fd = fs.openSync(path, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const src: ByteSource = {
      size,
      name: path,
      read(into, position) {
        checkRange(this, position, into.length);
        let done = 0;
        while (done < into.length) {
          const n = fs.readSync(fd, into, done, Math.min(into.length - done, MAX_READ), position + done);
          // The file shrank after we measured it (another process truncating it).
          if (n === 0) throw new SerializationError(`${path}: unexpected end of file at byte ${position + done} (was the file truncated while reading?)`);
          done += n;
        }
      },
    };
    return use(src);
  } finally {
    fs.closeSync(fd);
  }
}
