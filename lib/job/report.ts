// SPDX-License-Identifier: MIT
/**
 * Writes a run's index.html: one self-contained page (inline CSS, no scripts, nothing fetched
 * from elsewhere) with a section per step, each with its text, table and pictures. Pictures are
 * referenced by relative path, so the page works wherever its folder is copied. Every piece of
 * text is HTML-escaped: column names and class names come from user data.
 */
import fs from 'node:fs';
import path from 'node:path';
import { KilnError } from '../errors';

export interface ReportTable {
  columns: string[];
  rows: (string | number)[][];
}

export interface ReportImage {
  /** Path relative to the report's folder, e.g. 'roc_curve.svg'. */
  file: string;
  alt: string;
}

export interface ReportSection {
  heading: string;
  /** Paragraphs separated by blank lines; single line breaks are kept. */
  text?: string;
  table?: ReportTable;
  images?: ReportImage[];
}

export interface Report {
  title: string;
  sections: ReportSection[];
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for use in HTML content and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

const STYLE = `
body { font-family: 'DejaVu Sans', 'Liberation Sans', Arial, sans-serif; color: #222; margin: 0; background: #f6f7f9; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 32px 48px; background: white; min-height: 100vh; box-sizing: border-box; }
h1 { font-size: 1.6em; margin: 0.4em 0 0.8em; }
h2 { font-size: 1.2em; margin: 1.8em 0 0.6em; padding-bottom: 0.2em; border-bottom: 1px solid #ddd; }
p { line-height: 1.45; white-space: pre-wrap; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.95em; }
th, td { border: 1px solid #d6d6d6; padding: 4px 10px; text-align: left; }
th { background: #f0f2f5; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #666; font-size: 0.85em; margin-top: 0.3em; }
`.trim();

/** A relative path inside the report's folder, made safe for a src attribute. */
function imageSrc(file: string): string {
  const bad = file === '' || path.isAbsolute(file) || /^[a-z][a-z0-9+.-]*:/i.test(file) || file.split(/[\\/]/).includes('..');
  if (bad) throw new KilnError(`writeReport: image file '${file}' must be a relative path inside the report's folder`);
  return escapeHtml(file.split(/[\\/]/).map(encodeURIComponent).join('/'));
}

function renderTable(t: ReportTable): string {
  const head = t.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const body = t.rows
    .map((row) => {
      const cells = row.map((v) => (typeof v === 'number' ? `<td class="num">${escapeHtml(String(v))}</td>` : `<td>${escapeHtml(v)}</td>`));
      return `<tr>${cells.join('')}</tr>`;
    })
    .join('\n');
  return `<table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

function renderSection(s: ReportSection): string {
  const parts = [`<section>`, `<h2>${escapeHtml(s.heading)}</h2>`];
  for (const para of (s.text ?? '').split(/\n\s*\n/)) if (para.trim()) parts.push(`<p>${escapeHtml(para.trim())}</p>`);
  if (s.table) parts.push(renderTable(s.table));
  for (const img of s.images ?? [])
    parts.push(`<figure><img src="${imageSrc(img.file)}" alt="${escapeHtml(img.alt)}"><figcaption>${escapeHtml(img.alt)}</figcaption></figure>`);
  parts.push('</section>');
  return parts.join('\n');
}

/** The page's HTML, for writing or inspection. */
export function renderReport(report: Report): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(report.title)}</title>`,
    `<style>\n${STYLE}\n</style>`,
    '</head>',
    '<body>',
    '<main>',
    `<h1>${escapeHtml(report.title)}</h1>`,
    ...report.sections.map(renderSection),
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** Writes `dir/index.html` (making `dir` if needed) and returns its path. */
export function writeReport(dir: string, report: Report): string {
  const html = renderReport(report);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'index.html');
  fs.writeFileSync(file, html);
  return file;
}
