// SPDX-License-Identifier: MIT
/**
 * The PyTorch peer of `--compare torch`: one long-lived `torch_peer.py --serve` process, asked
 * for one workload at a time by its suite key (bench/suite.ts), which answers with one JSON
 * line of result name -> value.
 */
import { ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';

const SCRIPT = path.join(__dirname, '..', '..', 'bench', 'torch_peer.py');

export class TorchPeer {
  private readonly lines: AsyncIterator<string>;
  private stderr = '';

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  }

  /** Starts the peer on `threads` threads, or returns null (saying why) when no Python has torch. */
  static start(threads: number): TorchPeer | null {
    const python = ['python3', '/usr/bin/python3'].find((py) => spawnSync(py, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0);
    if (!python) {
      console.warn('--compare torch: no Python with torch found (apt-get install -y python3-torch libopenblas0-pthread)');
      return null;
    }
    return new TorchPeer(spawn(python, [SCRIPT, '--serve', String(threads)]));
  }

  /** PyTorch's results for the workload `key` ({} where it has no peer for it). */
  async run(key: string): Promise<Record<string, number>> {
    this.child.stdin.write(`${key}\n`);
    const line = await this.lines.next();
    if (line.done) throw new Error(`torch peer exited during '${key}' (status ${this.child.exitCode}): ${this.stderr}`);
    return JSON.parse(line.value) as Record<string, number>;
  }

  close(): void {
    this.child.stdin.end('\n');
  }
}
