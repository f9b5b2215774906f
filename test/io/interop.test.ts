// SPDX-License-Identifier: MIT
// Interop with PyTorch and NumPy through interop.py: files kiln writes are read in Python
// (by a reader written from the format's specification, and by the safetensors library where
// it is installed), and files Python writes are read by kiln. Each part runs where a Python
// with the needed package is found ($KILN_TEST_PYTHON, python3, /usr/bin/python3) and is
// skipped with a printed reason elsewhere; fixtures.test.ts covers the same ground everywhere.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as kiln from '../../lib';
import { loadNpy, loadWithMetadata, save, saveBuffer, saveNpy, saveNpyBuffer } from '../../lib/io';
import { flatValues, tempDir } from './helpers';
import { NPY_EXPECTED, NPY_SAVED_BY_NP_SAVE, REFERENCE_EXPECTED, REFERENCE_METADATA, referenceStateDict } from './reference';

const SCRIPT = path.join(__dirname, 'interop.py');

interface Probe {
  python: string;
  torch: boolean;
  numpy: boolean;
  safetensors: boolean;
}

function probe(python: string): Probe | null {
  const r = spawnSync(python, [SCRIPT, 'probe'], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) return null;
  try {
    return { python, ...(JSON.parse(r.stdout) as Omit<Probe, 'python'>) };
  } catch {
    return null;
  }
}

const candidates = [...new Set([process.env.KILN_TEST_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p))];
const probes: Probe[] = [];
for (const python of candidates) {
  const p = probe(python);
  if (p) probes.push(p);
  if (p?.torch && p.numpy && p.safetensors) break; // nothing better to find
}
const torchPython = probes.find((p) => p.torch && p.safetensors) ?? probes.find((p) => p.torch);
const numpyPython = probes.find((p) => p.numpy);

function runPython(python: string, tasks: object[], workDir: string): Array<Record<string, unknown>> {
  const request = path.join(workDir, `request-${Date.now()}.json`);
  fs.writeFileSync(request, JSON.stringify(tasks));
  const r = spawnSync(python, [SCRIPT, 'run', request], { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${python} ${SCRIPT} failed (${r.status}):\n${r.stderr}`);
  return JSON.parse(r.stdout) as Array<Record<string, unknown>>;
}

const dir = tempDir();

// PyTorch prints dtypes by its own names.
const TORCH_DTYPE: Record<kiln.DType, string> = { float32: 'float32', float64: 'float64', int32: 'int32', int64: 'int64', bool: 'bool' };

type Described = { dtype: string; shape: number[]; values: Array<number | string | boolean> };

if (!torchPython) console.log(`safetensors interop with PyTorch skipped: no Python with torch among ${candidates.join(', ')}`);
else if (!torchPython.safetensors) console.log(`safetensors interop: the safetensors package is not installed for ${torchPython.python}; checking with the specification-based reader/writer only`);

(torchPython ? describe : describe.skip)('safetensors with PyTorch', () => {
  const python = torchPython?.python ?? '';
  const kilnFile = path.join(dir, 'from-kiln.safetensors');
  const modelFile = path.join(dir, 'model-from-kiln.safetensors');
  const specFile = path.join(dir, 'from-python-spec.safetensors');
  const libFile = path.join(dir, 'from-python-library.safetensors');
  kiln.manualSeed(3);
  const model = new kiln.nn.Sequential(new kiln.nn.Linear(5, 7), new kiln.nn.Tanh(), new kiln.nn.Linear(7, 2, { dtype: 'float64' }));
  let results: Array<Record<string, unknown>>;

  beforeAll(() => {
    save(referenceStateDict(), kilnFile, { metadata: REFERENCE_METADATA });
    save(model.stateDict(), modelFile);
    const tasks: object[] = [
      { op: 'st_read', path: kilnFile },
      { op: 'st_read', path: modelFile },
      { op: 'st_write', path: specFile, writer: 'spec' },
    ];
    if (torchPython?.safetensors) tasks.push({ op: 'st_write', path: libFile, writer: 'library' });
    results = runPython(python, tasks, dir);
  });

  test('PyTorch reads what kiln wrote: dtypes, shapes, elements and metadata', () => {
    const read = results[0] as { tensors: Record<string, Described>; metadata: unknown; library: { equal: boolean; metadata: unknown } | null };
    expect(read.metadata).toEqual(REFERENCE_METADATA);
    for (const [name, want] of Object.entries(REFERENCE_EXPECTED))
      expect({ name, ...read.tensors[name] }).toEqual({ name, ...want, dtype: TORCH_DTYPE[want.dtype] });
    if (read.library) {
      expect(read.library.equal).toBe(true);
      expect(read.library.metadata).toEqual(REFERENCE_METADATA);
    }
  });

  test("PyTorch reads a model's state dict as kiln holds it", () => {
    const read = results[1] as { tensors: Record<string, Described>; library: { equal: boolean } | null };
    const sd = model.stateDict() as Record<string, kiln.Tensor>;
    expect(Object.keys(read.tensors).sort()).toEqual(Object.keys(sd).sort());
    for (const [name, t] of Object.entries(sd)) expect(read.tensors[name]).toEqual({ dtype: TORCH_DTYPE[t.dtype], shape: t.shape, values: flatValues(t) });
    if (read.library) expect(read.library.equal).toBe(true);
  });

  test.each(['spec', 'library'])('kiln reads what Python wrote (%s writer), and writes the same bytes', (writer) => {
    if (writer === 'library' && !torchPython?.safetensors) {
      console.log('skipped: the safetensors package is not installed');
      return;
    }
    const file = writer === 'spec' ? specFile : libFile;
    const { tensors, metadata } = loadWithMetadata(file);
    expect(metadata).toEqual(REFERENCE_METADATA);
    for (const [name, want] of Object.entries(REFERENCE_EXPECTED))
      expect({ name, dtype: tensors[name].dtype, shape: tensors[name].shape, values: flatValues(tensors[name]) }).toEqual({ name, ...want });
    expect(saveBuffer(referenceStateDict(), { metadata: REFERENCE_METADATA })).toEqual(fs.readFileSync(file));
  });
});

if (!numpyPython) console.log(`.npy interop with NumPy skipped: no Python with numpy among ${candidates.join(', ')}`);

(numpyPython ? describe : describe.skip)('.npy with NumPy', () => {
  const python = numpyPython?.python ?? '';
  const npyDir = path.join(dir, 'npy');
  const written: Array<[string, kiln.Tensor, string]> = [
    ['f4', kiln.tensor([[0.5, -1.5], [3, 1e-3]]), '<f4'],
    ['f8-0d', kiln.tensor(1 / 3, { dtype: 'float64' }), '<f8'],
    ['i4-view', kiln.arange(6, { dtype: 'int32' }).reshape([2, 3]).t(), '<i4'],
    ['i8', kiln.tensor([2n ** 62n, -5n]), '<i8'],
    ['bool', kiln.tensor([[true, false, false]]), '|b1'],
    ['empty', kiln.zeros([0, 2, 3]), '<f4'],
  ];
  let results: Array<Record<string, unknown>>;

  beforeAll(() => {
    fs.mkdirSync(npyDir);
    for (const [name, t] of written) saveNpy(t, path.join(npyDir, `kiln-${name}.npy`));
    results = runPython(
      python,
      [...written.map(([name]) => ({ op: 'npy_read', path: path.join(npyDir, `kiln-${name}.npy`) })), { op: 'npy_write', dir: npyDir }],
      dir,
    );
  });

  test.each(written.map((w, i) => [w[0], i] as const))('np.load reads kiln-%s.npy', (name, i) => {
    const [, t, descr] = written[i];
    expect(results[i]).toEqual({ descr, shape: t.shape, values: flatValues(t) });
  });

  test.each(Object.keys(NPY_EXPECTED))('kiln reads numpy-%s.npy written by this NumPy', (name) => {
    const t = loadNpy(path.join(npyDir, `numpy-${name}.npy`));
    expect({ dtype: t.dtype, shape: t.shape, values: flatValues(t) }).toEqual(NPY_EXPECTED[name]);
    if (NPY_SAVED_BY_NP_SAVE.includes(name)) expect(saveNpyBuffer(t)).toEqual(fs.readFileSync(path.join(npyDir, `numpy-${name}.npy`)));
  });
});
