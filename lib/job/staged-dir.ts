// SPDX-License-Identifier: MIT
/**
 * Writes an output folder all at once: the job fills a sibling staging folder and only a run
 * that finished replaces the old folder with it, so a run that fails (bad input, a crash, Ctrl-C)
 * never leaves a half-written folder where a good one was.
 */
import fs from 'node:fs';
import path from 'node:path';

export async function withStagedDir<T>(outDir: string, fill: (staging: string) => Promise<T> | T): Promise<T> {
  const target = path.resolve(outDir);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const staging = fs.mkdtempSync(`${target}.partial-`);
  try {
    const result = await fill(staging);
    const old = fs.existsSync(target) ? `${staging}.old` : null;
    if (old) fs.renameSync(target, old);
    try {
      fs.renameSync(staging, target);
    } catch (e) {
      if (old) fs.renameSync(old, target);
      throw e;
    }
    if (old) fs.rmSync(old, { recursive: true, force: true });
    return result;
  } catch (e) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw e;
  }
}
