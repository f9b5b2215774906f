// SPDX-License-Identifier: MIT
// Checkpoints: training resumed from a checkpoint into freshly built objects gives exactly
// the losses of an uninterrupted run; the file is plain safetensors with the documented
// layout; JSON parts keep Infinity, NaN and -0; bad inputs throw typed errors.
import fs from 'node:fs';
import path from 'node:path';
import * as kiln from '../../lib';
import { loadCheckpoint, loadWithMetadata, save, saveCheckpoint } from '../../lib/io';
import { flatValues, tempDir } from './helpers';

const { nn, optim } = kiln;
const dir = tempDir();

// Fixed data: 8 rows of 4 features and a target, from closed forms.
const X = kiln.tensor(Array.from({ length: 8 }, (_, i) => [Math.sin(i), Math.cos(i), i / 8, (i % 3) - 1]));
const Y = kiln.tensor(Array.from({ length: 8 }, (_, i) => [Math.sin(i) * 0.5 + (i % 2)]));

interface Run {
  model: kiln.nn.Sequential;
  optimizer: kiln.optim.Adam;
  scheduler: kiln.optim.StepLR;
}

/** A model with dropout (so the random stream matters), Adam and a StepLR schedule. */
function build(initSeed: number): Run {
  kiln.manualSeed(initSeed);
  const model = new nn.Sequential(new nn.Linear(4, 16), new nn.ReLU(), new nn.Dropout(0.3), new nn.Linear(16, 1));
  const optimizer = new optim.Adam(model.parameters(), { lr: 0.05 });
  const scheduler = new optim.StepLR(optimizer, { stepSize: 3, gamma: 0.5 });
  return { model, optimizer, scheduler };
}

function train(run: Run, steps: number): number[] {
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    run.optimizer.zeroGrad();
    const loss = nn.functional.mseLoss(run.model.call(X), Y);
    loss.backward();
    run.optimizer.step();
    run.scheduler.step();
    losses.push(loss.item() as number);
  }
  return losses;
}

const N = 5;

describe('resuming from a checkpoint', () => {
  let uninterrupted: number[];
  beforeAll(() => {
    const run = build(0);
    kiln.manualSeed(123);
    uninterrupted = train(run, 2 * N);
  });

  test('continues with exactly the losses of an uninterrupted run', () => {
    const first = build(0);
    kiln.manualSeed(123);
    expect(train(first, N)).toEqual(uninterrupted.slice(0, N));
    const file = path.join(dir, 'resume.safetensors');
    saveCheckpoint(file, { ...first, epoch: N });

    const fresh = build(999); // other initial weights, other random state
    kiln.manualSeed(555);
    const x = X.narrow(0, 0, 1);
    fresh.model.eval();
    first.model.eval();
    expect(flatValues(fresh.model.call(x))).not.toEqual(flatValues(first.model.call(x)));
    fresh.model.train();

    const info = loadCheckpoint(file, fresh);
    expect(info.epoch).toBe(N);
    expect(fresh.scheduler.getLastLr()).toEqual(first.scheduler.getLastLr());
    const resumed = train(fresh, N);
    resumed.forEach((loss, i) => expect(loss).toBe(uninterrupted[N + i]));
  });

  test('without restoring the random state, dropout draws other masks and the losses differ', () => {
    const first = build(0);
    kiln.manualSeed(123);
    train(first, N);
    const file = path.join(dir, 'no-rng.safetensors');
    saveCheckpoint(file, first);
    const fresh = build(999);
    kiln.manualSeed(555);
    loadCheckpoint(file, { ...fresh, generator: null });
    expect(train(fresh, N)).not.toEqual(uninterrupted.slice(N));
  });
});

test('the file is plain safetensors in the documented layout', () => {
  const run = build(0);
  train(run, 2);
  const file = path.join(dir, 'layout.safetensors');
  saveCheckpoint(file, { ...run, epoch: 2, rngState: { seed: 7, offset: 40 }, note: 'warmup done' });
  const { tensors, metadata } = loadWithMetadata(file);
  expect(Object.keys(tensors).sort()).toEqual([
    'model.0.bias', 'model.0.weight', 'model.3.bias', 'model.3.weight',
    'optimizer.state.0.exp_avg', 'optimizer.state.0.exp_avg_sq', 'optimizer.state.1.exp_avg', 'optimizer.state.1.exp_avg_sq',
    'optimizer.state.2.exp_avg', 'optimizer.state.2.exp_avg_sq', 'optimizer.state.3.exp_avg', 'optimizer.state.3.exp_avg_sq',
  ]);
  expect(flatValues(tensors['model.3.bias'])).toEqual(flatValues((run.model.stateDict() as Record<string, kiln.Tensor>)['3.bias']));
  expect(flatValues(tensors['optimizer.state.1.exp_avg'])).toEqual(flatValues(run.optimizer.state.get(run.model.parameters()[1])!.exp_avg as kiln.Tensor));
  expect(metadata!['kiln.checkpoint']).toBe('1');
  expect(JSON.parse(metadata!['optimizer.state'])).toEqual({ 0: { step: 2 }, 1: { step: 2 }, 2: { step: 2 }, 3: { step: 2 } });
  expect(JSON.parse(metadata!['optimizer.param_groups'])).toEqual([
    { lr: 0.05, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0, amsgrad: false, maximize: false, initial_lr: 0.05, params: [0, 1, 2, 3] },
  ]);
  expect(JSON.parse(metadata!.scheduler)).toMatchObject({ step_size: 3, gamma: 0.5, last_epoch: 2, base_lrs: [0.05] });
  expect(JSON.parse(metadata!.epoch)).toBe(2);
  expect(JSON.parse(metadata!.rng_state)).toEqual({ seed: 7, offset: 40 });
  expect(JSON.parse(metadata!.extra)).toEqual({ note: 'warmup done' });
});

test('epoch, random state and extra fields come back exactly, Infinity, NaN and -0 included', () => {
  const run = build(1);
  const plateau = new optim.ReduceLROnPlateau(run.optimizer, { patience: 1 }); // best starts at Infinity
  const file = path.join(dir, 'extra.safetensors');
  const extra = { history: [0.5, NaN, -0, Infinity, -Infinity], nested: { ok: true, name: 'x', none: null }, tag: { __kiln_float__: 'plain' } };
  saveCheckpoint(file, { model: run.model, scheduler: plateau, epoch: 12, rngState: { seed: 3, offset: 99 }, ...extra });

  const other = build(2);
  const plateau2 = new optim.ReduceLROnPlateau(other.optimizer, { patience: 4 });
  plateau2.best = 0.25;
  const gen = new kiln.Generator(1);
  const info = loadCheckpoint(file, { model: other.model, scheduler: plateau2, generator: gen });
  expect(info).toEqual({ epoch: 12, rngState: { seed: 3, offset: 99 }, extra });
  expect(Object.is(info.extra.history instanceof Array && info.extra.history[2], -0)).toBe(true);
  expect(plateau2.best).toBe(Infinity);
  expect(plateau2.patience).toBe(1);
  expect(gen.getState()).toEqual({ seed: 3, offset: 99 });
});

test('rngState defaults to the default generator, and null stores none', () => {
  const run = build(0);
  kiln.manualSeed(77);
  kiln.rand([5]);
  const state = kiln.defaultGenerator.getState();
  const file = path.join(dir, 'rng.safetensors');
  saveCheckpoint(file, { model: run.model });
  kiln.manualSeed(1);
  expect(loadCheckpoint(file, { model: run.model }).rngState).toEqual(state);
  expect(kiln.defaultGenerator.getState()).toEqual(state);

  saveCheckpoint(file, { model: run.model, rngState: null });
  kiln.manualSeed(1);
  expect(loadCheckpoint(file).rngState).toBeUndefined();
  expect(kiln.defaultGenerator.getState()).toEqual({ seed: 1, offset: 0 });
});

test('a failed checkpoint save leaves the previous checkpoint', () => {
  const run = build(0);
  const file = path.join(dir, 'keep.safetensors');
  saveCheckpoint(file, run);
  const before = fs.readFileSync(file);
  expect(() => saveCheckpoint(file, { ...run, extra: new Map() })).toThrow(kiln.SerializationError);
  expect(fs.readFileSync(file)).toEqual(before);
});

describe('bad inputs', () => {
  const run = build(0);
  const file = path.join(dir, 'bad.safetensors');
  saveCheckpoint(file, { model: run.model });

  test.each<[string, () => unknown, new (m: string) => Error, RegExp]>([
    ['no model', () => saveCheckpoint(file, {} as never), kiln.SerializationError, /saveCheckpoint: \{model\} is required/],
    ['a tensor among the extra fields', () => saveCheckpoint(file, { model: run.model, ema: kiln.ones([2]) }), kiln.SerializationError, /cannot store extra: extra\.ema is a Tensor/],
    ['a function among the extra fields', () => saveCheckpoint(file, { model: run.model, cb: () => 1 }), kiln.SerializationError, /extra\.cb is a function/],
    ['a cycle among the extra fields', () => {
      const loop: Record<string, unknown> = {};
      loop.self = loop;
      saveCheckpoint(file, { model: run.model, loop });
    }, kiln.SerializationError, /extra\.loop\.self contains itself/],
    ['a bigint epoch', () => saveCheckpoint(file, { model: run.model, epoch: 3n as never }), kiln.SerializationError, /epoch must be a number/],
    ['a malformed rngState', () => saveCheckpoint(file, { model: run.model, rngState: { seed: 1 } as never }), kiln.SerializationError, /rngState must be a generator state/],
    ['an optimizer the checkpoint lacks', () => loadCheckpoint(file, { optimizer: run.optimizer }), kiln.SerializationError, /an optimizer was given, but the checkpoint holds no optimizer state/],
    ['a scheduler the checkpoint lacks', () => loadCheckpoint(file, { scheduler: run.scheduler }), kiln.SerializationError, /holds no scheduler state/],
    ['a model of other shapes', () => loadCheckpoint(file, { model: new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Dropout(0.3), new nn.Linear(8, 1)) }), kiln.ShapeError, /size mismatch for 0\.weight/],
    ['a model that is not one', () => loadCheckpoint(file, { model: {} as never }), kiln.SerializationError, /\{model\} must have a loadStateDict\(\) method/],
  ])('%s', (_name, act, Kind, message) => {
    expect(act).toThrow(Kind);
    expect(act).toThrow(message);
  });

  test('plain weights are not a checkpoint', () => {
    const weights = path.join(dir, 'weights.safetensors');
    save(run.model.stateDict(), weights);
    expect(() => loadCheckpoint(weights)).toThrow(/loadCheckpoint: .*weights\.safetensors: not a kiln checkpoint/);
  });

  test('unknown tensors and malformed JSON in a checkpoint are reported', () => {
    const odd = path.join(dir, 'odd.safetensors');
    save({ stray: kiln.ones([1]) }, odd, { metadata: { 'kiln.checkpoint': '1' } });
    expect(() => loadCheckpoint(odd)).toThrow(/unexpected tensor "stray"/);
    save({}, odd, { metadata: { 'kiln.checkpoint': '1', epoch: '{oops' } });
    expect(() => loadCheckpoint(odd)).toThrow(/the metadata entry "epoch" is not valid JSON/);
    save({}, odd, { metadata: { 'kiln.checkpoint': '2' } });
    expect(() => loadCheckpoint(odd)).toThrow(/layout version "2" is not supported/);
  });

  test('loading frees every tensor it read', () => {
    saveCheckpoint(file, run);
    const before = kiln.memory().tensors;
    loadCheckpoint(file, run);
    expect(kiln.memory().tensors).toBe(before);
  });
});
