// SPDX-License-Identifier: MIT
/**
 * Opens a run's index.html the way a person would, in headless Chromium (Debian's chromium
 * package, driven by puppeteer-core, which downloads nothing), and checks that every picture on
 * the page loaded. Skipped, saying so, where no Chromium is installed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer from 'puppeteer-core';
import { runTrainJob } from '../../lib/job/train-job';
import { captureLog, tempDir } from './helpers';

const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
const chromium = CANDIDATES.find((p): p is string => !!p && fs.existsSync(p));
if (!chromium) console.log('report-browser: skipped, no Chromium installed (apt-get install chromium, or set CHROMIUM_PATH)');
const testIfChromium = chromium ? test : test.skip;

testIfChromium('every picture in index.html loads in Chromium', async () => {
  const out = path.join(tempDir('browser'), 'run');
  await runTrainJob({ data: 'iris', epochs: 5, out }, captureLog());
  const browser = await puppeteer.launch({ executablePath: chromium, args: ['--no-sandbox', '--disable-gpu'], headless: true });
  try {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(path.join(out, 'index.html')).href, { waitUntil: 'load' });
    const images = await page.$$eval('img', (imgs) => imgs.map((i) => ({ src: i.getAttribute('src'), ok: i.complete && i.naturalWidth > 0 })));
    expect(images.length).toBeGreaterThanOrEqual(5);
    expect(images.filter((i) => !i.ok)).toEqual([]);
    const headings = await page.$$eval('h2', (hs) => hs.map((h) => h.textContent ?? ''));
    expect(headings.some((h) => h.includes('Evaluate'))).toBe(true);
  } finally {
    await browser.close();
  }
}, 120000);
