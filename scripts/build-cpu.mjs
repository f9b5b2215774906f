// SPDX-License-Identifier: MIT
// Builds build/Release/kiln.node with node-gyp against the local Node's headers (offline).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { localNodeDir } from './node-headers.mjs';

const require = createRequire(import.meta.url);
const nodeGyp = require.resolve('node-gyp/bin/node-gyp.js');
const nodedir = localNodeDir();
const args = [nodeGyp, 'rebuild', `--jobs=${process.env.KILN_BUILD_JOBS ?? 'max'}`];
if (nodedir) args.push(`--nodedir=${nodedir}`);
else console.warn('kiln: no local Node headers found; node-gyp will try to download them');
const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(result.status ?? 1);
