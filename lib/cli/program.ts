// SPDX-License-Identifier: MIT
/**
 * The `kiln` command line: `kiln train`, `kiln predict` and `kiln bench`, built on commander.
 * `main` returns the exit code instead of exiting, so tests can run the CLI in-process: 0 on
 * success, 2 for input a user can fix (printed as one line), 1 for anything unexpected.
 */
import path from 'node:path';
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { KilnError } from '../errors';
import { packageRoot } from '../backend/load';
import { runTrainJob, JobLog } from '../job/train-job';
import { runPredictJob } from '../job/predict-job';
import { TRAIN_DEFAULTS, TrainJobOptions } from '../job/options';
import { BUNDLED } from '../job/source';

export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
  stream: NodeJS.WriteStream;
}

const defaultIO: CliIO = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  stream: process.stdout,
};

function intArg(name: string, min: number): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got '${v}'`);
    return n;
  };
}

function numberArg(name: string, check: (n: number) => boolean, expected: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || !check(n)) throw new InvalidArgumentError(`${name} must be ${expected}, got '${v}'`);
    return n;
  };
}

function hiddenArg(v: string): number[] {
  const sizes = v.split(',').map((s) => Number(s.trim()));
  if (sizes.length === 0 || sizes.some((n) => !Number.isInteger(n) || n < 1))
    throw new InvalidArgumentError(`--hidden takes positive layer widths separated by commas, e.g. 64,32; got '${v}'`);
  return sizes;
}

function trainCommand(io: CliIO, done: (p: Promise<unknown>) => void): Command {
  const d = TRAIN_DEFAULTS;
  return new Command('train')
    .description(`train an MLP on a CSV file (or a bundled data set: ${BUNDLED.join(', ')}) and evaluate, save and report it`)
    .option('--data <file>', 'CSV file with a header row, or a bundled data set name', d.data)
    .option('--target <column>', 'the column to predict (default for bundled data: its label)')
    .addOption(new Option('--task <task>', 'what to predict (default: decided from the target)').choices(['classification', 'regression']))
    .addOption(new Option('--model <kind>', 'model family').choices(['mlp']).default('mlp'))
    .option('--hidden <sizes>', 'hidden layer widths, comma-separated', hiddenArg, d.hidden)
    .option('--dropout <p>', 'dropout after each hidden layer', numberArg('--dropout', (n) => n >= 0 && n < 1, 'in [0, 1)'), d.dropout)
    .option('--epochs <n>', 'most epochs to train', intArg('--epochs', 1), d.epochs)
    .option('--patience <n>', 'epochs in which neither the validation metric nor the validation loss improved, before stopping early', intArg('--patience', 1), d.patience)
    .option('--lr <x>', 'Adam learning rate', numberArg('--lr', (n) => n > 0, 'a positive number'), d.lr)
    .option('--weight-decay <x>', 'Adam weight decay', numberArg('--weight-decay', (n) => n >= 0, 'a number >= 0'), d.weightDecay)
    .option('--batch-size <n>', 'rows per training batch', intArg('--batch-size', 1), d.batchSize)
    .option('--device <device>', "'cpu', 'cuda', 'cuda:N' or 'auto' (the best present)", d.device)
    .option('--seed <n>', 'random seed (split, initialization, shuffling)', intArg('--seed', 0), d.seed)
    .option('--out <dir>', 'output folder (replaced at the end of a successful run)', d.out)
    .option('--tune', 'search learning rate and hidden sizes on the validation split first', false)
    .option('--no-plots', 'skip the pictures and index.html')
    .action((o: Partial<TrainJobOptions> & { model: string }) => {
      const log: JobLog = { line: (t = '') => io.out(`${t}\n`), stream: io.stream };
      const { model: _model, ...rest } = o;
      done(runTrainJob(rest, log));
    });
}

function predictCommand(io: CliIO, done: (p: Promise<unknown>) => void): Command {
  return new Command('predict')
    .description('predict with a model saved by `kiln train`')
    .requiredOption('--model <dir>', 'the --out folder of a `kiln train` run')
    .requiredOption('--data <file>', 'CSV file with the feature columns the model was trained on')
    .option('--out <file>', 'write the predictions to this CSV file (default: print them)')
    .action((o: { model: string; data: string; out?: string }) => {
      done(Promise.resolve().then(() => runPredictJob(o, io.out)));
    });
}

function benchCommand(io: CliIO, done: (p: Promise<unknown>) => void): Command {
  return new Command('bench')
    .description('run the benchmark suite (arguments are passed on, e.g. --compare torch)')
    .allowUnknownOption()
    .helpOption(false)
    .argument('[args...]')
    .action((args: string[]) => {
      const script = path.join(packageRoot(), 'dist', 'bench', 'run.js');
      if (!fs.existsSync(script)) throw new KilnError(`kiln bench: ${script} is missing; run 'npm run build:ts' first`);
      const r = spawnSync(process.execPath, ['--expose-gc', script, ...args], { stdio: 'inherit' });
      done(r.status === 0 ? Promise.resolve() : Promise.reject(new KilnError(`kiln bench exited with ${r.status ?? r.signal}`)));
      void io;
    });
}

/** Runs the CLI on `argv` (without node and the script path); resolves to the exit code. */
export async function main(argv: string[], io: CliIO = defaultIO): Promise<number> {
  let pending: Promise<unknown> = Promise.resolve();
  const done = (p: Promise<unknown>) => (pending = p);
  const program = new Command('kiln')
    .description('kiln: train, evaluate and use models from the command line')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showSuggestionAfterError();
  for (const c of [trainCommand(io, done), predictCommand(io, done), benchCommand(io, done)])
    program.addCommand(c.exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err }));
  try {
    await program.parseAsync(argv, { from: 'user' });
    await pending;
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2; // commander printed the message
    if (e instanceof KilnError) {
      io.err(`kiln: error: ${e.message.split('\n')[0]}\n`);
      return 2;
    }
    io.err(`kiln: unexpected error: ${(e as Error)?.stack ?? e}\n`);
    return 1;
  }
}
