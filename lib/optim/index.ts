// SPDX-License-Identifier: MIT
/** kiln.optim: optimizers and learning-rate schedulers. */
export {};
