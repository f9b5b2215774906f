// SPDX-License-Identifier: MIT
// Whether this machine can run the CUDA tests. Without a CUDA device they are skipped, and
// each CUDA suite prints why once, so a skipped run is never mistaken for a passing one.
import * as kiln from '../../lib';
import { cudaUnavailableReason } from '../../lib/backend/devices';

export const HAS_GPU = kiln.cuda.isAvailable();
export const GPU = 'cuda:0';

/** `describe` where a CUDA device is present, else `describe.skip` with the reason printed. */
export function describeGpu(name: string, body: () => void): void {
  if (HAS_GPU) {
    describe(name, body);
    return;
  }
  describe.skip(name, body);
  // eslint-disable-next-line no-console
  console.log(`skipping "${name}": ${cudaUnavailableReason()}`);
}
