// SPDX-License-Identifier: MIT
/**
 * Argument checks and small conversions shared by datasets, samplers and the DataLoader, so
 * every class words its errors the same way.
 */
import { IndexError, KilnError } from '../errors';
import { Tensor } from '../tensor/tensor';

/** `value` as a positive integer, else a KilnError naming `what` (PyTorch raises ValueError). */
export function positiveInt(op: string, what: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0)
    throw new KilnError(`${op}: ${what} should be a positive integer, got ${String(value)}`);
  return value;
}

/** `value` as a non-negative integer. */
export function nonNegativeInt(op: string, what: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
    throw new KilnError(`${op}: ${what} should be a non-negative integer, got ${String(value)}`);
  return value;
}

export function boolOption(op: string, what: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new KilnError(`${op}: ${what} should be a boolean, got ${String(value)}`);
  return value;
}

/** Resolves a possibly negative index into [0, length), Python-style; IndexError otherwise. */
export function resolveIndex(op: string, index: number, length: number): number {
  if (!Number.isInteger(index)) throw new IndexError(`${op}: index must be an integer, got ${index}`);
  const i = index < 0 ? index + length : index;
  if (i < 0 || i >= length) throw new IndexError(`${op}: index ${index} is out of range for a dataset of length ${length}`);
  return i;
}

/** The elements of an integer index tensor (as randperm and randint return) as JS numbers; disposes it. */
export function takeIndices(t: Tensor): number[] {
  const values = Array.from(t.data() as ArrayLike<bigint | number>, Number);
  t.dispose();
  return values;
}
