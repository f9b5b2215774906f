// SPDX-License-Identifier: MIT
// Misuse of the nn / autograd surface must fail with kiln's typed error and a message that
// names what went wrong (the op, the key, the shapes or the dtype), so that a user can fix
// the call from the message alone. One table, one row per mistake.
import * as kiln from '../../lib';

const { nn } = kiln;

type ErrorClass = new (message: string) => kiln.KilnError;

interface Case {
  name: string;
  run: () => unknown;
  error: ErrorClass;
  message: RegExp;
}

/** A Linear(3, 2) and its own state dict, fresh per case so no case sees another's changes. */
function linear(): { fc: kiln.nn.Linear; sd: Record<string, kiln.Tensor> } {
  const fc = new nn.Linear(3, 2);
  return { fc, sd: fc.stateDict() as Record<string, kiln.Tensor> };
}

const cases: Case[] = [
  {
    name: 'backward on a non-scalar without a gradient',
    run: () => kiln.randn([3], { requiresGrad: true }).mul(2).backward(),
    error: kiln.AutogradError,
    message: /backward: grad can be implicitly created only for scalar outputs \(got shape \[3\]\); pass a gradient/,
  },
  {
    name: 'backward twice without retainGraph',
    run: () => {
      const x = kiln.randn([3], { requiresGrad: true });
      const loss = x.mul(x).sum();
      loss.backward();
      loss.backward();
    },
    error: kiln.AutogradError,
    message: /backward through the graph a second time.*retainGraph: true/s,
  },
  {
    // A floating target is read as class probabilities (as in PyTorch), so a [N] float
    // target where indices were meant is caught by its shape, not its dtype.
    name: 'CrossEntropyLoss with a float target of the wrong shape',
    run: () => new nn.CrossEntropyLoss().call(kiln.randn([4, 3]), kiln.tensor([0, 1, 2, 0], { dtype: 'float64' })),
    error: kiln.ShapeError,
    message: /crossEntropy: target size \[4\] must be the same as input size \[4, 3\]/,
  },
  {
    name: 'CrossEntropyLoss with a bool target where class indices are expected',
    run: () => new nn.CrossEntropyLoss().call(kiln.randn([4, 3]), kiln.tensor([0, 1, 1, 0], { dtype: 'bool' })),
    error: kiln.DTypeError,
    message: /crossEntropy: expected class-index targets of dtype int64 \(or int32\), got bool/,
  },
  {
    name: 'MSELoss with prediction and target shapes that do not broadcast',
    run: () => new nn.MSELoss().call(kiln.randn([4, 3]), kiln.randn([4, 2])),
    error: kiln.ShapeError,
    message: /shapes \[4, 3\] and \[4, 2\] cannot be broadcast together/,
  },
  {
    name: 'loadStateDict (strict) with a missing key',
    run: () => {
      const { fc, sd } = linear();
      fc.loadStateDict({ weight: sd.weight });
    },
    error: kiln.KilnError,
    message: /Error\(s\) in loading state_dict for Linear:\s+Missing key\(s\) in state_dict: "bias"/,
  },
  {
    name: 'loadStateDict (strict) with an unexpected key',
    run: () => {
      const { fc, sd } = linear();
      fc.loadStateDict({ ...sd, extra: kiln.zeros([1]) });
    },
    error: kiln.KilnError,
    message: /Unexpected key\(s\) in state_dict: "extra"/,
  },
  {
    name: 'loadStateDict with a wrongly shaped tensor',
    run: () => {
      const { fc, sd } = linear();
      fc.loadStateDict({ ...sd, weight: kiln.zeros([2, 4]) });
    },
    error: kiln.ShapeError,
    message: /size mismatch for weight: copying a param with shape \[2, 4\] from checkpoint, the shape in current model is \[2, 3\]/,
  },
  {
    name: 'loadStateDict (non-strict) with a wrongly shaped tensor: strict does not excuse shapes',
    run: () => {
      const { fc, sd } = linear();
      fc.loadStateDict({ ...sd, bias: kiln.zeros([3]) }, { strict: false });
    },
    error: kiln.ShapeError,
    message: /size mismatch for bias: copying a param with shape \[3\] from checkpoint, the shape in current model is \[2\]/,
  },
  {
    name: 'Linear called with the wrong number of input features',
    run: () => new nn.Linear(3, 2).call(kiln.randn([5, 4])),
    error: kiln.ShapeError,
    message: /linear: input shape \[5, 4\] cannot be multiplied with weight of shape \[2, 3\] \(expected last dim 3\)/,
  },
];

describe('bad input raises a typed, descriptive error', () => {
  test.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    let thrown: unknown;
    try {
      c.run();
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(c.error);
    expect(thrown).toBeInstanceOf(kiln.KilnError);
    expect((thrown as Error).message).toMatch(c.message);
    // The name carries the class, so a logged error says which kind it is.
    expect((thrown as Error).name).toBe(c.error.name);
  });
});

describe('what is accepted rather than rejected', () => {
  test('CrossEntropyLoss takes int32 class indices as well as int64, with the same value', () => {
    const logits = kiln.randn([4, 3]);
    const ce = new nn.CrossEntropyLoss();
    const a = ce.call(logits, kiln.tensor([0, 1, 2, 0], { dtype: 'int32' })).item() as number;
    const b = ce.call(logits, kiln.tensor([0, 1, 2, 0], { dtype: 'int64' })).item() as number;
    expect(a).toBe(b);
  });

  test('non-strict loadStateDict reports a missing key instead of raising, and still loads the rest', () => {
    const { fc } = linear();
    const w = kiln.ones([2, 3]);
    const r = fc.loadStateDict({ weight: w }, { strict: false });
    expect(r).toEqual({ missingKeys: ['bias'], unexpectedKeys: [] });
    expect(fc.weight.toArray()).toEqual(w.toArray());
  });

  test('non-strict loadStateDict reports an unexpected key instead of raising', () => {
    const { fc, sd } = linear();
    const r = fc.loadStateDict({ ...sd, extra: kiln.zeros([1]) }, { strict: false });
    expect(r).toEqual({ missingKeys: [], unexpectedKeys: ['extra'] });
  });
});
