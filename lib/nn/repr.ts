// SPDX-License-Identifier: MIT
/**
 * Python-style formatting for module reprs, so that `String(model)` reads exactly like
 * PyTorch's `print(model)` (floats as `1.0` and `1e-05`, tuples as `(8,)`, `True`/`None`).
 */

/** A number as Python's repr(float) writes it: `1.0`, `0.01`, `1e-05`, `1e+16`, `inf`, `nan`. */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  // toExponential() with no argument gives the shortest round-trip digits, as Python does.
  const [mantissa, expText] = x.toExponential().split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  const s = x.toFixed(Math.max(0, (mantissa.split('.')[1]?.length ?? 0) - exp));
  return s.includes('.') ? s : `${s}.0`;
}

/** Python's True / False. */
export function pyBool(b: boolean): string {
  return b ? 'True' : 'False';
}

/** A tuple of integers as Python prints it: `(8,)`, `(2, 3)`. */
export function pyTuple(xs: readonly number[]): string {
  return xs.length === 1 ? `(${xs[0]},)` : `(${xs.join(', ')})`;
}

/** A number that may be absent, as Python prints an optional float: `0.1` or `None`. */
export function pyOptionalFloat(x: number | null | undefined): string {
  return x === null || x === undefined ? 'None' : pyFloat(x);
}

/** Indents every line but the first by `spaces`, as torch.nn.modules.module._addindent does. */
export function addIndent(s: string, spaces: number): string {
  const lines = s.split('\n');
  if (lines.length === 1) return s;
  const pad = ' '.repeat(spaces);
  return [lines[0], ...lines.slice(1).map((l) => pad + l)].join('\n');
}
