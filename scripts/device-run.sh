#!/bin/sh
# Runs a compiled script on a GPU machine with the node and CUDA addon carried in .carry/
# (see scripts/device-prepare.sh). Usage, from the project root: sh scripts/device-run.sh FILE.js [args]
set -eu
work="$(mktemp -d)"
if command -v xz >/dev/null 2>&1; then
  xz -dc .carry/node.xz > "$work/node"
else
  python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(".carry/node.xz"), open(sys.argv[1], "wb"))' "$work/node"
fi
chmod +x "$work/node"
export PATH="$work:$PATH"
export KILN_BACKEND=cuda
export KILN_CUDA_BINARY="$PWD/.carry/kiln_cuda.node"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
ldd --version 2>&1 | head -1
node --version
exec node --expose-gc "$@"
