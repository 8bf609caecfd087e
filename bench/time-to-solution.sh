#!/usr/bin/env bash
# `npm run bench:solution`: the time-to-solution figures measured in one sitting, one after the
# other on the same machine: small full-batch problems and the per-epoch metrics overhead
# (bench/small-problems.ts), L-BFGS on a digits-shaped problem and on Fashion-MNIST
# (bench/lbfgs.ts), and a batch-256 Fashion-MNIST epoch with f32 and byte features against TF.js's
# wasm backend (npm run bench's training phase, results not written). Prints each part's tables.
set -euo pipefail
cd "$(dirname "$0")/.."
node build.mjs
echo "== $(date -u +%FT%TZ) small problems and per-epoch metrics"
node --import tsx bench/small-problems.ts
echo "== $(date -u +%FT%TZ) L-BFGS"
node --import tsx bench/lbfgs.ts
echo "== $(date -u +%FT%TZ) a batch-256 epoch against TF.js wasm"
node --import tsx bench/run.ts --only training --impl webgpu-logreg,webgpu-logreg-u8,tfjs-wasm --batch 256 --no-write
echo "== $(date -u +%FT%TZ) done"
