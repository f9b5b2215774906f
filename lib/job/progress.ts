// SPDX-License-Identifier: MIT
/**
 * Training progress: on a terminal, one cli-progress bar per epoch that fills over the batches
 * and is left showing the epoch's loss and validation metric; elsewhere (a pipe, a log file, CI)
 * one plain line per epoch, since redraw codes would only garble a log.
 */
import { SingleBar } from 'cli-progress';

export interface EpochSummary {
  epoch: number;
  epochs: number;
  trainLoss: number;
  valLoss: number;
  metricName: string;
  valMetric: number;
  best: boolean;
}

export interface ProgressReporter {
  startEpoch(epoch: number, epochs: number, batches: number): void;
  batch(done: number, runningLoss: number): void;
  endEpoch(summary: EpochSummary): void;
}

/** The line printed (or left beside the bar) when an epoch ends. */
export function epochLine(s: EpochSummary): string {
  const width = String(s.epochs).length;
  return (
    `epoch ${String(s.epoch).padStart(width)}/${s.epochs}  loss ${s.trainLoss.toFixed(4)}  ` +
    `val loss ${s.valLoss.toFixed(4)}  val ${s.metricName} ${s.valMetric.toFixed(4)}${s.best ? '  *best' : ''}`
  );
}

/** A bar per epoch on a TTY stream. */
class TerminalProgress implements ProgressReporter {
  private bar: SingleBar | null = null;

  constructor(private readonly stream: NodeJS.WriteStream) {}

  startEpoch(epoch: number, epochs: number, batches: number): void {
    const width = String(epochs).length;
    this.bar = new SingleBar({
      stream: this.stream,
      format: `epoch ${String(epoch).padStart(width)}/${epochs} [{bar}] {value}/{total} {status}`,
      barsize: 24,
      hideCursor: true,
      clearOnComplete: true,
      fps: 15,
    });
    this.bar.start(batches, 0, { status: '' });
  }

  batch(done: number, runningLoss: number): void {
    this.bar?.update(done, { status: `loss ${runningLoss.toFixed(4)}` });
  }

  endEpoch(summary: EpochSummary): void {
    this.bar?.stop();
    this.bar = null;
    this.stream.write(`${epochLine(summary)}\n`);
  }
}

/** One line per epoch, for pipes and logs. */
class LineProgress implements ProgressReporter {
  constructor(private readonly write: (line: string) => void) {}
  startEpoch(): void {}
  batch(): void {}
  endEpoch(summary: EpochSummary): void {
    this.write(epochLine(summary));
  }
}

/** Silent reporter, for tuning trials whose per-epoch lines would drown the table. */
export const quietProgress: ProgressReporter = { startEpoch() {}, batch() {}, endEpoch() {} };

/** A bar per epoch when `stream` is a terminal, plain lines through `write` otherwise. */
export function progressFor(stream: NodeJS.WriteStream, write: (line: string) => void): ProgressReporter {
  return stream.isTTY ? new TerminalProgress(stream) : new LineProgress(write);
}
