// SPDX-License-Identifier: MIT
/**
 * Apportionment for stratified splits: how many items of each class go to each part so that
 * every part has its exact size, every class keeps its exact size, and every (class, part)
 * count is its exact share rounded down or up. Rounding each share on its own can break the
 * totals, and fixing the totals greedily can push a count 2 away from its share; a rounding
 * that keeps all three always exists (Bacharach, 1966), and a small max-flow finds one.
 */
import { KilnError } from '../errors';

/**
 * counts[c][p] for classes of `classSizes` and parts of `partSizes` (both summing to the same
 * n): each within 1 of classSizes[c] * partSizes[p] / n.
 */
export function apportion(classSizes: readonly number[], partSizes: readonly number[]): number[][] {
  const n = classSizes.reduce((a, b) => a + b, 0);
  const parts = partSizes.reduce((a, b) => a + b, 0);
  if (parts !== n) throw new KilnError(`apportion: class sizes [${classSizes.join(', ')}] sum to ${n} but part sizes [${partSizes.join(', ')}] to ${parts}`);
  if (n === 0) return classSizes.map(() => partSizes.map(() => 0));
  // Exact shares in integer arithmetic: floor and whether there is a fractional part.
  const counts = classSizes.map((size) => partSizes.map((part) => Math.floor((size * part) / n)));
  const fractional = classSizes.map((size) => partSizes.map((part) => (size * part) % n !== 0));
  const classLeft = classSizes.map((size, c) => size - counts[c].reduce((a, b) => a + b, 0));
  const partLeft = partSizes.map((part, p) => part - counts.reduce((a, row) => a + row[p], 0));

  // Each leftover unit of a class goes to a distinct part whose share for that class was
  // fractional; each part needs its own number of units. A bipartite flow.
  const k = classSizes.length;
  const flow = new FlowGraph(k + partSizes.length + 2);
  const source = k + partSizes.length;
  const sink = source + 1;
  classLeft.forEach((left, c) => flow.edge(source, c, left));
  partLeft.forEach((left, p) => flow.edge(k + p, sink, left));
  const unit: Array<[number, number, number]> = [];
  fractional.forEach((row, c) => row.forEach((frac, p) => frac && unit.push([c, p, flow.edge(c, k + p, 1)])));
  const total = flow.maxFlow(source, sink);
  if (total !== classLeft.reduce((a, b) => a + b, 0)) throw new KilnError('apportion: the flow found no rounding, which Bacharach\'s theorem rules out: a bug');
  for (const [c, p, e] of unit) counts[c][p] += flow.used(e);
  return counts;
}

/** A directed graph with integer capacities and Edmonds-Karp max flow; small and dense enough here. */
class FlowGraph {
  private readonly to: number[] = [];
  private readonly cap: number[] = [];
  private readonly original: number[] = [];
  private readonly adjacent: number[][];

  constructor(nodes: number) {
    this.adjacent = Array.from({ length: nodes }, () => []);
  }

  /** Adds u -> v with capacity `c` (and its residual twin); returns the edge's id. */
  edge(u: number, v: number, c: number): number {
    const id = this.to.length;
    this.to.push(v, u);
    this.cap.push(c, 0);
    this.original.push(c, 0);
    this.adjacent[u].push(id);
    this.adjacent[v].push(id + 1);
    return id;
  }

  used(id: number): number {
    return this.original[id] - this.cap[id];
  }

  maxFlow(source: number, sink: number): number {
    let total = 0;
    for (;;) {
      const via = new Array<number>(this.adjacent.length).fill(-1);
      const queue = [source];
      for (let head = 0; head < queue.length && via[sink] < 0; head++) {
        for (const e of this.adjacent[queue[head]]) {
          const v = this.to[e];
          if (this.cap[e] > 0 && v !== source && via[v] < 0) {
            via[v] = e;
            queue.push(v);
          }
        }
      }
      if (via[sink] < 0) return total;
      let push = Infinity;
      for (let v = sink; v !== source; v = this.to[via[v] ^ 1]) push = Math.min(push, this.cap[via[v]]);
      for (let v = sink; v !== source; v = this.to[via[v] ^ 1]) {
        this.cap[via[v]] -= push;
        this.cap[via[v] ^ 1] += push;
      }
      total += push;
    }
  }
}
