// SPDX-License-Identifier: MIT
/**
 * Training checkpoints: model, optimizer, scheduler, epoch, random state and anything else
 * JSON-able, in ONE safetensors file (so it stays readable by any safetensors reader), written
 * atomically. Resuming from a checkpoint continues training exactly as if it had never
 * stopped: every tensor is stored bit for bit, and every number in the JSON parts exactly.
 *
 * Layout:
 *   tensors   model.<key>                          the model's state dict
 *             optimizer.state.<paramIndex>.<name>  the optimizer's state tensors (exp_avg, ...)
 *   metadata  kiln.checkpoint                      the layout's version, "1"
 *   (JSON)    optimizer.param_groups               the groups' options, in PyTorch's layout
 *             optimizer.state                      per parameter, its non-tensor state (step, ...)
 *             scheduler                            the scheduler's state dict
 *             epoch, rng_state, extra              as given to saveCheckpoint
 *
 * Models, optimizers and schedulers are taken by their stateDict()/loadStateDict() methods
 * (kiln's nn.Module, optim.Optimizer and lr schedulers have them), and are expected to copy
 * what they load: the tensors read from the file are freed once restored.
 *
 * @example
 * kiln.saveCheckpoint('ckpt.safetensors', { model, optimizer, scheduler, epoch });
 * // later, with freshly built model, optimizer and scheduler:
 * const { epoch } = kiln.loadCheckpoint('ckpt.safetensors', { model, optimizer, scheduler });
 */
import { SerializationError } from '../errors';
import { defaultGenerator, Generator } from '../ops/random';
import { Tensor } from '../tensor/tensor';
import { decodeJson, encodeJson } from './json-values';
import { readSafetensorsFile, recordOf, StateDictLike, stateDictEntries, writeSafetensorsFile } from './safetensors';

/** Anything with a state dict of tensors: kiln's nn.Module. */
export interface CheckpointModel {
  stateDict(): StateDictLike;
  loadStateDict(stateDict: Record<string, Tensor>): unknown;
}

/** An optimizer state dict in PyTorch's layout (kiln's OptimizerStateDict). */
export interface OptimizerStateLike {
  state: Record<number, Record<string, Tensor | number | null>>;
  param_groups: Array<{ params: number[]; [option: string]: unknown }>;
}

/** kiln's optim.Optimizer, or anything with the same state dict methods. */
export interface CheckpointOptimizer {
  stateDict(): OptimizerStateLike;
  loadStateDict(stateDict: OptimizerStateLike): void;
}

/** kiln's lr schedulers: their state is JSON-able. */
export interface CheckpointScheduler {
  stateDict(): Record<string, unknown>;
  loadStateDict(stateDict: Record<string, unknown>): void;
}

/** A Generator's state (`generator.getState()`). */
export type RngState = ReturnType<Generator['getState']>;

export interface CheckpointContents {
  model: CheckpointModel;
  optimizer?: CheckpointOptimizer;
  scheduler?: CheckpointScheduler;
  epoch?: number;
  /**
   * The random state to resume from. Default: kiln's default generator's state at the time of
   * saving (the generator dropout, randn, ... use unless given another), so that a resumed run
   * draws the same numbers as an uninterrupted one. null stores none.
   */
  rngState?: RngState | null;
  // Any other field is stored, JSON-encoded, and returned by loadCheckpoint as `extra`. (No
  // index signature here: saveCheckpoint is generic instead, so objects typed by an interface
  // are accepted too.)
}

export interface LoadCheckpointOptions {
  /** Restored in place from the checkpoint's model tensors (strictly: same keys and shapes). */
  model?: CheckpointModel;
  /** Restored in place; the checkpoint must hold optimizer state. */
  optimizer?: CheckpointOptimizer;
  /** Restored in place; the checkpoint must hold scheduler state. */
  scheduler?: CheckpointScheduler;
  /**
   * Where the saved random state goes: kiln's default generator unless given, or null to leave
   * every generator alone (the state is returned either way).
   */
  generator?: Generator | null;
}

/** What a checkpoint holds besides the restored objects. */
export interface CheckpointInfo {
  epoch: number | undefined;
  rngState: RngState | undefined;
  extra: Record<string, unknown>;
}

const FORMAT_KEY = 'kiln.checkpoint';
const FORMAT_VERSION = '1';
const MODEL_PREFIX = 'model.';
const OPTIMIZER_STATE_TENSOR = /^optimizer\.state\.(\d+)\.(.+)$/s;
const META = {
  paramGroups: 'optimizer.param_groups',
  optimizerState: 'optimizer.state',
  scheduler: 'scheduler',
  epoch: 'epoch',
  rngState: 'rng_state',
  extra: 'extra',
} as const;

function hasMethods(v: unknown, ...names: string[]): boolean {
  return typeof v === 'object' && v !== null && names.every((n) => typeof (v as Record<string, unknown>)[n] === 'function');
}

function isRngState(v: unknown): v is RngState {
  const s = v as RngState;
  return typeof v === 'object' && v !== null && Number.isSafeInteger(s.seed) && Number.isSafeInteger(s.offset) && s.offset >= 0;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Saves a training checkpoint to `path` (atomically: a failed save leaves the previous file).
 * Fields other than those of CheckpointContents are stored as `extra` (JSON-able values only).
 * See the file comment for what is stored where.
 */
export function saveCheckpoint<C extends CheckpointContents>(path: string, contents: C): void {
  const fn = 'saveCheckpoint';
  const { model, optimizer, scheduler, epoch, rngState, ...extra } = (contents ?? {}) as CheckpointContents & Record<string, unknown>;
  const need = (ok: boolean, what: string) => {
    if (!ok) throw new SerializationError(`${fn}: ${what} must have a stateDict() method (as nn.Module, optim.Optimizer and lr schedulers do)`);
  };
  need(hasMethods(model, 'stateDict'), '{model} is required and');
  if (optimizer !== undefined) need(hasMethods(optimizer, 'stateDict'), '{optimizer}');
  if (scheduler !== undefined) need(hasMethods(scheduler, 'stateDict'), '{scheduler}');
  if (epoch !== undefined && typeof epoch !== 'number') throw new SerializationError(`${fn}: epoch must be a number, got ${typeof epoch}`);
  if (rngState !== undefined && rngState !== null && !isRngState(rngState))
    throw new SerializationError(`${fn}: rngState must be a generator state {seed, offset} (generator.getState()), got ${JSON.stringify(rngState)}`);

  const tensors = new Map<string, Tensor>();
  for (const [key, t] of stateDictEntries(fn, model.stateDict())) tensors.set(MODEL_PREFIX + key, t);
  const metadata: Record<string, string> = { [FORMAT_KEY]: FORMAT_VERSION };
  if (optimizer !== undefined) {
    const sd = optimizer.stateDict();
    // Tensors go to the tensor section; the rest of each parameter's state (step counts,
    // absent buffers as null) to JSON. Every index gets a JSON entry, so empty states survive.
    const scalars: Record<string, Record<string, unknown>> = {};
    for (const [index, state] of Object.entries(sd.state)) {
      scalars[index] = {};
      for (const [name, v] of Object.entries(state)) {
        if (v instanceof Tensor) tensors.set(`optimizer.state.${index}.${name}`, v);
        else scalars[index][name] = v;
      }
    }
    metadata[META.paramGroups] = encodeJson(sd.param_groups, fn, 'optimizer.param_groups');
    metadata[META.optimizerState] = encodeJson(scalars, fn, 'optimizer.state');
  }
  if (scheduler !== undefined) metadata[META.scheduler] = encodeJson(scheduler.stateDict(), fn, 'scheduler');
  if (epoch !== undefined) metadata[META.epoch] = encodeJson(epoch, fn, 'epoch');
  const rng = rngState === undefined ? defaultGenerator.getState() : rngState;
  if (rng !== null) metadata[META.rngState] = encodeJson(rng, fn, 'rngState');
  if (Object.keys(extra).length > 0) metadata[META.extra] = encodeJson(extra, fn, 'extra');
  writeSafetensorsFile(fn, tensors, path, { metadata });
}

/** The parts of a checkpoint, decoded and checked, before anything is restored. */
interface DecodedCheckpoint {
  model: Record<string, Tensor>;
  optimizer: OptimizerStateLike | undefined;
  scheduler: Record<string, unknown> | undefined;
  info: CheckpointInfo;
}

function decode(path: string, tensors: Record<string, Tensor>, metadata: Record<string, string> | undefined): DecodedCheckpoint {
  const fn = 'loadCheckpoint';
  const fail = (reason: string): never => {
    throw new SerializationError(`${fn}: ${path}: ${reason}`);
  };
  const version = metadata?.[FORMAT_KEY];
  if (version === undefined)
    fail(`not a kiln checkpoint: its metadata has no "${FORMAT_KEY}" entry (use load() to read plain safetensors weights)`);
  if (version !== FORMAT_VERSION) fail(`checkpoint layout version ${JSON.stringify(version)} is not supported (this kiln reads version ${FORMAT_VERSION})`);
  const json = (key: string): unknown => (metadata![key] === undefined ? undefined : decodeJson(metadata![key], fn, key));

  const model: Array<[string, Tensor]> = [];
  const stateTensors = new Map<string, Array<[string, Tensor]>>();
  for (const [key, t] of Object.entries(tensors)) {
    if (key.startsWith(MODEL_PREFIX)) {
      model.push([key.slice(MODEL_PREFIX.length), t]);
      continue;
    }
    const m = OPTIMIZER_STATE_TENSOR.exec(key);
    if (!m) return fail(`unexpected tensor ${JSON.stringify(key)}: checkpoint tensors are named model.<key> or optimizer.state.<index>.<name>`);
    if (!stateTensors.has(m[1])) stateTensors.set(m[1], []);
    stateTensors.get(m[1])!.push([m[2], t]);
  }

  let optimizer: OptimizerStateLike | undefined;
  const paramGroups = json(META.paramGroups);
  if (paramGroups !== undefined) {
    const scalars = json(META.optimizerState) ?? {};
    if (!Array.isArray(paramGroups) || !paramGroups.every((g) => isPlainObject(g) && Array.isArray(g.params)))
      fail(`"${META.paramGroups}" must be a list of groups with params, got ${metadata![META.paramGroups].slice(0, 80)}`);
    if (!isPlainObject(scalars) || !Object.values(scalars).every(isPlainObject))
      fail(`"${META.optimizerState}" must map parameter indices to objects`);
    const state: Record<number, Record<string, Tensor | number | null>> = {};
    const scalarState = scalars as Record<string, Record<string, Tensor | number | null>>;
    for (const index of new Set([...Object.keys(scalarState), ...stateTensors.keys()]))
      state[Number(index)] = { ...scalarState[index], ...Object.fromEntries(stateTensors.get(index) ?? []) };
    optimizer = { state, param_groups: paramGroups as OptimizerStateLike['param_groups'] };
  } else if (stateTensors.size > 0) fail(`it holds optimizer state tensors but no "${META.paramGroups}" metadata`);

  const scheduler = json(META.scheduler);
  if (scheduler !== undefined && !isPlainObject(scheduler)) fail(`"${META.scheduler}" must be an object`);
  const epoch = json(META.epoch);
  if (epoch !== undefined && typeof epoch !== 'number') fail(`"${META.epoch}" must be a number, got ${metadata![META.epoch]}`);
  const rngState = json(META.rngState);
  if (rngState !== undefined && !isRngState(rngState)) fail(`"${META.rngState}" must be a generator state {seed, offset}, got ${metadata![META.rngState]}`);
  const extra = json(META.extra) ?? {};
  if (!isPlainObject(extra)) fail(`"${META.extra}" must be an object`);

  return {
    model: recordOf(model),
    optimizer,
    scheduler: scheduler as Record<string, unknown> | undefined,
    info: { epoch: epoch as number | undefined, rngState: rngState as RngState | undefined, extra: extra as Record<string, unknown> },
  };
}

/**
 * Restores the given model, optimizer and scheduler in place from a checkpoint written by
 * saveCheckpoint, sets the random state (see `generator`), and returns the epoch, random state
 * and extra fields. The whole file is read and checked before anything is restored; each
 * object's own loadStateDict then checks its part (a model with other keys or shapes throws).
 */
export function loadCheckpoint(path: string, opts: LoadCheckpointOptions = {}): CheckpointInfo {
  const fn = 'loadCheckpoint';
  for (const [what, obj] of [['model', opts.model], ['optimizer', opts.optimizer], ['scheduler', opts.scheduler]] as const)
    if (obj !== undefined && !hasMethods(obj, 'loadStateDict'))
      throw new SerializationError(`${fn}: {${what}} must have a loadStateDict() method`);
  if (opts.generator != null && !(opts.generator instanceof Generator))
    throw new SerializationError(`${fn}: {generator} must be a kiln Generator or null`);

  const { tensors, metadata } = readSafetensorsFile(fn, path, {});
  try {
    const ckpt = decode(path, tensors, metadata);
    if (opts.optimizer && ckpt.optimizer === undefined)
      throw new SerializationError(`${fn}: ${path}: an optimizer was given, but the checkpoint holds no optimizer state`);
    if (opts.scheduler && ckpt.scheduler === undefined)
      throw new SerializationError(`${fn}: ${path}: a scheduler was given, but the checkpoint holds no scheduler state`);
    opts.model?.loadStateDict(ckpt.model);
    if (opts.optimizer) opts.optimizer.loadStateDict(ckpt.optimizer!);
    if (opts.scheduler) opts.scheduler.loadStateDict(ckpt.scheduler!);
    const generator = opts.generator === undefined ? defaultGenerator : opts.generator;
    if (generator && ckpt.info.rngState) generator.setState(ckpt.info.rngState);
    return ckpt.info;
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
}
