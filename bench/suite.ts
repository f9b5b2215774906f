// SPDX-License-Identifier: MIT
/**
 * kiln's CPU suite as a list of steps, each one workload (or a few that share their inputs)
 * under a key. bench/torch_peer.py runs the same workloads under the same keys, so that the
 * two can alternate step by step (see run.ts).
 */
import * as w from './workloads';
import * as d from './data-workloads';
import * as more from './more-workloads';
import type { Result } from './workloads';

export interface Step {
  key: string;
  run(): Result[];
}

export function cpuSuite(threads: number, quick: boolean): Step[] {
  const one = (key: string, run: () => Result): Step => ({ key, run: () => [run()] });
  const steps: Step[] = (quick ? [128, 512, 1024] : [128, 512, 1024, 2048]).map((n) => one(`matmul ${n}`, () => w.matmul(n, threads)));
  if (!quick && threads !== 1) steps.push(one('matmul 2048, 1 thread', () => w.matmul(2048, 1)));
  steps.push(
    // The ceiling for matmul, on the same thread counts (no peer: it is kiln's own loop).
    { key: 'peak', run: () => (threads === 1 ? [1] : [threads, 1]).map((t) => w.peakFma(t)) },
    one('copy', w.copyBandwidth),
    one('add in place', w.addInPlace),
    one('add fresh', w.addFresh),
    { key: 'other fresh', run: w.otherElementwiseFresh },
    one('sum', w.sum),
    one('softmax', w.softmax),
    one('logSoftmax', more.logSoftmax),
    { key: 'reductions', run: more.reductions },
    one('bmm', more.batchedMatmul),
    one('transposed matmul', more.transposedMatmul),
    one('per-op overhead', w.perOpOverhead),
    one('per-op overhead with grad', more.perOpOverheadWithGrad),
    one('MLP train step', w.mlpTrainStep),
    one('optimizer step', w.optimizerStep),
    one('DataLoader epoch', d.dataLoaderEpoch),
    one('safetensors round trip', d.safetensorsRoundTrip),
  );
  return steps;
}
