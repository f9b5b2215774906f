// SPDX-License-Identifier: MIT
// Where the running Node keeps its own headers, so node-gyp never downloads them.
import fs from 'node:fs';
import path from 'node:path';

export function localNodeDir() {
  const candidates = [process.env.npm_config_nodedir, path.resolve(process.execPath, '..', '..')];
  return candidates.find((dir) => dir && fs.existsSync(path.join(dir, 'include', 'node', 'node_api.h')));
}
