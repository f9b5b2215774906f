// SPDX-License-Identifier: MIT
// Builds build/Release/kiln.node with node-gyp against the local Node's headers (offline).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { localNodeDir } from './node-headers.mjs';

const require = createRequire(import.meta.url);
// Our own node-gyp when installed (development), else the one npm ships with (users' installs).
function findNodeGyp() {
  try {
    return require.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    if (process.env.npm_config_node_gyp) return process.env.npm_config_node_gyp;
    throw new Error('kiln: node-gyp not found; run the build through npm (npm install / npm run build:native)');
  }
}
const nodeGyp = findNodeGyp();
const nodedir = localNodeDir();
const args = [nodeGyp, 'rebuild', `--jobs=${process.env.KILN_BUILD_JOBS ?? 'max'}`];
if (nodedir) args.push(`--nodedir=${nodedir}`);
else console.warn('kiln: no local Node headers found; node-gyp will try to download them');
const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(result.status ?? 1);
