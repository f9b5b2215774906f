// SPDX-License-Identifier: MIT
// npm install hook: use a prebuilt or already built addon when one loads, else build from
// source with node-gyp (needs a C++17 compiler; nothing is downloaded).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
try {
  require('node-gyp-build').path(root);
  process.exit(0);
} catch {
  const result = spawnSync(process.execPath, [path.join(root, 'scripts', 'build-cpu.mjs')], {
    stdio: 'inherit',
    cwd: root,
  });
  process.exit(result.status ?? 1);
}
