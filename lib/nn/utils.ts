// SPDX-License-Identifier: MIT
/** kiln.nn.utils: gradient clipping (torch.nn.utils). */
export { clipGradNorm_, clipGradValue_ } from './clip-grad';
export type { ClipGradNormOptions } from './clip-grad';
