// SPDX-License-Identifier: MIT
// index.html: every heading, paragraph, table cell and picture appears; user text is escaped;
// the page loads nothing from elsewhere and runs no script; image paths that leave the folder
// are refused.
import fs from 'node:fs';
import path from 'node:path';
import { KilnError } from '../../lib/errors';
import { escapeHtml, writeReport } from '../../lib/job/report';
import { tempDir } from './helpers';

describe('writeReport', () => {
  const dir = tempDir('report');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const file = writeReport(dir, {
    title: 'Run on <script>alert(1)</script> & "friends"',
    sections: [
      { heading: '1. Frame the problem', text: 'target: species\n\nmetric: accuracy, because the classes are balanced' },
      {
        heading: '7. Evaluate <test>',
        table: {
          columns: ['metric', 'value'],
          rows: [
            ['accuracy', 0.9667],
            ['class a<b', 12],
          ],
        },
      },
      {
        heading: '5. Train',
        text: 'best epoch 14',
        images: [
          { file: 'learning_curves.svg', alt: 'learning curves' },
          { file: 'roc curve.png', alt: 'ROC "curve"' },
        ],
      },
    ],
  });
  const html = fs.readFileSync(file, 'utf8');

  test('writes index.html in the folder', () => {
    expect(file).toBe(path.join(dir, 'index.html'));
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<meta charset="utf-8">');
  });

  test('title and headings, escaped', () => {
    const title = 'Run on &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;friends&quot;';
    expect(html).toContain(`<title>${title}</title>`);
    expect(html).toContain(`<h1>${title}</h1>`);
    expect(html).toContain('<h2>1. Frame the problem</h2>');
    expect(html).toContain('<h2>7. Evaluate &lt;test&gt;</h2>');
    expect(html).toContain('<h2>5. Train</h2>');
  });

  test('paragraphs split on blank lines', () => {
    expect(html).toContain('<p>target: species</p>');
    expect(html).toContain('<p>metric: accuracy, because the classes are balanced</p>');
    expect(html).toContain('<p>best epoch 14</p>');
  });

  test('table header and cells, numbers right-aligned', () => {
    expect(html).toContain('<th>metric</th><th>value</th>');
    expect(html).toContain('<tr><td>accuracy</td><td class="num">0.9667</td></tr>');
    expect(html).toContain('<tr><td>class a&lt;b</td><td class="num">12</td></tr>');
  });

  test('one <img> per picture, by relative path', () => {
    const imgs = html.match(/<img [^>]*>/g) ?? [];
    expect(imgs).toEqual([
      '<img src="learning_curves.svg" alt="learning curves">',
      '<img src="roc%20curve.png" alt="ROC &quot;curve&quot;">',
    ]);
  });

  test('self-contained: no script, no external resource', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
    expect(html).toContain('<style>');
  });
});

test('escapeHtml covers the five special characters', () => {
  expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
});

test.each(['/etc/passwd.svg', '../up.svg', 'sub/../../x.png', 'https://example.com/a.png', ''])('image path %p is refused', (bad) => {
  const dir = tempDir('report-bad');
  try {
    expect(() => writeReport(dir, { title: 't', sections: [{ heading: 'h', images: [{ file: bad, alt: 'a' }] }] })).toThrow(KilnError);
    expect(() => writeReport(dir, { title: 't', sections: [{ heading: 'h', images: [{ file: bad, alt: 'a' }] }] })).toThrow(/writeReport: image file/);
    expect(fs.existsSync(path.join(dir, 'index.html'))).toBe(false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
