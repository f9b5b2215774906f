// SPDX-License-Identifier: MIT
// Builds build-cuda/Release/kiln_cuda.node with cmake-js (CUDA kernels when nvcc is on PATH).
// cmake-js takes the Node-API headers from node-api-headers because package.json declares
// binary.napi_versions, so nothing is downloaded.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
const args = [cmakeJs, 'rebuild', '--out', 'build-cuda'];
if (process.env.KILN_CUDA_ARCH) args.push(`--CDCMAKE_CUDA_ARCHITECTURES=${process.env.KILN_CUDA_ARCH}`);
const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(result.status ?? 1);
