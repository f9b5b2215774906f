// SPDX-License-Identifier: MIT
// Files written by the reference implementations (safetensors' save_file from PyTorch, and
// NumPy's np.save / write_array; see interop.py `fixtures`), committed under fixtures/ so these
// checks run on every machine, Python or not: kiln reads them, and writes the same bytes back.
import fs from 'node:fs';
import path from 'node:path';
import { loadNpy, loadWithMetadata, saveBuffer, saveNpyBuffer } from '../../lib/io';
import { flatValues } from './helpers';
import { NPY_EXPECTED, NPY_SAVED_BY_NP_SAVE, REFERENCE_EXPECTED, REFERENCE_METADATA } from './reference';

const FIXTURES = path.join(__dirname, 'fixtures');

describe('torch-small.safetensors (written by safetensors.torch.save_file)', () => {
  const file = path.join(FIXTURES, 'torch-small.safetensors');

  test('every tensor has the dtype, shape and elements PyTorch stored', () => {
    const { tensors, metadata } = loadWithMetadata(file);
    expect(metadata).toEqual(REFERENCE_METADATA);
    expect(Object.keys(tensors).sort()).toEqual(Object.keys(REFERENCE_EXPECTED).sort());
    for (const [name, want] of Object.entries(REFERENCE_EXPECTED)) {
      const t = tensors[name];
      expect({ name, dtype: t.dtype, shape: t.shape, values: flatValues(t) }).toEqual({ name, ...want });
    }
  });

  test('saving what was loaded reproduces the file byte for byte', () => {
    const { tensors, metadata } = loadWithMetadata(file);
    expect(saveBuffer(tensors, { metadata })).toEqual(fs.readFileSync(file));
  });
});

describe('NumPy .npy fixtures', () => {
  test.each(Object.entries(NPY_EXPECTED))('numpy-%s.npy', (name, want) => {
    const t = loadNpy(path.join(FIXTURES, `numpy-${name}.npy`));
    expect({ dtype: t.dtype, shape: t.shape, values: flatValues(t) }).toEqual(want);
  });

  test.each(NPY_SAVED_BY_NP_SAVE)('numpy-%s.npy: saving what was loaded reproduces the file byte for byte', (name) => {
    const file = path.join(FIXTURES, `numpy-${name}.npy`);
    expect(saveNpyBuffer(loadNpy(file))).toEqual(fs.readFileSync(file));
  });
});
