// SPDX-License-Identifier: MIT
/**
 * Finds and loads the native addon. Order: KILN_BACKEND=cpu forces the CPU build; otherwise
 * a CUDA-capable build (KILN_CUDA_BINARY, build-cuda/Release/kiln_cuda.node) is preferred
 * because it contains the CPU kernels too; then node-gyp-build (build/Release, prebuilds/).
 * When nothing loads, one error lists every attempt and how to fix it.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface LoadedAddon {
  binding: unknown;
  file: string;
  variant: 'cpu' | 'cuda';
}

/** The package root: the folder holding package.json above this file (lib/ or dist/lib/). */
export function packageRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'binding.gyp'))) return dir;
    dir = path.dirname(dir);
  }
  throw new Error(`kiln: cannot find the package root above ${__dirname}`);
}

export function loadAddon(): LoadedAddon {
  const root = packageRoot();
  const mode = process.env.KILN_BACKEND ?? 'auto';
  const attempts: string[] = [];

  if (mode !== 'cpu') {
    const cudaCandidates = [
      process.env.KILN_CUDA_BINARY,
      path.join(root, 'build-cuda', 'Release', 'kiln_cuda.node'),
      path.join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'cuda', 'kiln_cuda.node'),
    ].filter((f): f is string => Boolean(f));
    for (const file of cudaCandidates) {
      if (!fs.existsSync(file)) {
        attempts.push(`${file}: not found`);
        continue;
      }
      try {
        return { binding: require(file), file, variant: 'cuda' };
      } catch (e) {
        attempts.push(`${file}: ${(e as Error).message}`);
      }
    }
    if (mode === 'cuda') throw loadFailure(attempts, 'KILN_BACKEND=cuda but no CUDA build loaded');
  }

  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const nodeGypBuild = require('node-gyp-build') as { path(dir: string): string };
    const file = nodeGypBuild.path(root);
    return { binding: require(file), file, variant: 'cpu' };
  } catch (e) {
    attempts.push(`node-gyp-build (build/Release, prebuilds/): ${(e as Error).message.split('\n')[0]}`);
  }
  throw loadFailure(attempts, 'no kiln native addon could be loaded');
}

function loadFailure(attempts: string[], headline: string): Error {
  return new Error(
    [
      `kiln: ${headline}.`,
      'Tried:',
      ...attempts.map((a) => `  - ${a}`),
      'Possible solutions:',
      '  - Build the CPU addon: `npm run build:native` (needs a C++17 compiler, python3 and make).',
      '  - Build the CUDA addon: `npm run build:cuda` (needs cmake and nvcc).',
      '  - Unset KILN_BACKEND or KILN_CUDA_BINARY if they point at something missing.',
    ].join('\n'),
  );
}
