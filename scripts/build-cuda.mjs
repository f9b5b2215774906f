// SPDX-License-Identifier: MIT
// Builds build-cuda/Release/kiln_cuda.node with cmake-js (CUDA kernels when nvcc is on PATH).
// cmake-js takes the Node-API headers from node-api-headers because package.json declares
// binary.napi_versions, so nothing is downloaded.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';

const require = createRequire(import.meta.url);
const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
// 'build' configures on first use and recompiles only what changed afterwards.
const args = [cmakeJs, 'build', '--out', 'build-cuda'];
if (process.env.KILN_CUDA_ARCH) args.push(`--CDCMAKE_CUDA_ARCHITECTURES=${process.env.KILN_CUDA_ARCH}`);
// Compile on every core (nvcc is the slow part of the build).
const env = { ...process.env, CMAKE_BUILD_PARALLEL_LEVEL: process.env.CMAKE_BUILD_PARALLEL_LEVEL ?? String(os.availableParallelism()) };
const result = spawnSync(process.execPath, args, { stdio: 'inherit', env });
process.exit(result.status ?? 1);
