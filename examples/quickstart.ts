// SPDX-License-Identifier: MIT
/**
 * The quick-start example: build tensors, multiply them, reduce them, and print the results
 * the way PyTorch prints tensors. Run with `npm run example`.
 */
import * as kiln from '../lib';

kiln.manualSeed(0);

// Two matrices: one from nested arrays, one from the seeded normal generator.
const a = kiln.tensor([
  [1, 2, 3],
  [4, 5, 6],
]);
const b = kiln.randn([3, 4]);
console.log('a =', a);
console.log('b =', b);

// A matrix product, then reductions over rows, columns and everything.
const c = a.matmul(b);
console.log('a @ b =', c);
console.log('row sums      =', c.sum(1));
console.log('column means  =', c.mean(0));
const [best, where] = c.max(1);
console.log('row max       =', best, 'at', where);
console.log('softmax(a @ b, dim=1) =', c.softmax(1));
console.log('total         =', c.sum().item());

// Views share memory; broadcasting stretches size-1 dims.
const centered = c.sub(c.mean(0, { keepdim: true }));
console.log('centered columns (mean ~0):', centered.mean(0));
console.log(`kiln runs on ${kiln.getNumThreads()} thread(s), addon: ${kiln.backend.info().variant} build`);
