// SPDX-License-Identifier: MIT
// The op database on CUDA: every op, dtype and sample of test/ops/op-db.ts with its inputs made
// on the GPU (strided, broadcast, 0-d and empty views included), against the same float64
// references as on the CPU. Float tolerances are 8x the CPU's: GPU reductions and matmul add
// in a different order (and TF32 stays off, as by default).
import * as kiln from '../../lib';
import { OP_DB } from '../ops/op-db';
import { casesOf, runSample } from '../ops/op-runner';
import { describeGpu, GPU } from './gpu';

const FLOAT_TOLERANCE_SCALE = 8;

describeGpu('op database on CUDA', () => {
  describe.each(OP_DB.map((e) => [e.id, e] as const))('%s', (_id, entry) => {
    test.each(casesOf(entry))('%s', (_name, smp) => {
      runSample(entry, smp, GPU, FLOAT_TOLERANCE_SCALE);
      // Errors found by kernels surface at the next synchronization: there must be none.
      kiln.cuda.synchronize();
    });
  });
});
