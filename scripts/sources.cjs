// SPDX-License-Identifier: MIT
// The one list of native sources, read by binding.gyp (CPU addon) and CMakeLists.txt (CUDA
// addon) alike. Usage: node scripts/sources.cjs cpu|cuda [--cmake]
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const listDir = (dir, ext) =>
  fs.existsSync(path.join(root, dir))
    ? fs.readdirSync(path.join(root, dir)).filter((f) => f.endsWith(ext)).sort().map((f) => `${dir}/${f}`)
    : [];

const cpu = [...listDir('native/core', '.cc'), ...listDir('native/cpu', '.cc'), ...listDir('native/binding', '.cc')];
const cuda = [...cpu, ...listDir('cuda', '.cu')];

if (require.main === module) {
  const list = process.argv[2] === 'cuda' ? cuda : cpu;
  process.stdout.write(process.argv.includes('--cmake') ? list.join(';') : list.join(' '));
}
module.exports = { cpu, cuda };
