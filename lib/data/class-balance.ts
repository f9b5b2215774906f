// SPDX-License-Identifier: MIT
/**
 * classBalance: how many rows each class has, and a warning when the smallest class is small
 * enough that accuracy alone would mislead (a model that always answers the largest class
 * already scores its share).
 */
import { inspect } from 'node:util';
import { KilnError } from '../errors';
import { formatPercent, renderTable } from './format-table';
import { Label, labelArray, LabelsLike, sortedClasses } from './labels';

/**
 * The default rule: classes are unbalanced when the smallest one has less than 0.8 of an even
 * share (1/k of the rows for k classes). For two classes that is a minority under 40%, where
 * Google's machine learning guide starts calling a data set (mildly) imbalanced; it flags
 * breast cancer (212 of 569 = 37%, 0.75 of an even share) but not wine (48 of 178 = 27% of
 * three classes, 0.81 of an even share).
 */
export const UNBALANCED_SHARE = 0.8;

export interface ClassBalanceOptions {
  /** Display names, indexed by class when the labels are 0..k-1. */
  classNames?: readonly string[];
  /** The fraction of an even share below which the smallest class makes the data unbalanced. */
  threshold?: number;
}

export class ClassBalance {
  /** Each class's count divided by the rows. */
  readonly fractions: readonly number[];
  readonly total: number;
  /** The smallest class's fraction divided by an even share (1 when all classes are equal). */
  readonly smallestShare: number;
  readonly unbalanced: boolean;
  /** The accuracy of always answering the largest class. */
  readonly majorityBaseline: number;
  /** A one-line warning when unbalanced, else null. */
  readonly warning: string | null;

  constructor(
    /** The classes, sorted (numbers ascending, strings in code-unit order). */
    readonly classes: readonly Label[],
    readonly counts: readonly number[],
    /** The names printed for the classes (their values unless classNames was given). */
    readonly names: readonly string[],
    readonly threshold: number,
  ) {
    this.total = counts.reduce((a, b) => a + b, 0);
    this.fractions = counts.map((c) => c / this.total);
    const k = classes.length;
    const smallest = argExtreme(counts, (a, b) => a < b);
    const largest = argExtreme(counts, (a, b) => a > b);
    this.smallestShare = this.fractions[smallest] * k;
    this.unbalanced = k > 1 && this.smallestShare < threshold;
    this.majorityBaseline = this.fractions[largest];
    this.warning = this.unbalanced
      ? `warning: unbalanced classes: the smallest class '${names[smallest]}' has ${counts[smallest]} of ${this.total} rows ` +
        `(${formatPercent(this.fractions[smallest])}, below ${threshold} of an even share of ${formatPercent(1 / k)}); ` +
        `accuracy alone can mislead: always answering '${names[largest]}' scores ${formatPercent(this.majorityBaseline)}`
      : null;
  }

  toString(): string {
    const rows = this.classes.map((_, i) => [this.names[i], String(this.counts[i]), formatPercent(this.fractions[i])]);
    const table = renderTable({ header: ['class', 'count', 'fraction'], rows, align: ['left'] });
    return this.warning ? `${table}\n${this.warning}` : table;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** Counts and fractions per class, sorted by class, with the unbalanced flag (see UNBALANCED_SHARE). */
export function classBalance(labels: LabelsLike, opts: ClassBalanceOptions = {}): ClassBalance {
  const values = labelArray('classBalance', labels);
  if (values.length === 0) throw new KilnError('classBalance: no labels given; expected at least one');
  const threshold = opts.threshold ?? UNBALANCED_SHARE;
  if (!(threshold >= 0 && threshold <= 1)) throw new KilnError(`classBalance: threshold should be between 0 and 1, got ${threshold}`);
  const classes = sortedClasses(values);
  const position = new Map(classes.map((c, i) => [c, i]));
  const counts = classes.map(() => 0);
  for (const v of values) counts[position.get(v)!]++;
  const names = classes.map((c) => {
    if (!opts.classNames) return String(c);
    const name = typeof c === 'number' ? opts.classNames[c] : undefined;
    if (name === undefined)
      throw new KilnError(`classBalance: no name for class ${String(c)} among ${opts.classNames.length} classNames; classNames are indexed by class 0..k-1`);
    return name;
  });
  return new ClassBalance(classes, counts, names, threshold);
}

/** The first index whose value beats every other by `better`. */
function argExtreme(values: readonly number[], better: (a: number, b: number) => boolean): number {
  return values.reduce((best, v, i) => (better(v, values[best]) ? i : best), 0);
}
