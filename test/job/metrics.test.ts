// SPDX-License-Identifier: MIT
// Evaluation metrics against values worked out by hand (the arithmetic is in the comments),
// ROC with tied scores, ROC AUC against a brute-force count over all positive/negative pairs on
// random data, and the errors for mismatched, empty and single-class inputs.
import * as kiln from '../../lib';
import { KilnError } from '../../lib/errors';
import {
  accuracy,
  confusionMatrix,
  mae,
  mse,
  precisionRecallF1,
  r2,
  rocAuc,
  rocAucOvr,
  rocCurve,
} from '../../lib/job/metrics';
import { mulberry32 } from './helpers';

// Three classes; per sample (true, pred): (0,0) (1,2) (2,2) (1,1) (0,1).
const Y3 = [0, 1, 2, 1, 0];
const P3 = [0, 2, 2, 1, 1];

describe('accuracy and confusionMatrix', () => {
  test('accuracy counts matches', () => {
    // Samples 0, 2, 3 match: 3 / 5.
    expect(accuracy(Y3, P3)).toBeCloseTo(0.6, 12);
    expect(accuracy(new Int32Array([1, 1]), new Float64Array([1, 0]))).toBe(0.5);
  });

  test('rows are the true class, columns the prediction', () => {
    // true 0 -> predicted 0 and 1; true 1 -> 2 and 1; true 2 -> 2.
    expect(confusionMatrix(Y3, P3)).toEqual([
      [1, 1, 0],
      [0, 1, 1],
      [0, 0, 1],
    ]);
    // numClasses pads classes that never occur.
    expect(confusionMatrix([0, 1], [1, 1], 3)).toEqual([
      [0, 1, 0],
      [0, 1, 0],
      [0, 0, 0],
    ]);
  });

  test('accepts kiln tensors', () => {
    const t = kiln.tensor([[0], [1], [2], [1], [0]]);
    expect(accuracy(t, kiln.tensor(P3))).toBeCloseTo(0.6, 12);
    expect(confusionMatrix(t, P3)[1]).toEqual([0, 1, 1]);
  });
});

describe('precisionRecallF1', () => {
  // yTrue 1 1 1 1 0 0 0 0
  // yPred 1 1 0 0 1 0 0 0
  const yt = [1, 1, 1, 1, 0, 0, 0, 0];
  const yp = [1, 1, 0, 0, 1, 0, 0, 0];

  test('binary, positive label 1', () => {
    // TP = 2 (samples 0, 1), FP = 1 (sample 4), FN = 2 (samples 2, 3).
    // P = 2/3, R = 2/4, F1 = 2PR/(P+R) = (2/3)/(7/6) = 4/7.
    const r = precisionRecallF1(yt, yp, { average: 'binary' });
    expect(r.precision).toBeCloseTo(2 / 3, 12);
    expect(r.recall).toBeCloseTo(0.5, 12);
    expect(r.f1).toBeCloseTo(4 / 7, 12);
  });

  test('binary, positive label 0', () => {
    // TP = 3 (samples 5, 6, 7), FP = 2 (samples 2, 3), FN = 1 (sample 4).
    // P = 3/5, R = 3/4, F1 = 2*(3/5)*(3/4) / (3/5 + 3/4) = 0.9 / 1.35 = 2/3.
    const r = precisionRecallF1(yt, yp, { average: 'binary', positiveLabel: 0 });
    expect(r.precision).toBeCloseTo(0.6, 12);
    expect(r.recall).toBeCloseTo(0.75, 12);
    expect(r.f1).toBeCloseTo(2 / 3, 12);
  });

  test('zero division gives 0, like sklearn', () => {
    // Nothing predicted positive: precision is 0/0 -> 0; recall 0/1 = 0; F1 0.
    expect(precisionRecallF1([0, 0, 1], [0, 0, 0])).toEqual({ precision: 0, recall: 0, f1: 0 });
    // No positive anywhere: every score is 0/0 -> 0.
    expect(precisionRecallF1([0, 0], [0, 0])).toEqual({ precision: 0, recall: 0, f1: 0 });
  });

  // Per class of (Y3, P3):
  //   class 0: TP 1, FP 0, FN 1 -> P 1,   R 1/2, F1 2/3, support 2
  //   class 1: TP 1, FP 1, FN 1 -> P 1/2, R 1/2, F1 1/2, support 2
  //   class 2: TP 1, FP 1, FN 0 -> P 1/2, R 1,   F1 2/3, support 1
  test('macro averages the per-class scores', () => {
    const r = precisionRecallF1(Y3, P3, { average: 'macro' });
    expect(r.precision).toBeCloseTo((1 + 0.5 + 0.5) / 3, 12); // 2/3
    expect(r.recall).toBeCloseTo((0.5 + 0.5 + 1) / 3, 12); // 2/3
    expect(r.f1).toBeCloseTo((2 / 3 + 1 / 2 + 2 / 3) / 3, 12); // 11/18
    expect(r.f1).toBeCloseTo(11 / 18, 12);
  });

  test('weighted averages by support', () => {
    const r = precisionRecallF1(Y3, P3, { average: 'weighted' });
    expect(r.precision).toBeCloseTo((2 * 1 + 2 * 0.5 + 1 * 0.5) / 5, 12); // 0.7
    expect(r.recall).toBeCloseTo((2 * 0.5 + 2 * 0.5 + 1 * 1) / 5, 12); // 0.6, which is the accuracy
    expect(r.f1).toBeCloseTo((2 * (2 / 3) + 2 * 0.5 + 1 * (2 / 3)) / 5, 12); // 0.6
  });

  test('numClasses adds absent classes as zeros to the macro mean', () => {
    // A fourth class that never occurs scores 0, 0, 0: the means divide by 4.
    const r = precisionRecallF1(Y3, P3, { average: 'macro', numClasses: 4 });
    expect(r.precision).toBeCloseTo(2 / 4, 12);
    expect(r.f1).toBeCloseTo(11 / 6 / 4, 12);
  });

  test('binary on three labels is an error naming them', () => {
    expect(() => precisionRecallF1(Y3, P3, { average: 'binary' })).toThrow(/precisionRecallF1: average 'binary' needs at most two labels, got 3 \(0, 1, 2\)/);
  });
});

describe('rocCurve and rocAuc', () => {
  // P = 3 positives (scores 0.8, 0.4, 0.4), N = 3 negatives (0.4, 0.2, 0.1).
  const yt = [0, 0, 1, 1, 1, 0];
  const sc = [0.1, 0.4, 0.4, 0.8, 0.4, 0.2];

  test('tied scores form one point', () => {
    // Thresholds descending: inf -> (0,0); 0.8 -> 1 TP: (0, 1/3);
    // 0.4 -> the three tied samples at once (2 TP, 1 FP): (1/3, 1); 0.2 -> (2/3, 1); 0.1 -> (1, 1).
    const c = rocCurve(yt, sc);
    expect(c.thresholds).toEqual([Infinity, 0.8, 0.4, 0.2, 0.1]);
    const close = (a: number[], b: number[]) => a.forEach((v, i) => expect(v).toBeCloseTo(b[i], 12));
    close(c.fpr, [0, 0, 1 / 3, 2 / 3, 1]);
    close(c.tpr, [0, 1 / 3, 1, 1, 1]);
  });

  test('AUC by hand, with ties', () => {
    // Trapezoids: (1/3)(1/3 + 1)/2 = 2/9, then 1/3 and 1/3: 2/9 + 2/3 = 8/9.
    // Pairwise: 0.8 beats all 3 negatives (3); each 0.4 positive beats 0.2 and 0.1 and ties 0.4 (2.5 each): 8 / 9.
    expect(rocAuc(yt, sc)).toBeCloseTo(8 / 9, 12);
  });

  test('perfect, reversed and constant scores', () => {
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.9])).toBe(1);
    expect(rocAuc([0, 0, 1, 1], [0.9, 0.8, 0.3, 0.1])).toBe(0);
    // All scores tied: one point (1, 1), the diagonal, 1/2.
    const flat = rocCurve([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5]);
    expect(flat.fpr).toEqual([0, 1]);
    expect(rocAuc([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5])).toBe(0.5);
    expect(rocAuc([false, true, true], [0.2, 0.1, 0.3])).toBeCloseTo(0.5, 12);
  });

  test('AUC equals the brute-force pairwise probability on random data with ties', () => {
    const rand = mulberry32(7);
    for (let trial = 0; trial < 5; trial++) {
      const n = 150 + 20 * trial;
      const y = Array.from({ length: n }, () => (rand() < 0.35 ? 1 : 0));
      // Scores rounded to one decimal so that ties are common; positives shifted up a little.
      const s = y.map((v) => Math.round((rand() + 0.3 * v) * 10) / 10);
      let wins = 0;
      let pairs = 0;
      for (let i = 0; i < n; i++) {
        if (y[i] !== 1) continue;
        for (let j = 0; j < n; j++) {
          if (y[j] !== 0) continue;
          pairs++;
          wins += s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0;
        }
      }
      expect(rocAuc(y, s)).toBeCloseTo(wins / pairs, 10);
    }
  });

  test('one-vs-rest macro AUC by hand', () => {
    // Rows (probs of classes 0, 1, 2) with true class:
    //   [0.6, 0.3, 0.1] 0 | [0.2, 0.5, 0.3] 1 | [0.3, 0.3, 0.4] 2 | [0.3, 0.4, 0.3] 0
    // class 0: positives 0.6, 0.3 vs negatives 0.2, 0.3: 2 + (1 + 0.5) = 3.5 of 4 -> 7/8
    // class 1: positive 0.5 vs 0.3, 0.3, 0.4: 1;  class 2: positive 0.4 vs 0.1, 0.3, 0.3: 1
    // macro: (7/8 + 1 + 1) / 3 = 23/24
    const probs = [
      [0.6, 0.3, 0.1],
      [0.2, 0.5, 0.3],
      [0.3, 0.3, 0.4],
      [0.3, 0.4, 0.3],
    ];
    expect(rocAucOvr([0, 1, 2, 0], probs)).toBeCloseTo(23 / 24, 12);
    expect(rocAucOvr(kiln.tensor([0, 1, 2, 0]), kiln.tensor(probs, { dtype: 'float64' }))).toBeCloseTo(23 / 24, 12);
  });
});

describe('regression metrics', () => {
  // yTrue 3, -0.5, 2, 7; yPred 2.5, 0, 2, 8: errors -0.5, 0.5, 0, 1.
  const yt = [3, -0.5, 2, 7];
  const yp = [2.5, 0, 2, 8];

  test('mse, mae and r2 by hand', () => {
    expect(mse(yt, yp)).toBeCloseTo((0.25 + 0.25 + 0 + 1) / 4, 12); // 0.375
    expect(mae(yt, yp)).toBeCloseTo((0.5 + 0.5 + 0 + 1) / 4, 12); // 0.5
    // mean 2.875; SS_tot = 0.125² + 3.375² + 0.875² + 4.125² = 29.1875; SS_res = 1.5.
    expect(r2(yt, yp)).toBeCloseTo(1 - 1.5 / 29.1875, 12);
  });

  test('r2 of a constant target: 1 if perfect, else 0', () => {
    expect(r2([2, 2, 2], [2, 2, 2])).toBe(1);
    expect(r2([2, 2, 2], [2, 2, 3])).toBe(0);
    // A constant prediction at the mean scores 0; a worse one is negative.
    expect(r2([1, 2, 3], [2, 2, 2])).toBeCloseTo(0, 12);
    expect(r2([1, 2, 3], [3, 2, 1])).toBeCloseTo(1 - 8 / 2, 12);
  });
});

describe('bad input', () => {
  const cases: [string, () => unknown, RegExp][] = [
    ['accuracy lengths', () => accuracy([1, 2, 3], [1, 2]), /accuracy: yTrue has 3 values but yPred has 2/],
    ['accuracy empty', () => accuracy([], []), /accuracy: .*empty/],
    ['mse lengths', () => mse([1], [1, 2]), /mse: yTrue has 1 values but yPred has 2/],
    ['mae NaN', () => mae([1, NaN], [1, 2]), /mae: yTrue\[1\] is NaN/],
    ['r2 one sample', () => r2([1], [1]), /r2: got 1 sample/],
    ['confusion negative label', () => confusionMatrix([0, -1], [0, 0]), /confusionMatrix: yTrue\[1\] is -1/],
    ['confusion label >= numClasses', () => confusionMatrix([0, 3], [0, 0], 3), /confusionMatrix: yTrue\[1\] is 3; expected integer class labels in \[0, 3\)/],
    ['rocAuc single class', () => rocAuc([1, 1, 1], [0.1, 0.2, 0.3]), /rocAuc: yTrue holds a single class \(3 samples/],
    ['rocCurve lengths', () => rocCurve([0, 1], [0.1]), /rocCurve: yTrue has 2 values but scores has 1/],
    ['rocAuc non-binary', () => rocAuc([0, 2], [0.1, 0.2]), /rocAuc: yTrue\[1\] is 2; expected binary labels/],
    ['rocAucOvr missing class', () => rocAucOvr([0, 0, 1], [[0.5, 0.3, 0.2], [0.6, 0.2, 0.2], [0.1, 0.8, 0.1]]), /rocAucOvr: class\(es\) 2 of 3 never occur/],
    ['rocAucOvr rows', () => rocAucOvr([0, 1], [[0.5, 0.5]]), /rocAucOvr: yTrue has 2 values but probs has 1 rows/],
    ['precision bad average', () => precisionRecallF1([0], [0], { average: 'micro' as 'macro' }), /precisionRecallF1: average is 'micro'/],
  ];
  test.each(cases)('%s', (_name, fn, message) => {
    expect(fn).toThrow(KilnError);
    expect(fn).toThrow(message);
  });
});
