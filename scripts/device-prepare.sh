#!/usr/bin/env bash
# Prepares .carry/ for a run on a GPU machine that has no Node.js and no network: a stripped,
# xz-compressed node, the CUDA-capable addon (sm_90 machine code, the GPU machines' H100s) and
# the compiled JS of the library, the benchmarks and the GPU check. Then, on the GPU machine:
#   sh scripts/device-run.sh .carry/dist/test/device/gpu-check.js "$OUT/gpu-check.json"
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .carry
if [ ! -f .carry/node.xz ]; then
  strip --strip-all -o .carry/node.bin "$(command -v node)"
  xz -9 -T2 -c .carry/node.bin > .carry/node.xz
  rm .carry/node.bin
fi
KILN_CUDA_ARCH="${KILN_CUDA_ARCH:-90-real}" npm run build:cuda
cp build-cuda/Release/kiln_cuda.node .carry/kiln_cuda.node
rm -rf .carry/dist
npx tsc -p tsconfig.device.json
# The compiled files find the package root (package.json + binding.gyp) and bundled data there,
# and the packages the library loads at start in .carry/node_modules.
cp package.json binding.gyp .carry/
rm -rf .carry/data .carry/node_modules && cp -r data .carry/data
mkdir -p .carry/node_modules
for pkg in csv-parse csv-stringify node-gyp-build; do cp -r "node_modules/$pkg" .carry/node_modules/; done
du -sh .carry
