// SPDX-License-Identifier: MIT
// nn.Module: registration of fields, names and state-dict keys (compared with the exact lists
// PyTorch 1.13 gives for the same modules), loading state, modes, dtype/device moves,
// gradients, hooks, printing, and the containers.
import * as kiln from '../../lib';

const { nn } = kiln;
type Tensor = kiln.Tensor;

const keysOf = (pairs: Array<[string, unknown]>) => pairs.map(([k]) => k);

class Net extends nn.Module {
  fc1 = new nn.Linear(4, 8);
  bn = new nn.BatchNorm1d(8);
  act = new nn.ReLU();
  fc2 = new nn.Linear(8, 2);
  declare steps: Tensor;

  constructor() {
    super();
    this.registerBuffer('steps', kiln.zeros([1]));
    this.registerBuffer('tmp', kiln.zeros([1]), false);
  }

  forward(x: Tensor): Tensor {
    return this.fc2.call(this.act.call(this.bn.call(this.fc1.call(x))));
  }
}

class Block extends nn.Module {
  ln = new nn.LayerNorm(4);
  layers = new nn.ModuleList([new nn.Linear(4, 4), new nn.ReLU(), new nn.Linear(4, 4, { bias: false })]);
  heads = new nn.ModuleDict({ cls: new nn.Linear(4, 3), reg: new nn.Linear(4, 1) });
  emb = new nn.Embedding(5, 4);
  loss = new nn.BCEWithLogitsLoss({ posWeight: kiln.ones([1]) });
  seq = new nn.Sequential(new nn.Linear(4, 4), new nn.BatchNorm1d(4));
}

describe('registration and naming', () => {
  test('class fields and registerBuffer give PyTorch key lists', () => {
    const net = new Net();
    // print(list(Net().state_dict().keys())) etc. in PyTorch 1.13:
    expect(Object.keys(net.stateDict())).toEqual([
      'steps', 'fc1.weight', 'fc1.bias', 'bn.weight', 'bn.bias', 'bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked',
      'fc2.weight', 'fc2.bias',
    ]);
    expect(keysOf(net.namedParameters())).toEqual(['fc1.weight', 'fc1.bias', 'bn.weight', 'bn.bias', 'fc2.weight', 'fc2.bias']);
    expect(keysOf(net.namedBuffers())).toEqual(['steps', 'tmp', 'bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked']);
    expect(keysOf(net.namedModules())).toEqual(['', 'fc1', 'bn', 'act', 'fc2']);
    expect(keysOf(net.namedChildren())).toEqual(['fc1', 'bn', 'act', 'fc2']);
    expect(net.children()).toEqual([net.fc1, net.bn, net.act, net.fc2]);
    expect(net.parameters()[0]).toBe(net.fc1.weight);
    expect(net.buffers()[0]).toBe(net.steps);
  });

  test('nested containers, embeddings and loss buffers give PyTorch key lists', () => {
    const b = new Block();
    expect(Object.keys(b.stateDict())).toEqual([
      'ln.weight', 'ln.bias', 'layers.0.weight', 'layers.0.bias', 'layers.2.weight', 'heads.cls.weight', 'heads.cls.bias',
      'heads.reg.weight', 'heads.reg.bias', 'emb.weight', 'loss.pos_weight', 'seq.0.weight', 'seq.0.bias', 'seq.1.weight',
      'seq.1.bias', 'seq.1.running_mean', 'seq.1.running_var', 'seq.1.num_batches_tracked',
    ]);
    expect(keysOf(b.namedParameters())).toEqual([
      'ln.weight', 'ln.bias', 'layers.0.weight', 'layers.0.bias', 'layers.2.weight', 'heads.cls.weight', 'heads.cls.bias',
      'heads.reg.weight', 'heads.reg.bias', 'emb.weight', 'seq.0.weight', 'seq.0.bias', 'seq.1.weight', 'seq.1.bias',
    ]);
    expect(keysOf(b.namedBuffers())).toEqual(['loss.pos_weight', 'seq.1.running_mean', 'seq.1.running_var', 'seq.1.num_batches_tracked']);
    expect(keysOf(b.namedModules())).toEqual([
      '', 'ln', 'layers', 'layers.0', 'layers.1', 'layers.2', 'heads', 'heads.cls', 'heads.reg', 'emb', 'loss', 'seq', 'seq.0', 'seq.1',
    ]);
    expect(keysOf(b.namedChildren())).toEqual(['ln', 'layers', 'heads', 'emb', 'loss', 'seq']);
    expect(keysOf(b.namedParameters({ prefix: 'model' }))[0]).toBe('model.ln.weight');
    expect(keysOf(b.namedParameters({ recurse: false }))).toEqual([]);
    expect(b.getSubmodule('seq.1')).toBe(b.seq[1]);
    expect(b.getSubmodule('')).toBe(b);
    expect(() => b.getSubmodule('seq.7')).toThrow(kiln.KilnError);
  });

  test('a shared (tied) parameter is listed once but appears under both state-dict keys', () => {
    class Tied extends nn.Module {
      enc = new nn.Linear(3, 3);
      dec = new nn.Linear(3, 3);
      constructor() {
        super();
        this.dec.weight = this.enc.weight;
      }
    }
    const t = new Tied();
    expect(Object.keys(t.stateDict())).toEqual(['enc.weight', 'enc.bias', 'dec.weight', 'dec.bias']);
    expect(keysOf(t.namedParameters())).toEqual(['enc.weight', 'enc.bias', 'dec.bias']);
    expect(t.numParameters()).toBe(15);
  });

  test('fields assigned in the constructor, reassigned or set to null are seen on the next walk', () => {
    class M extends nn.Module {
      a: kiln.nn.Linear | null;
      w: Tensor | null;
      v: Tensor | null = null;
      plain = kiln.ones([2]); // neither a Parameter nor a registered buffer: not state
      constructor() {
        super();
        this.a = new nn.Linear(2, 2);
        this.w = nn.Parameter(kiln.zeros([3]));
      }
    }
    const m = new M();
    // Own parameters first, then each child's (PyTorch's order).
    expect(keysOf(m.namedParameters())).toEqual(['w', 'a.weight', 'a.bias']);
    m.w = null;
    expect(keysOf(m.namedParameters())).toEqual(['a.weight', 'a.bias']);
    m.a = null;
    m.v = nn.Parameter(kiln.ones([1]));
    expect(keysOf(m.namedParameters())).toEqual(['v']);
    m.w = nn.Parameter(kiln.ones([1]));
    m.a = new nn.Linear(1, 1, { bias: false });
    // A name keeps the place where it was first seen: 'w' before 'v'.
    expect(keysOf(m.namedParameters())).toEqual(['w', 'v', 'a.weight']);
    expect(Object.keys(m.stateDict())).toEqual(['w', 'v', 'a.weight']);
  });

  test('explicit registration keeps order and rejects clashes and bad names', () => {
    const m = new nn.Module();
    m.registerModule('second', new nn.ReLU());
    m.registerParameter('p', nn.Parameter(kiln.zeros([2])));
    m.registerModule('1', new nn.Tanh()); // integer-like names keep registration order too
    expect(keysOf(m.namedChildren())).toEqual(['second', '1']);
    expect(keysOf(m.namedParameters())).toEqual(['p']);
    expect(() => m.registerParameter('q', kiln.zeros([2]))).toThrow(TypeError);
    expect(() => m.registerModule('a.b', new nn.ReLU())).toThrow(kiln.KilnError);
    expect(() => m.registerModule('', new nn.ReLU())).toThrow(kiln.KilnError);
    expect(() => m.registerModule('train', new nn.ReLU())).toThrow(/already exists/);
    expect(() => m.registerBuffer('p', kiln.zeros([1]))).toThrow(/already exists/);
    m.registerBuffer('b', null);
    expect(m.buffers()).toEqual([]);
    // A field that already holds the tensor can be registered as a buffer.
    class WithMask extends nn.Module {
      mask = kiln.ones([2]);
      constructor() {
        super();
        this.registerBuffer('mask', this.mask);
      }
    }
    expect(Object.keys(new WithMask().stateDict())).toEqual(['mask']);
    expect(() => m.registerParameter('b', nn.Parameter(kiln.zeros([1])))).toThrow(kiln.KilnError);
  });

  test('Parameter is a leaf sharing memory, requires grad, and survives scopes', () => {
    const base = kiln.tensor([1, 2, 3]);
    const p = nn.Parameter(base);
    expect(nn.isParameter(p)).toBe(true);
    expect(nn.isParameter(base)).toBe(false);
    expect(p.requiresGrad).toBe(true);
    expect(p.isLeaf).toBe(true);
    expect(p.storage).toBe(base.storage);
    expect(nn.Parameter(kiln.ones([2]), false).requiresGrad).toBe(false);
    expect(() => nn.Parameter(kiln.tensor([1], { dtype: 'int64' }))).toThrow(kiln.DTypeError);
    // A module built inside a scope keeps its parameters and buffers.
    const net = kiln.scope(() => {
      const n = new Net();
      n.call(kiln.randn([3, 4]));
      return { n };
    }).n;
    for (const t of [...net.parameters(), ...net.buffers()]) expect(t.isDisposed).toBe(false);
    expect(net.call(kiln.randn([2, 4])).shape).toEqual([2, 2]);
  });

  test('numParameters and requiresGrad_', () => {
    const net = new Net();
    expect(net.numParameters()).toBe(4 * 8 + 8 + 8 + 8 + 8 * 2 + 2);
    net.fc1.requiresGrad_(false);
    expect(net.numParameters({ trainableOnly: true })).toBe(8 + 8 + 8 * 2 + 2);
    expect(net.fc1.weight.requiresGrad).toBe(false);
  });

  test('apply visits children before the module itself', () => {
    const seen: string[] = [];
    new Net().apply((m) => void seen.push(m.constructor.name));
    expect(seen).toEqual(['Linear', 'BatchNorm1d', 'ReLU', 'Linear', 'Net']);
  });

  test('a module that contains itself is reported, not looped over', () => {
    const m = new nn.Sequential(new nn.ReLU());
    m.append(m);
    expect(keysOf(m.namedModules())).toEqual(['', '0']);
    expect(() => m.stateDict()).toThrow(/contains itself/);
    expect(String(m)).toContain('Sequential(<cycle>)');
  });
});

describe('stateDict and loadStateDict', () => {
  test('stateDict values share memory but are detached', () => {
    const net = new Net();
    const sd = net.stateDict();
    expect(sd['fc1.weight'].storage).toBe(net.fc1.weight.storage);
    expect(sd['fc1.weight'].requiresGrad).toBe(false);
    expect(sd['fc1.weight']).not.toBe(net.fc1.weight);
    expect(net.stateDict({ keepVars: true })['fc1.weight']).toBe(net.fc1.weight);
    expect(sd['bn.num_batches_tracked'].dtype).toBe('int64');
    expect('tmp' in sd).toBe(false); // non-persistent buffer
  });

  test('round trip copies every value', () => {
    const a = new Net();
    const b = new Net();
    a.call(kiln.randn([6, 4])); // moves a's running statistics
    const r = b.loadStateDict(a.stateDict());
    expect(r).toEqual({ missingKeys: [], unexpectedKeys: [] });
    for (const [k, v] of Object.entries(a.stateDict())) expect(b.stateDict()[k].toArray()).toEqual(v.toArray());
    // Copies, not aliases, and b's parameters are still its own parameter objects.
    expect(b.fc1.weight.storage).not.toBe(a.fc1.weight.storage);
    expect(nn.isParameter(b.fc1.weight)).toBe(true);
  });

  test('strict loading reports missing and unexpected keys and changes nothing', () => {
    const net = new Net();
    const before = net.fc1.weight.toArray();
    const sd = new Net().stateDict();
    delete sd['fc2.bias'];
    sd['extra.weight'] = kiln.zeros([1]);
    expect(() => net.loadStateDict(sd)).toThrow(kiln.KilnError);
    try {
      net.loadStateDict(sd);
    } catch (e) {
      expect((e as Error).message).toBe(
        'Error(s) in loading state_dict for Net:\n\tMissing key(s) in state_dict: "fc2.bias".\n\tUnexpected key(s) in state_dict: "extra.weight".',
      );
    }
    expect(net.fc1.weight.toArray()).toEqual(before);
    const r = net.loadStateDict(sd, { strict: false });
    expect(r).toEqual({ missingKeys: ['fc2.bias'], unexpectedKeys: ['extra.weight'] });
    expect(net.fc1.weight.toArray()).toEqual(sd['fc1.weight'].toArray());
  });

  test('shape mismatch throws a ShapeError naming the key, strict or not', () => {
    const net = new Net();
    const sd = net.stateDict();
    sd['fc1.weight'] = kiln.zeros([8, 3]);
    for (const strict of [true, false]) {
      expect(() => net.loadStateDict(sd, { strict })).toThrow(kiln.ShapeError);
      expect(() => net.loadStateDict(sd, { strict })).toThrow(
        'size mismatch for fc1.weight: copying a param with shape [8, 3] from checkpoint, the shape in current model is [8, 4].',
      );
    }
  });

  test('values are converted to the module dtype; Maps are accepted', () => {
    const fc = new nn.Linear(2, 1);
    fc.loadStateDict(new Map([['weight', kiln.tensor([[1, 2]], { dtype: 'float64' })], ['bias', kiln.tensor([0.5], { dtype: 'float64' })]]));
    expect(fc.weight.dtype).toBe('float32');
    expect(fc.weight.toArray()).toEqual([[1, 2]]);
    expect(fc.bias!.toArray()).toEqual([0.5]);
    expect(() => fc.loadStateDict({ weight: 3 as unknown as Tensor, bias: kiln.zeros([1]) })).toThrow(/expected a Tensor/);
    // Keys are compared as strings, never looked up on Object.prototype.
    const r = fc.loadStateDict({ ...fc.stateDict(), toString: kiln.zeros([1]) }, { strict: false });
    expect(r.unexpectedKeys).toEqual(['toString']);
  });
});

describe('modes, conversion and gradients', () => {
  test('train / eval set the flag on every module', () => {
    const net = new Net();
    expect(net.modules().every((m) => m.training)).toBe(true);
    expect(net.eval()).toBe(net);
    expect(net.modules().every((m) => !m.training)).toBe(true);
    net.train();
    expect(net.bn.training).toBe(true);
    net.train(false);
    expect(net.fc2.training).toBe(false);
  });

  test("to('float64') converts in place, keeping parameter identity and grads", () => {
    const net = new Net();
    const params = net.parameters();
    const w = net.fc1.weight;
    const before = w.toArray() as number[][];
    net.fc1.weight.grad = kiln.onesLike(net.fc1.weight);
    expect(net.to('float64')).toBe(net);
    expect(net.parameters()).toEqual(params);
    expect(net.fc1.weight).toBe(w);
    expect(w.dtype).toBe('float64');
    expect(w.requiresGrad).toBe(true);
    expect(nn.isParameter(w)).toBe(true);
    // float32 values widen exactly.
    expect(w.toArray()).toEqual(before);
    expect(w.grad!.dtype).toBe('float64');
    expect(net.bn.running_var!.dtype).toBe('float64');
    expect(net.steps.dtype).toBe('float64');
    expect(net.bn.num_batches_tracked!.dtype).toBe('int64'); // integer buffers keep their dtype
    const y = net.call(kiln.randn([3, 4], { dtype: 'float64' }));
    expect(y.dtype).toBe('float64');
    y.sum().backward();
    expect(w.grad!.dtype).toBe('float64');
    net.float();
    expect(w.dtype).toBe('float32');
    expect(w.toArray()).toEqual(before);
  });

  test("to('cuda') throws the ops' DeviceError and leaves the module unchanged; bad targets throw", () => {
    const net = new Net();
    const data = net.fc1.weight.toArray();
    if (!kiln.cuda.isAvailable()) {
      expect(() => net.to('cuda')).toThrow(kiln.DeviceError);
      expect(() => net.to({ device: 'cuda:0', dtype: 'float64' })).toThrow(kiln.DeviceError);
      expect(net.fc1.weight.dtype).toBe('float32');
      expect(net.fc1.weight.toArray()).toEqual(data);
    }
    expect(() => net.to('gpu' as 'cpu')).toThrow(kiln.DeviceError);
    expect(() => net.to('int64')).toThrow(kiln.DTypeError);
    expect(net.to('cpu')).toBe(net);
  });

  test('a graph recorded before to() refuses backward after the swap', () => {
    const fc = new nn.Linear(2, 1);
    const y = fc.call(kiln.ones([1, 2])).sum();
    fc.to('float64');
    expect(() => y.backward()).toThrow(kiln.AutogradError);
  });

  test('zeroGrad sets grads to null, or zeroes them in place', () => {
    const net = new Net();
    net.call(kiln.randn([4, 4])).sum().backward();
    const g = net.fc1.weight.grad!;
    expect(g).not.toBeNull();
    net.zeroGrad({ setToNone: false });
    expect(net.fc1.weight.grad).toBe(g);
    expect((g.toArray() as number[][]).flat().every((v) => v === 0)).toBe(true);
    net.zeroGrad();
    expect(net.parameters().every((p) => p.grad === null)).toBe(true);
  });
});

describe('call and hooks', () => {
  test('pre-hooks can replace arguments, hooks can replace the output, handles remove them', () => {
    const fc = new nn.Linear(2, 2);
    const calls: string[] = [];
    const h1 = fc.registerForwardPreHook((m, args) => {
      calls.push(`pre ${m === fc}`);
      return [(args[0] as Tensor).mul(0)];
    });
    const h2 = fc.registerForwardHook((_m, args, out) => {
      calls.push(`post ${(args[0] as Tensor).sum().item()}`);
      return (out as Tensor).add(100);
    });
    const y = fc.call(kiln.ones([1, 2]));
    expect(calls).toEqual(['pre true', 'post 0']);
    const b = fc.bias!.toArray() as number[];
    (y.toArray() as number[][])[0].forEach((v, i) => expect(v).toBeCloseTo(b[i] + 100, 5));
    h1.remove();
    h2.remove();
    const z = fc.call(kiln.zeros([1, 2]));
    expect(z.toArray()).toEqual([b.map((v) => Math.fround(v))]);
    expect(calls.length).toBe(2);
  });

  test('a pre-hook returning a single value wraps it; undefined keeps the arguments', () => {
    const id = new nn.Identity();
    id.registerForwardPreHook(() => undefined);
    id.registerForwardPreHook(() => kiln.tensor([7]));
    expect(id.call(kiln.tensor([1])).toArray()).toEqual([7]);
  });

  test('a module without forward cannot be called', () => {
    const list = new nn.ModuleList();
    expect(() => (list as unknown as kiln.nn.Identity).call(kiln.zeros([1]))).toThrow('Module [ModuleList] is missing the required "forward" function');
  });
});

describe('printing', () => {
  test('Sequential prints like PyTorch', () => {
    const s = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU());
    expect(String(s)).toBe('Sequential(\n  (0): Linear(in_features=4, out_features=8, bias=True)\n  (1): ReLU()\n)');
    expect(String(new nn.Sequential())).toBe('Sequential()');
  });

  test('a nested model prints like PyTorch', () => {
    expect(String(new Block())).toBe(
      [
        'Block(',
        '  (ln): LayerNorm((4,), eps=1e-05, elementwise_affine=True)',
        '  (layers): ModuleList(',
        '    (0): Linear(in_features=4, out_features=4, bias=True)',
        '    (1): ReLU()',
        '    (2): Linear(in_features=4, out_features=4, bias=False)',
        '  )',
        '  (heads): ModuleDict(',
        '    (cls): Linear(in_features=4, out_features=3, bias=True)',
        '    (reg): Linear(in_features=4, out_features=1, bias=True)',
        '  )',
        '  (emb): Embedding(5, 4)',
        '  (loss): BCEWithLogitsLoss()',
        '  (seq): Sequential(',
        '    (0): Linear(in_features=4, out_features=4, bias=True)',
        '    (1): BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)',
        '  )',
        ')',
      ].join('\n'),
    );
  });

  test('every layer prints its PyTorch repr', () => {
    const cases: Array<[kiln.nn.Module, string]> = [
      [new nn.Dropout(0.5), 'Dropout(p=0.5, inplace=False)'],
      [new nn.Dropout(0.1), 'Dropout(p=0.1, inplace=False)'],
      [new nn.BatchNorm1d(8), 'BatchNorm1d(8, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)'],
      [new nn.BatchNorm1d(3, { momentum: null, affine: false, trackRunningStats: false }), 'BatchNorm1d(3, eps=1e-05, momentum=None, affine=False, track_running_stats=False)'],
      [new nn.LayerNorm([2, 3], { elementwiseAffine: false }), 'LayerNorm((2, 3), eps=1e-05, elementwise_affine=False)'],
      [new nn.Embedding(10, 3, { paddingIdx: 0 }), 'Embedding(10, 3, padding_idx=0)'],
      [new nn.Embedding(10, 3, { paddingIdx: -1 }), 'Embedding(10, 3, padding_idx=9)'],
      [new nn.Bilinear(2, 3, 4), 'Bilinear(in1_features=2, in2_features=3, out_features=4, bias=True)'],
      [new nn.Flatten(), 'Flatten(start_dim=1, end_dim=-1)'],
      [new nn.Unflatten(1, [2, 3]), 'Unflatten(dim=1, unflattened_size=(2, 3))'],
      [new nn.LeakyReLU(), 'LeakyReLU(negative_slope=0.01)'],
      [new nn.LeakyReLU(0.2), 'LeakyReLU(negative_slope=0.2)'],
      [new nn.GELU(), "GELU(approximate='none')"],
      [new nn.GELU({ approximate: 'tanh' }), "GELU(approximate='tanh')"],
      [new nn.SiLU(), 'SiLU()'],
      [new nn.ELU(), 'ELU(alpha=1.0)'],
      [new nn.ELU(0.5), 'ELU(alpha=0.5)'],
      [new nn.Sigmoid(), 'Sigmoid()'],
      [new nn.Tanh(), 'Tanh()'],
      [new nn.Softmax(1), 'Softmax(dim=1)'],
      [new nn.LogSoftmax(-1), 'LogSoftmax(dim=-1)'],
      [new nn.Identity(), 'Identity()'],
      [new nn.CrossEntropyLoss({ labelSmoothing: 0.1 }), 'CrossEntropyLoss()'],
      [new nn.KLDivLoss({ reduction: 'batchmean' }), 'KLDivLoss()'],
      [new nn.ModuleDict({ a: new nn.Tanh() }), 'ModuleDict(\n  (a): Tanh()\n)'],
    ];
    for (const [m, s] of cases) expect(String(m)).toBe(s);
  });

  test('extraRepr of a user module spanning lines is indented', () => {
    class Custom extends nn.Module {
      inner = new nn.ReLU();
      override extraRepr() {
        return 'a=1\nb=2';
      }
    }
    expect(String(new Custom())).toBe('Custom(\n  a=1\n  b=2\n  (inner): ReLU()\n)');
  });
});

describe('containers', () => {
  test('Sequential is indexable, iterable, extensible and chains its modules', () => {
    const a = new nn.Linear(3, 4);
    const r = new nn.ReLU();
    const s = new nn.Sequential(a, r);
    expect(s[0]).toBe(a);
    expect(s.at(-1)).toBe(r);
    expect([...s]).toEqual([a, r]);
    expect(s.length).toBe(2);
    const b = new nn.Linear(4, 2);
    s.append(b);
    expect(s[2]).toBe(b);
    const x = kiln.randn([5, 3]);
    const expected = b.call(r.call(a.call(x)));
    expect(s.call(x).toArray()).toEqual(expected.toArray());
    const head = s.slice(0, 2);
    expect([...head]).toEqual([a, r]);
    s.insert(0, new nn.Identity());
    expect(keysOf(s.namedChildren())).toEqual(['0', '1', '2', '3']);
    expect(s[1]).toBe(a);
    expect(s.pop(0)).toBeInstanceOf(nn.Identity);
    expect(s[0]).toBe(a);
    expect(Object.keys(s.stateDict())).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(() => s.at(3)).toThrow(kiln.IndexError);
  });

  test('ModuleList registers its modules; ModuleDict keeps insertion order', () => {
    const list = new nn.ModuleList([new nn.Linear(1, 1), new nn.Linear(1, 1)]);
    list.extend([new nn.Tanh()]);
    list.set(1, new nn.Linear(1, 2));
    expect(list.length).toBe(3);
    expect(keysOf(list.namedParameters())).toEqual(['0.weight', '0.bias', '1.weight', '1.bias']);
    expect((list[1] as kiln.nn.Linear).outFeatures).toBe(2);

    const d = new nn.ModuleDict([['z', new nn.ReLU()], ['1', new nn.Tanh()], ['a', new nn.Linear(2, 2)]]);
    expect(d.keys()).toEqual(['z', '1', 'a']);
    expect([...d]).toEqual(['z', '1', 'a']);
    expect(d.has('a')).toBe(true);
    expect(d.get('a')).toBeInstanceOf(nn.Linear);
    expect(Object.keys(d.stateDict())).toEqual(['a.weight', 'a.bias']);
    expect(d.pop('z')).toBeInstanceOf(nn.ReLU);
    expect(d.keys()).toEqual(['1', 'a']);
    expect(() => d.get('z')).toThrow(kiln.KilnError);
    expect(() => d.set('keys', new nn.ReLU())).toThrow(/already exists/);
    d.clear();
    expect(d.length).toBe(0);
  });
});
