// SPDX-License-Identifier: MIT
/**
 * Plain-text tables for the terminal: one renderer shared by Table.toString, describe, info
 * and classBalance, so every summary lines up the same way, and one number format per column
 * (pandas' habit: a column of 0.1184 and 0.08474 prints as 0.11840 and 0.08474).
 */

export type Align = 'left' | 'right';

export interface TextTable {
  /** Column headings; the first one may be '' for a column of row labels. */
  header: readonly string[];
  /** Cells, already formatted, one array per row, as long as `header`. */
  rows: ReadonlyArray<readonly string[]>;
  /** Alignment per column; right by default (numbers), left suits strings. */
  align?: readonly Align[];
}

/** Cells joined with two spaces, each column padded to its widest cell; no trailing spaces. */
export function renderTable({ header, rows, align = [] }: TextTable): string {
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, j) => (align[j] === 'left' ? c.padEnd(widths[j]) : c.padStart(widths[j])))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** Significant digits shown for non-integral numbers, as pandas' default display precision. */
const SIGNIFICANT = 6;

/**
 * Formats a column of numbers with one shared style: integers as integers; otherwise a common
 * number of decimals (at most 6, enough for the most precise value at 6 significant digits);
 * scientific notation when the magnitudes are very large or very small. NaN prints as NaN.
 */
export function formatNumbers(values: ArrayLike<number>): string[] {
  const finite = Array.from(values).filter(Number.isFinite);
  const special = (v: number) => (Number.isNaN(v) ? 'NaN' : v > 0 ? 'inf' : '-inf');
  const fmt = (f: (v: number) => string) => Array.from(values, (v) => (Number.isFinite(v) ? f(v) : special(v)));
  if (finite.every((v) => Number.isInteger(v) && Math.abs(v) < 1e15)) return fmt(String);
  const largest = Math.max(...finite.map(Math.abs));
  const smallest = Math.min(...finite.filter((v) => v !== 0).map(Math.abs));
  if (largest >= 1e9 || smallest < 1e-4) return fmt((v) => v.toExponential(SIGNIFICANT - 2));
  const decimals = Math.max(...finite.map(decimalsNeeded));
  return fmt((v) => v.toFixed(decimals));
}

/** Decimals that `v` needs at 6 significant digits, trailing zeros dropped (0 to 6). */
function decimalsNeeded(v: number): number {
  const text = Number(v.toPrecision(SIGNIFICANT)).toString();
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : Math.min(SIGNIFICANT, text.length - dot - 1);
}

/** Byte counts as people read them: 812 B, 4.7 KB, 1.2 MB. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let u = 0;
  while (value >= 1024 && u < units.length - 1) {
    value /= 1024;
    u++;
  }
  return u === 0 ? `${value} B` : `${value.toFixed(1)} ${units[u]}`;
}

/** A fraction as a percentage with one decimal: 0.3726 -> '37.3%'. */
export function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}
