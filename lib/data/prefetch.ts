// SPDX-License-Identifier: MIT
/**
 * Read-ahead for async iteration: while the consumer works on one batch, up to `ahead` later
 * batches are already being prepared, so a dataset that waits on I/O overlaps with the
 * training step. Batches still come out in order, and an error in preparing one is raised
 * when the consumer reaches that batch (as a DataLoader would raise it without read-ahead).
 */

/** Starts preparing the next batch; returns undefined once it is known that there are no more. */
export type StartBatch<B> = () => Promise<IteratorResult<B, unknown>> | undefined;

/**
 * The batches `start` produces, in order, with up to `ahead` of them started before the
 * consumer asks. `close` runs when the iteration ends, also when the consumer leaves early;
 * batches still in preparation then are dropped.
 */
export async function* readAhead<B>(start: StartBatch<B>, ahead: number, close?: () => void): AsyncGenerator<B, void, undefined> {
  const pending: Promise<IteratorResult<B, unknown>>[] = [];
  let exhausted = false;
  const topUp = (size: number): void => {
    while (!exhausted && pending.length < size) {
      let next: Promise<IteratorResult<B, unknown>> | undefined;
      try {
        next = start();
      } catch (e) {
        exhausted = true; // a source that throws is finished; its error comes out in order
        next = Promise.reject(e);
      }
      if (next === undefined) {
        exhausted = true;
        return;
      }
      // Mark it handled now: if it fails while an earlier batch is being consumed, that is
      // not an unhandled rejection; awaiting it below still raises the error.
      next.catch(() => undefined);
      pending.push(next);
    }
  };
  try {
    for (;;) {
      topUp(ahead + 1); // the batch handed out next, plus `ahead` in preparation behind it
      const next = pending.shift();
      if (next === undefined) return;
      const result = await next;
      if (result.done) return;
      yield result.value;
    }
  } finally {
    close?.();
  }
}
