// SPDX-License-Identifier: MIT
/**
 * gradcheck: compares the gradients backward computes with central finite differences, in
 * float64 (PyTorch's torch.autograd.gradcheck semantics: every input that requires grad is
 * perturbed element by element, for every output element).
 */
import { AutogradError, DTypeError } from '../errors';
import { Tensor } from '../tensor/tensor';
import { noGrad } from './grad-mode';
import { runBackward } from './engine';

export interface GradcheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Throw on a mismatch (default) or return false. */
  raiseException?: boolean;
}

type Fn = (...inputs: Tensor[]) => Tensor | Tensor[];

function outputsOf(r: Tensor | Tensor[]): Tensor[] {
  return Array.isArray(r) ? r : [r];
}

/** Reads all elements of a float64 tensor (any layout) as numbers. */
function values(t: Tensor): Float64Array {
  return Float64Array.from(t.data() as Float64Array, Number);
}

/**
 * Reads or writes one float64 element of a storage by element offset, on any device (the
 * perturbation is written into the input's own memory, so `fn` sees it however it reads).
 */
function readElement(t: Tensor, off: number): number {
  return new Float64Array(t.storage.read(off * 8, 8))[0];
}
function writeElement(t: Tensor, off: number, value: number): void {
  t.storage.write(off * 8, new Uint8Array(Float64Array.of(value).buffer));
}

/** The element offsets (into storage) of `t` in row-major order. */
function elementOffsets(t: Tensor): number[] {
  const out: number[] = [];
  const idx = new Array<number>(t.ndim).fill(0);
  const n = t.numel();
  for (let k = 0; k < n; k++) {
    let off = t.offset;
    for (let d = 0; d < t.ndim; d++) off += idx[d] * t.strides[d];
    out.push(off);
    for (let d = t.ndim - 1; d >= 0; d--) {
      if (++idx[d] < t.shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

/**
 * Checks analytic gradients of `fn` at `inputs` against finite differences.
 *
 * @example
 * const x = kiln.randn([3], { dtype: 'float64', requiresGrad: true });
 * kiln.autograd.gradcheck((t) => t.sin().sum(), [x]); // true
 */
export function gradcheck(fn: Fn, inputs: Tensor[], opts: GradcheckOptions = {}): boolean {
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-5;
  const rtol = opts.rtol ?? 1e-3;
  const raise = opts.raiseException ?? true;
  const diffInputs = inputs.filter((t) => t.requiresGrad);
  for (const t of diffInputs)
    if (t.dtype !== 'float64') throw new DTypeError(`gradcheck: inputs must be float64 for accurate differences, got ${t.dtype}`);

  const outputs = outputsOf(fn(...inputs));
  const outValues = outputs.map(values);

  // Numerical Jacobian: column j = d(outputs) / d(input element j).
  const numerical: number[][][] = diffInputs.map((t) => {
    return elementOffsets(t).map((off) => {
      const orig = readElement(t, off);
      writeElement(t, off, orig + eps);
      const plus = noGrad(() => outputsOf(fn(...inputs)).map(values));
      writeElement(t, off, orig - eps);
      const minus = noGrad(() => outputsOf(fn(...inputs)).map(values));
      writeElement(t, off, orig);
      const col: number[] = [];
      plus.forEach((p, o) => p.forEach((v, i) => col.push((v - minus[o][i]) / (2 * eps))));
      return col;
    });
  });

  // Analytic Jacobian, one backward per output element.
  const totalOut = outValues.reduce((s, v) => s + v.length, 0);
  const analytic: number[][][] = diffInputs.map((t) => elementOffsets(t).map(() => new Array<number>(totalOut).fill(0)));
  let row = 0;
  outputs.forEach((out, o) => {
    for (let i = 0; i < outValues[o].length; i++, row++) {
      if (!out.requiresGrad) continue;
      const seed = Tensor.empty(out.shape, out.dtype, out.device);
      writeElement(seed, i, 1);
      const grads = runBackward([out], [seed], { retainGraph: true }, diffInputs);
      diffInputs.forEach((t, k) => {
        const g = grads.get(t);
        if (!g) return;
        if (g.dtype !== t.dtype || g.shape.length !== t.shape.length || g.shape.some((n, d) => n !== t.shape[d]))
          throw new AutogradError(
            `gradcheck: the gradient of input ${inputs.indexOf(t)} has shape [${g.shape.join(', ')}] and dtype ${g.dtype}, ` +
              `expected [${t.shape.join(', ')}] and ${t.dtype}`,
          );
        values(g).forEach((v, j) => (analytic[k][j][row] = v));
      });
    }
  });

  for (let k = 0; k < diffInputs.length; k++) {
    for (let j = 0; j < numerical[k].length; j++) {
      for (let r = 0; r < totalOut; r++) {
        const a = analytic[k][j][r];
        const n = numerical[k][j][r];
        if (!(Math.abs(a - n) <= atol + rtol * Math.abs(n))) {
          if (!raise) return false;
          throw new AutogradError(
            `gradcheck: Jacobian mismatch for input ${inputs.indexOf(diffInputs[k])}, element ${j}, output element ${r}: ` +
              `analytic ${a}, numerical ${n} (atol ${atol}, rtol ${rtol})`,
          );
        }
      }
    }
  }
  return true;
}
