// SPDX-License-Identifier: MIT
/**
 * Turns a Vega-Lite spec into pictures: Vega-Lite compiles it to Vega, a headless Vega view
 * draws the SVG, and resvg rasterizes that SVG to a PNG at twice its size. Both use the same
 * sans-serif font list, so the two files look alike.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import { Resvg } from '@resvg/resvg-js';
import { KilnError } from '../errors';

/** Fonts tried in order, in the SVG and by the PNG rasterizer. */
export const CHART_FONT = 'DejaVu Sans, Liberation Sans, Arial, sans-serif';

/** One rendered chart; `name` is the file stem that writeChart uses. */
export interface Chart {
  name: string;
  svg: string;
  png: Buffer;
}

// A stem that stays inside its folder and needs no escaping in a URL or an HTML attribute.
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

function checkName(fn: string, name: string): void {
  if (!SAFE_NAME.test(name) || name.includes('..'))
    throw new KilnError(`${fn}: chart name '${name}' is not a plain file stem; expected letters, digits, '_', '-' or '.'`);
}

/** Renders a Vega-Lite spec to an SVG string and a PNG at `scale` times the SVG's size. */
export async function renderChart(name: string, spec: TopLevelSpec, scale = 2): Promise<Chart> {
  checkName('renderChart', name);
  const vgSpec = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(vgSpec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    const png = new Resvg(svg, {
      fitTo: { mode: 'zoom', value: scale },
      font: { loadSystemFonts: true, defaultFontFamily: CHART_FONT.split(',')[0] },
    })
      .render()
      .asPng();
    return { name, svg, png };
  } finally {
    view.finalize();
  }
}

/** Writes `<name>.svg` and `<name>.png` into `dir` (made if missing); returns both paths. */
export function writeChart(dir: string, chart: Chart): { svg: string; png: string } {
  checkName('writeChart', chart.name);
  fs.mkdirSync(dir, { recursive: true });
  const files = { svg: path.join(dir, `${chart.name}.svg`), png: path.join(dir, `${chart.name}.png`) };
  fs.writeFileSync(files.svg, chart.svg);
  fs.writeFileSync(files.png, chart.png);
  return files;
}
