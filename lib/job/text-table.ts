// SPDX-License-Identifier: MIT
/** Aligned plain-text tables for the job's log, drawn by the data layer's renderer. */
import { renderTable } from '../data/format-table';

/** A column whose cells all read as numbers is right-aligned; text is left-aligned. */
export function formatRows(columns: string[], rows: (string | number)[][]): string {
  const cells = rows.map((r) => columns.map((_, j) => String(r[j] ?? '')));
  const align = columns.map((_, j) => (cells.length > 0 && cells.every((r) => r[j] === '' || !Number.isNaN(Number(r[j]))) ? 'right' : 'left'));
  return renderTable({ header: columns, rows: cells, align });
}
