// SPDX-License-Identifier: MIT
/**
 * Small CPU allocations carved from shared slabs.
 *
 * Creating an ArrayBuffer costs V8 about 350 ns (a backing store and its tracking for the
 * collector), and registering a finalizer for it about 250 ns more: together more than the
 * rest of a small op. So allocations of up to SMALL_MAX_BYTES share 16 KiB slabs instead, as
 * Node's own Buffer pool does for short strings: a chunk is a byte range of a slab, and a
 * tensor's offset counts from the slab's start.
 *
 * Lifetime. A slab is an ordinary ArrayBuffer referenced by the storages carved from it, so the
 * collector frees it once none of them is reachable: memory stays bounded in long synchronous
 * loops without any finalizer per chunk. A chunk released explicitly (dispose(), scope()) is
 * put on a free list of its size class and handed out again, so a training loop that scopes its
 * steps reuses the same few slabs. A chunk whose storage was garbage-collected is not reused;
 * its bytes return when the whole slab does.
 *
 * Accounting. A slab counts as one allocation of SLAB_BYTES in kiln.memory() (those bytes are
 * what the process holds); one FinalizationRegistry entry per slab takes it out of the counts.
 * Its chunks count as tensors until they are released or the slab is collected.
 */

/** Allocations up to this many bytes come from slabs. */
export const SMALL_MAX_BYTES = 256;
/** Bytes per slab. */
export const SLAB_BYTES = 16 * 1024;
/**
 * Chunks start at multiples of this, so an offset in elements is whole for every dtype, and
 * a chunk of up to 16 bytes fits one SIMD load.
 */
const CHUNK_ALIGN = 16;
/**
 * Free chunks kept in all; beyond this, a released chunk waits for its slab's end. Each kept
 * chunk keeps its slab alive, so this bounds the memory free lists can hold (here 8 MiB at
 * worst, when every kept chunk is in a slab of its own).
 */
const MAX_FREE_CHUNKS = 512;
let freeChunks = 0;

/** What the collector's report of one slab takes out of the counts. */
interface SlabTally {
  /** Chunks carved from the slab and not yet released. */
  liveChunks: number;
}

export interface Slab {
  readonly buffer: ArrayBuffer;
  readonly tally: SlabTally;
}

export interface Chunk {
  readonly slab: Slab;
  readonly byteOffset: number;
  /** Whether the bytes are still the slab's initial zeros (never handed out before). */
  readonly zeroed: boolean;
}

let liveSlabs = 0;
let liveChunks = 0;

const slabCollected = new FinalizationRegistry<SlabTally>((tally) => {
  liveSlabs--;
  liveChunks -= tally.liveChunks;
});

/** The slab new chunks are cut from, and how far it is used. */
let current: Slab | null = null;
let used = SLAB_BYTES;

/** Released chunks by size class (chunk bytes / CHUNK_ALIGN - 1). */
const freeLists: Array<Array<{ slab: Slab; byteOffset: number }>> = Array.from({ length: SMALL_MAX_BYTES / CHUNK_ALIGN }, () => []);

function roundUp(nbytes: number): number {
  return Math.max(CHUNK_ALIGN, (nbytes + CHUNK_ALIGN - 1) & ~(CHUNK_ALIGN - 1));
}

function newSlab(): Slab {
  const slab: Slab = { buffer: new ArrayBuffer(SLAB_BYTES), tally: { liveChunks: 0 } };
  liveSlabs++;
  slabCollected.register(slab.buffer, slab.tally);
  return slab;
}

/** A chunk of at least `nbytes` (1 .. SMALL_MAX_BYTES) bytes. */
export function takeChunk(nbytes: number): Chunk {
  const size = roundUp(nbytes);
  const free = freeLists[size / CHUNK_ALIGN - 1].pop();
  let chunk: Chunk;
  if (free !== undefined) {
    freeChunks--;
    chunk = { slab: free.slab, byteOffset: free.byteOffset, zeroed: false };
  } else {
    if (current === null || used + size > SLAB_BYTES) {
      current = newSlab();
      used = 0;
    }
    chunk = { slab: current, byteOffset: used, zeroed: true };
    used += size;
  }
  chunk.slab.tally.liveChunks++;
  liveChunks++;
  return chunk;
}

/**
 * Takes a chunk out of the counts. With `reusable`, nothing can still read it (the caller's
 * storage gave it up and never handed it out), and it goes back on its free list.
 */
export function releaseChunk(slab: Slab, byteOffset: number, nbytes: number, reusable: boolean): void {
  slab.tally.liveChunks--;
  liveChunks--;
  if (!reusable) return;
  if (freeChunks >= MAX_FREE_CHUNKS) return;
  freeLists[roundUp(nbytes) / CHUNK_ALIGN - 1].push({ slab, byteOffset });
  freeChunks++;
}

/** Drops the free lists, so slabs kept alive only by them can be collected. */
export function forgetFreeChunks(): void {
  for (const list of freeLists) list.length = 0;
  freeChunks = 0;
}

/** Live slabs (each SLAB_BYTES) and the chunks counted as live in them. */
export function slabStats(): { slabs: number; chunks: number } {
  return { slabs: liveSlabs, chunks: liveChunks };
}
