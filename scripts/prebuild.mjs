// SPDX-License-Identifier: MIT
// prebuilds/<platform>-<arch>/kiln.node for publishing. prebuildify asks node-gyp for the
// newest Node's headers; pointing npm_config_nodedir at the local Node keeps it offline
// (Node-API makes the Node version irrelevant).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { localNodeDir } from './node-headers.mjs';

const require = createRequire(import.meta.url);
const env = { ...process.env };
const nodedir = localNodeDir();
if (nodedir) env.npm_config_nodedir = nodedir;
const bin = require.resolve('prebuildify/bin.js');
const result = spawnSync(process.execPath, [bin, '--napi', '--strip'], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
