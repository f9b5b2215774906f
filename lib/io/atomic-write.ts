// SPDX-License-Identifier: MIT
/**
 * Crash-safe file replacement: the new content goes to a temporary file in the target's
 * directory (so the final rename stays on one file system), which is flushed to disk, renamed
 * over the target, and the directory entry flushed too. Readers see the old file or the new
 * one, never a mix; a failure at any step removes the temporary file and leaves the old file
 * as it was.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Appends a chunk to the file being written. */
export type ChunkWriter = (chunk: Uint8Array) => void;

/**
 * Writes the file at `target` with the bytes `produce` hands to its writer, atomically. If
 * `produce` throws, the error propagates and `target` is untouched. File-system failures
 * (missing directory, no permission, disk full) surface as Node's own fs errors.
 */
export function atomicWriteFile(target: string, produce: (write: ChunkWriter) => void): void {
  const final = resolveTarget(target);
  const dir = path.dirname(final);
  const tmp = path.join(dir, `.${path.basename(final)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number | null = fs.openSync(tmp, 'wx', existingMode(final));
  try {
    const out = fd;
    produce((chunk) => writeAll(out, chunk));
    fs.fsyncSync(out);
    fs.closeSync(out);
    fd = null;
    fs.renameSync(tmp, final);
  } catch (e) {
    if (fd !== null) ignoreErrors(() => fs.closeSync(fd!));
    ignoreErrors(() => fs.unlinkSync(tmp));
    throw e;
  }
  fsyncDirectory(dir);
}

/** A symlinked target is replaced where it points, so the link survives. */
function resolveTarget(target: string): string {
  try {
    return fs.realpathSync(target);
  } catch {
    return path.resolve(target);
  }
}

/** The permission bits of the file being replaced, so replacing it keeps them. */
function existingMode(file: string): number {
  try {
    return fs.statSync(file).mode & 0o7777;
  } catch {
    return 0o666; // a new file: the default, less the process umask
  }
}

function writeAll(fd: number, chunk: Uint8Array): void {
  let done = 0;
  while (done < chunk.length) done += fs.writeSync(fd, chunk, done, chunk.length - done);
}

/**
 * Makes the rename itself durable. Some platforms cannot open or flush a directory (Windows,
 * some network file systems); there the rename is as durable as the platform makes it.
 */
function fsyncDirectory(dir: string): void {
  let fd: number;
  try {
    fd = fs.openSync(dir, 'r');
  } catch {
    return;
  }
  try {
    fs.fsyncSync(fd);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM' && code !== 'EBADF' && code !== 'ENOTSUP') throw e;
  } finally {
    fs.closeSync(fd);
  }
}

function ignoreErrors(fn: () => void): void {
  try {
    fn();
  } catch {
    // Best-effort cleanup: the original error is the one worth reporting.
  }
}
