// SPDX-License-Identifier: MIT
/**
 * Tensor printing in PyTorch's repr style.
 *
 * The data part follows torch/_tensor_str.py character for character: the
 * element formatter (int, fixed or scientific mode, with one common width),
 * summarization with `...`, wrapping of rows at the line width, nested
 * brackets, and the rule that puts a suffix on its own line when it would not
 * fit. Only the suffixes use JS spellings: `dtype=float64` (no `torch.`
 * prefix) and `requires_grad=true`.
 *
 * The module works on plain row-major values and has no dependency on the
 * tensor implementation, so it can be used for any storage backend.
 */

/** Element types the formatter knows how to print. */
export type FormatDType = 'float32' | 'float64' | 'int32' | 'int64' | 'bool';

/** Print options, named after `torch.set_printoptions`. */
export interface PrintOptions {
  /** Digits after the decimal point for floating point output. */
  precision: number;
  /** Element count above which the output is summarized with `...`. */
  threshold: number;
  /** Items kept at the start and end of each summarized dimension. */
  edgeitems: number;
  /** Characters per line used for wrapping rows and placing suffixes. */
  linewidth: number;
  /** Force (true) or forbid (false) scientific notation; null picks it per tensor. */
  sciMode: boolean | null;
}

/** PyTorch's default print options. */
export const defaultPrintOptions: PrintOptions = Object.freeze({
  precision: 4,
  threshold: 1000,
  edgeitems: 3,
  linewidth: 80,
  sciMode: null,
});

type PrintProfile = 'default' | 'short' | 'full';

// The same presets as torch.set_printoptions(profile=...). None of them touch
// sciMode.
const PROFILES: Readonly<Record<PrintProfile, Omit<PrintOptions, 'sciMode'>>> = {
  default: { precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80 },
  short: { precision: 2, threshold: 1000, edgeitems: 2, linewidth: 80 },
  full: { precision: 4, threshold: Infinity, edgeitems: 3, linewidth: 80 },
};

let currentOptions: PrintOptions = { ...defaultPrintOptions };

/**
 * Changes the module-wide print options, like `torch.set_printoptions`.
 *
 * A `profile` is applied first and the other fields override it. As in
 * PyTorch, `sciMode` is reset to `null` (automatic) whenever it is not given.
 *
 * @example
 * setPrintOptions({ precision: 2 });
 * formatTensor({ values: [1.12345], shape: [1], dtype: 'float32' }); // 'tensor([1.12])'
 * setPrintOptions({ profile: 'default' });
 */
export function setPrintOptions(opts: Partial<PrintOptions> & { profile?: PrintProfile }): void {
  const next: PrintOptions = { ...currentOptions };
  if (opts.profile !== undefined) {
    const preset = PROFILES[opts.profile];
    if (preset === undefined) throw new RangeError(`unknown print profile '${String(opts.profile)}'`);
    Object.assign(next, preset);
  }
  if (opts.precision !== undefined) next.precision = opts.precision;
  if (opts.threshold !== undefined) next.threshold = opts.threshold;
  if (opts.edgeitems !== undefined) next.edgeitems = opts.edgeitems;
  if (opts.linewidth !== undefined) next.linewidth = opts.linewidth;
  next.sciMode = opts.sciMode ?? null;
  validateOptions(next);
  currentOptions = next;
}

/**
 * Returns a copy of the current module-wide print options.
 *
 * @example
 * getPrintOptions().precision; // 4 unless changed by setPrintOptions
 */
export function getPrintOptions(): PrintOptions {
  return { ...currentOptions };
}

/** What formatTensor needs to know about a tensor. */
export interface FormatInput {
  /** Row-major, contiguous, numel elements (int64 may come as bigint). */
  values: ArrayLike<number | bigint | boolean>;
  shape: readonly number[];
  dtype: FormatDType;
  /** 'cpu' (omitted in the output) or e.g. 'cuda:0'. */
  device?: string;
  requiresGrad?: boolean;
  /** Name of the node that created the tensor, e.g. 'AddBackward0'. */
  gradFn?: string;
}

/**
 * Renders a tensor the way PyTorch's `repr` does.
 *
 * @param input - the tensor's values, shape, dtype and autograd facts
 * @param opts - print options; the module-wide ones by default
 * @example
 * formatTensor({ values: [1, 2.5], shape: [2], dtype: 'float32' });
 * // 'tensor([1.0000, 2.5000])'
 * formatTensor({ values: [1, 2], shape: [2], dtype: 'float64', requiresGrad: true });
 * // 'tensor([1., 2.], dtype=float64, requires_grad=true)'
 */
export function formatTensor(input: FormatInput, opts: PrintOptions = currentOptions): string {
  validateOptions(opts);
  const shape = validateShape(input);
  const numel = shape.reduce((n, d) => n * d, 1);
  const prefix = 'tensor(';
  const indent = prefix.length;
  const suffixes: string[] = [];

  const device = input.device;
  if (device !== undefined && deviceType(device) !== 'cpu') suffixes.push(`device='${device}'`);

  let body: string;
  if (numel === 0) {
    // An empty tensor shows its shape unless it is (0,), as NumPy does, and its
    // dtype unless it is the default float one: with no elements there is
    // nothing to tell an int64 tensor from a float one.
    if (shape.length !== 1) suffixes.push(`size=${pythonTuple(shape)}`);
    if (input.dtype !== 'float32') suffixes.push(`dtype=${input.dtype}`);
    body = '[]';
  } else {
    if (!DEFAULT_DTYPES.has(input.dtype)) suffixes.push(`dtype=${input.dtype}`);
    body = formatData(input, shape, numel, indent, opts);
  }

  if (input.gradFn !== undefined) suffixes.push(`grad_fn=<${input.gradFn}>`);
  else if (input.requiresGrad) suffixes.push('requires_grad=true');

  return addSuffixes(prefix + body, suffixes, indent, opts.linewidth);
}

// Dtypes PyTorch leaves out of a non-empty tensor's repr: the default float
// type, int64 (the type of integer literals) and bool.
const DEFAULT_DTYPES: ReadonlySet<FormatDType> = new Set<FormatDType>(['float32', 'int64', 'bool']);

const KNOWN_DTYPES: ReadonlySet<string> = new Set(['float32', 'float64', 'int32', 'int64', 'bool']);

function validateOptions(opts: PrintOptions): void {
  if (!Number.isInteger(opts.precision) || opts.precision < 0) {
    throw new RangeError(`precision must be a non-negative integer, got ${opts.precision}`);
  }
  if (!Number.isInteger(opts.edgeitems) || opts.edgeitems < 0) {
    throw new RangeError(`edgeitems must be a non-negative integer, got ${opts.edgeitems}`);
  }
  if (Number.isNaN(opts.threshold)) throw new RangeError('threshold must be a number');
  if (Number.isNaN(opts.linewidth)) throw new RangeError('linewidth must be a number');
}

function validateShape(input: FormatInput): readonly number[] {
  if (!KNOWN_DTYPES.has(input.dtype)) throw new TypeError(`unsupported dtype '${String(input.dtype)}'`);
  const shape = input.shape;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new RangeError(`invalid shape [${shape.join(', ')}]`);
  }
  const numel = shape.reduce((n, d) => n * d, 1);
  if (input.values.length !== numel) {
    throw new RangeError(`shape [${shape.join(', ')}] needs ${numel} values, got ${input.values.length}`);
  }
  return shape;
}

function deviceType(device: string): string {
  const colon = device.indexOf(':');
  return colon < 0 ? device : device.slice(0, colon);
}

/** Python's str() of a tuple of ints: `(2, 0)`, `(0,)`, `()`. */
function pythonTuple(items: readonly number[]): string {
  if (items.length === 1) return `(${items[0]},)`;
  return `(${items.join(', ')})`;
}

/**
 * Appends `, suffix` pieces and the closing parenthesis. A suffix that would
 * push the last line past the line width starts a new, indented line.
 */
function addSuffixes(text: string, suffixes: readonly string[], indent: number, linewidth: number): string {
  const parts = [text];
  // PyTorch measures the last line as len - rfind('\n') + 1, two characters
  // more than the line holds; that decides where suffixes break, so it is kept.
  let lastLineLength = text.length - text.lastIndexOf('\n') + 1;
  for (const suffix of suffixes) {
    if (lastLineLength + suffix.length + 2 > linewidth) {
      parts.push(',\n' + ' '.repeat(indent) + suffix);
      lastLineLength = indent + suffix.length;
    } else {
      parts.push(', ' + suffix);
      lastLineLength += suffix.length + 2;
    }
  }
  parts.push(')');
  return parts.join('');
}

// ---------------------------------------------------------------------------
// Data layout: nested brackets, summarization and row wrapping.

/** Formats one element, already padded to the common width. */
interface ElementFormatter {
  readonly width: number;
  format(flatIndex: number): string;
}

interface Layout {
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly summarize: boolean;
  readonly opts: PrintOptions;
  readonly formatter: ElementFormatter;
}

// Marks the place of the elided items in a summarized dimension.
const ELLIPSIS = -1;

function formatData(
  input: FormatInput,
  shape: readonly number[],
  numel: number,
  indent: number,
  opts: PrintOptions,
): string {
  const strides = rowMajorStrides(shape);
  const summarize = numel > opts.threshold;
  // The common width comes only from the elements that are shown, so one huge
  // hidden value does not widen every printed column.
  const shown = summarize ? summarizedIndices(shape, strides, opts.edgeitems) : allIndices(numel);
  const formatter = createElementFormatter(input, shown, opts);
  const layout: Layout = { shape, strides, summarize, opts, formatter };
  if (shape.length === 0) return formatter.format(0);
  return formatBlock(layout, 0, 0, indent);
}

function rowMajorStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = stride;
    stride *= shape[d];
  }
  return strides;
}

function allIndices(numel: number): number[] {
  return Array.from({ length: numel }, (_, i) => i);
}

/**
 * Positions printed along one dimension, with ELLIPSIS where items are
 * hidden. PyTorch slices the tail of a row as `row[-edgeitems:]` but builds
 * the tail of outer dimensions with `range(size - edgeitems, size)`; with
 * edgeitems 0 the first is the whole row and the second is empty, and that
 * difference is kept.
 */
function visiblePositions(size: number, isRow: boolean, summarize: boolean, edgeitems: number): number[] {
  if (!summarize || size <= 2 * edgeitems) return allIndices(size);
  const positions: number[] = [];
  for (let i = 0; i < edgeitems; i++) positions.push(i);
  positions.push(ELLIPSIS);
  const tailStart = isRow && edgeitems === 0 ? 0 : size - edgeitems;
  for (let i = tailStart; i < size; i++) positions.push(i);
  return positions;
}

/** Flat indices of the elements a summarized print shows. */
function summarizedIndices(shape: readonly number[], strides: readonly number[], edgeitems: number): number[] {
  const out: number[] = [];
  const visit = (dim: number, offset: number): void => {
    if (dim === shape.length) {
      out.push(offset);
      return;
    }
    const isRow = dim === shape.length - 1;
    for (const i of visiblePositions(shape[dim], isRow, true, edgeitems)) {
      if (i !== ELLIPSIS) visit(dim + 1, offset + i * strides[dim]);
    }
  };
  visit(0, 0);
  return out;
}

/** Prints the sub-tensor that starts at `offset` and spans dimensions dim.. */
function formatBlock(layout: Layout, dim: number, offset: number, indent: number): string {
  const { shape, strides, summarize, opts } = layout;
  if (dim === shape.length - 1) return formatRow(layout, offset, indent);
  const pieces: string[] = [];
  for (const i of visiblePositions(shape[dim], false, summarize, opts.edgeitems)) {
    pieces.push(i === ELLIPSIS ? '...' : formatBlock(layout, dim + 1, offset + i * strides[dim], indent + 1));
  }
  // One newline per remaining dimension beyond the row: matrices are one line
  // apart, 3-d slices get a blank line between them, and so on.
  const remainingDims = shape.length - dim;
  const separator = ',' + '\n'.repeat(remainingDims - 1) + ' '.repeat(indent + 1);
  return '[' + pieces.join(separator) + ']';
}

/** Prints the last dimension, wrapped so each line holds whole elements. */
function formatRow(layout: Layout, offset: number, indent: number): string {
  const { shape, summarize, opts, formatter } = layout;
  const size = shape[shape.length - 1];
  // Each element takes its width plus ', '.
  const elementLength = formatter.width + 2;
  const perLine = Math.max(1, Math.floor((opts.linewidth - indent) / elementLength));
  const items = visiblePositions(size, true, summarize, opts.edgeitems).map((i) =>
    i === ELLIPSIS ? ' ...' : formatter.format(offset + i),
  );
  const lines: string[] = [];
  for (let i = 0; i < items.length; i += perLine) lines.push(items.slice(i, i + perLine).join(', '));
  return '[' + lines.join(',\n' + ' '.repeat(indent + 1)) + ']';
}

// ---------------------------------------------------------------------------
// Element formatting, after PyTorch's _Formatter.

function createElementFormatter(input: FormatInput, shown: readonly number[], opts: PrintOptions): ElementFormatter {
  switch (input.dtype) {
    case 'float32':
    case 'float64':
      return createFloatFormatter(readFloats(input), shown, opts);
    case 'int32':
    case 'int64':
      return createTextFormatter(input.values, shown, integerText);
    case 'bool':
      return createTextFormatter(input.values, shown, boolText);
  }
}

/** Values as doubles; float32 ones are rounded to what a float32 can hold. */
function readFloats(input: FormatInput): Float64Array {
  const values = input.values;
  const out = new Float64Array(values.length);
  const toFloat32 = input.dtype === 'float32';
  for (let i = 0; i < values.length; i++) {
    const n = Number(values[i]);
    out[i] = toFloat32 ? Math.fround(n) : n;
  }
  return out;
}

function integerText(value: number | bigint | boolean): string {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'boolean') return value ? '1' : '0';
  const n = Math.trunc(value);
  // String() switches to exponent form from 1e21; integers never print so.
  return Number.isFinite(n) && !Number.isSafeInteger(n) ? BigInt(n).toString() : String(n);
}

function boolText(value: number | bigint | boolean): string {
  // Python spells booleans True and False, and PyTorch keeps that.
  return value ? 'True' : 'False';
}

/** Integers and booleans: their text, right-aligned to the widest shown one. */
function createTextFormatter(
  values: ArrayLike<number | bigint | boolean>,
  shown: readonly number[],
  toText: (value: number | bigint | boolean) => string,
): ElementFormatter {
  let width = 1;
  for (const i of shown) width = Math.max(width, toText(values[i]).length);
  return { width, format: (i) => toText(values[i]).padStart(width) };
}

/**
 * Floats, in one of three modes chosen from the shown nonzero finite values:
 * int mode (`1.`) when all are integral, scientific (`1.2346e+05`) when their
 * range is too wide for fixed point, fixed (`1.2346`) otherwise.
 */
function createFloatFormatter(values: Float64Array, shown: readonly number[], opts: PrintOptions): ElementFormatter {
  const precision = opts.precision;
  const candidates = shown.map((i) => values[i]).filter((v) => Number.isFinite(v) && v !== 0);

  // With nothing to measure PyTorch stays in int mode with width 1, and it
  // returns before applying a forced sciMode, so that option is ignored here.
  if (candidates.length === 0) return floatFormatter(values, 1, precision, true, false);

  let minAbs = Infinity;
  let maxAbs = 0;
  for (const v of candidates) {
    const a = Math.abs(v);
    if (a < minAbs) minAbs = a;
    if (a > maxAbs) maxAbs = a;
  }
  const intMode = candidates.every((v) => Number.isInteger(v));
  const wideRange = maxAbs / minAbs > 1000 || maxAbs > 1e8;
  // Integral values cannot be tiny, so the small-magnitude test only applies
  // to fractional ones.
  let sciMode = intMode ? wideRange : wideRange || minAbs < 1e-4;

  let width = 1;
  for (const v of candidates) {
    let length: number;
    if (sciMode) length = pythonExponential(v, precision).length;
    else if (intMode) length = pythonFixed(v, 0).length + 1; // room for the trailing '.'
    else length = pythonFixed(v, precision).length;
    width = Math.max(width, length);
  }

  // A forced mode changes how elements print but not the width measured
  // above, exactly as in PyTorch.
  if (opts.sciMode !== null) sciMode = opts.sciMode;
  return floatFormatter(values, width, precision, intMode, sciMode);
}

function floatFormatter(
  values: Float64Array,
  width: number,
  precision: number,
  intMode: boolean,
  sciMode: boolean,
): ElementFormatter {
  const format = (i: number): string => {
    const v = values[i];
    let text: string;
    if (sciMode) text = pythonExponential(v, precision);
    else if (intMode) text = intModeText(v);
    else text = pythonFixed(v, precision);
    return text.padStart(width);
  };
  return { width, format };
}

/** `1.`, `-0.`; the dot marks a float, and is left off nan and inf. */
function intModeText(v: number): string {
  const text = pythonFixed(v, 0);
  return Number.isFinite(v) ? text + '.' : text;
}

// ---------------------------------------------------------------------------
// Python's '{:.Nf}' and '{:.Ne}' for doubles.
//
// JS toFixed/toExponential round exactly but break ties away from zero, where
// Python rounds half to even (0.03125 -> '0.0312', not '0.0313'). A tie can
// only happen when the exact value has a 5 right after the last kept digit, so
// the fast JS path is used unless that digit is a 5; then the exact decimal
// expansion of the double decides.

function nonFiniteText(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  return v > 0 ? 'inf' : '-inf';
}

function signOf(v: number): string {
  // Python keeps the sign of negative zero and of values that round to zero.
  return v < 0 || Object.is(v, -0) ? '-' : '';
}

/** Python's `'{:.Nf}'.format(v)`. */
function pythonFixed(v: number, digits: number): string {
  if (!Number.isFinite(v)) return nonFiniteText(v);
  const abs = Math.abs(v);
  if (abs < 1e21 && digits < 100) {
    const probe = abs.toFixed(digits + 1);
    if (probe[probe.length - 1] !== '5') return signOf(v) + abs.toFixed(digits);
  }
  return signOf(v) + exactFixed(abs, digits);
}

/** Python's `'{:.Ne}'.format(v)`: exponent signed and at least two digits. */
function pythonExponential(v: number, digits: number): string {
  if (!Number.isFinite(v)) return nonFiniteText(v);
  const abs = Math.abs(v);
  let body: string;
  if (digits < 100) {
    const probe = abs.toExponential(digits + 1);
    const mantissa = probe.slice(0, probe.indexOf('e'));
    body = mantissa[mantissa.length - 1] !== '5' ? abs.toExponential(digits) : exactExponential(abs, digits);
  } else {
    body = exactExponential(abs, digits);
  }
  return signOf(v) + padExponent(body);
}

/** Turns JS's `1.5e+5` into Python's `1.5e+05`. */
function padExponent(text: string): string {
  const e = text.indexOf('e');
  const sign = text[e + 1];
  const exponent = text.slice(e + 2);
  return text.slice(0, e + 1) + sign + exponent.padStart(2, '0');
}

/** A non-negative double as digits / 10^scale, exactly. */
function exactDecimal(abs: number): { digits: bigint; scale: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, abs);
  const bits = view.getBigUint64(0);
  const biasedExponent = Number((bits >> 52n) & 0x7ffn);
  let mantissa = bits & 0xfffffffffffffn;
  let exponent: number;
  if (biasedExponent === 0) {
    exponent = -1074; // subnormal
  } else {
    mantissa |= 1n << 52n;
    exponent = biasedExponent - 1075;
  }
  if (mantissa === 0n) return { digits: 0n, scale: 0 };
  // Fewer factors of two means a smaller power of five below.
  while (exponent < 0 && (mantissa & 1n) === 0n) {
    mantissa >>= 1n;
    exponent++;
  }
  if (exponent >= 0) return { digits: mantissa << BigInt(exponent), scale: 0 };
  // m / 2^k == m * 5^k / 10^k
  return { digits: mantissa * 5n ** BigInt(-exponent), scale: -exponent };
}

/** Drops `count` trailing decimal digits of n, rounding half to even. */
function dropDigitsHalfEven(n: bigint, count: number): bigint {
  if (count <= 0) return n * 10n ** BigInt(-count);
  const divisor = 10n ** BigInt(count);
  let quotient = n / divisor;
  const twiceRemainder = (n % divisor) * 2n;
  if (twiceRemainder > divisor || (twiceRemainder === divisor && (quotient & 1n) === 1n)) quotient++;
  return quotient;
}

function exactFixed(abs: number, digits: number): string {
  const { digits: n, scale } = exactDecimal(abs);
  const scaled = dropDigitsHalfEven(n, scale - digits).toString().padStart(digits + 1, '0');
  if (digits === 0) return scaled;
  return scaled.slice(0, -digits) + '.' + scaled.slice(-digits);
}

/** `d.ddde+X` with JS's exponent spelling; padExponent makes it Python's. */
function exactExponential(abs: number, digits: number): string {
  const { digits: n, scale } = exactDecimal(abs);
  if (n === 0n) return (digits > 0 ? '0.' + '0'.repeat(digits) : '0') + 'e+0';
  const text = n.toString();
  let exponent = text.length - 1 - scale;
  let significand = dropDigitsHalfEven(n, text.length - (digits + 1)).toString();
  if (significand.length > digits + 1) {
    // Rounding carried into a new leading digit (9.99... -> 10.0).
    significand = significand.slice(0, digits + 1);
    exponent++;
  }
  const mantissa = digits > 0 ? significand[0] + '.' + significand.slice(1) : significand;
  return `${mantissa}e${exponent < 0 ? '-' : '+'}${Math.abs(exponent)}`;
}
