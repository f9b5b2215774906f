// SPDX-License-Identifier: MIT
/** Whether ops record the autograd graph (PyTorch's torch.no_grad / torch.enable_grad). */

let enabled = true;

export function isGradEnabled(): boolean {
  return enabled;
}

export function setGradEnabled(on: boolean): void {
  enabled = on;
}

function withGradMode<R>(on: boolean, fn: () => R): R {
  const prev = enabled;
  enabled = on;
  try {
    return fn();
  } finally {
    enabled = prev;
  }
}

/**
 * Runs `fn` without recording the graph: results do not require grad. For synchronous code
 * (an `await` inside `fn` would end the mode early).
 *
 * @example
 * kiln.noGrad(() => { w.sub_(w.grad!.mul(lr)); });
 */
export function noGrad<R>(fn: () => R): R {
  return withGradMode(false, fn);
}

/** Runs `fn` with recording on, even inside noGrad. */
export function enableGrad<R>(fn: () => R): R {
  return withGradMode(true, fn);
}
