// SPDX-License-Identifier: MIT
/** The bundled data sets: shapes, class counts, names, finite values, first rows as in the files, file paths. */
import fs from 'node:fs';
import nodePath from 'node:path';
import { readCsv } from '../../lib/data/csv';
import { BundledDataset, datasets, TARGET_COLUMN } from '../../lib/data/datasets';
import { KilnError } from '../../lib/errors';

const cases: Array<[string, () => BundledDataset, number, number, number[], string[]]> = [
  ['breastCancer', datasets.breastCancer, 569, 30, [212, 357], ['malignant', 'benign']],
  ['digits', datasets.digits, 1797, 64, [178, 182, 177, 183, 181, 182, 181, 179, 174, 180], ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']],
  ['iris', datasets.iris, 150, 4, [50, 50, 50], ['setosa', 'versicolor', 'virginica']],
  ['wine', datasets.wine, 178, 13, [59, 71, 48], ['class_0', 'class_1', 'class_2']],
];

describe.each(cases)('%s', (_name, load, rows, features, counts, classNames) => {
  const d = load();

  test('shapes and dtypes', () => {
    expect(d.features.shape).toEqual([rows, features]);
    expect(d.features.dtype).toBe('float32');
    expect(d.labels.shape).toEqual([rows]);
    expect(d.labels.dtype).toBe('int64');
    expect(d.featureNames).toHaveLength(features);
    expect(new Set(d.featureNames).size).toBe(features);
  });

  test('class counts and names', () => {
    const labels = d.labels.toArray() as number[];
    expect(classNames.map((_, k) => labels.filter((c) => c === k).length)).toEqual(counts);
    expect(d.classNames).toEqual(classNames);
    expect(d.description).toContain(`${rows} rows, ${features} numeric features`);
  });

  test('finite feature values', () => {
    expect(Array.from(d.features.data() as Float32Array).every(Number.isFinite)).toBe(true);
  });
});

test('scikit-learn feature names', () => {
  const bc = datasets.breastCancer().featureNames;
  expect(bc.slice(0, 2)).toEqual(['mean radius', 'mean texture']);
  expect(bc[10]).toBe('radius error');
  expect(bc[27]).toBe('worst concave points');
  expect(bc[29]).toBe('worst fractal dimension');
  expect(datasets.iris().featureNames).toEqual(['sepal length (cm)', 'sepal width (cm)', 'petal length (cm)', 'petal width (cm)']);
  const wine = datasets.wine().featureNames;
  expect([wine[0], wine[1], wine[11], wine[12]]).toEqual(['alcohol', 'malic_acid', 'od280/od315_of_diluted_wines', 'proline']);
  const px = datasets.digits().featureNames;
  expect([px[0], px[9], px[63]]).toEqual(['pixel_0_0', 'pixel_1_1', 'pixel_7_7']);
});

test('first rows match the files', () => {
  // Copied from the first data line of each file.
  const first = (d: BundledDataset) => (d.features.toArray() as number[][])[0];
  const iris = datasets.iris();
  expect(first(iris)).toEqual([5.1, 3.5, 1.4, 0.2].map(Math.fround));
  expect((iris.labels.toArray() as number[])[0]).toBe(0);
  expect(first(datasets.breastCancer()).slice(0, 4)).toEqual([17.99, 10.38, 122.8, 1001].map(Math.fround));
  expect(first(datasets.digits()).slice(0, 8)).toEqual([0, 0, 5, 13, 9, 1, 0, 0]);
  expect(first(datasets.wine()).slice(-2)).toEqual([3.92, 1065].map(Math.fround));
});

test('each call gives tensors of its own', () => {
  const a = datasets.iris();
  const b = datasets.iris();
  a.features.dispose();
  expect(b.features.shape).toEqual([150, 4]);
  expect((b.features.toArray() as number[][])[0][0]).toBeCloseTo(5.1, 5);
});

test('the files: paths, readCsv options, tables', () => {
  for (const name of datasets.names) expect(fs.existsSync(datasets.path(name))).toBe(true);
  expect(nodePath.basename(datasets.path('digits'))).toBe('digits.csv.gz');
  expect(datasets.path('breast-cancer')).toBe(datasets.path('breast_cancer'));
  expect(datasets.path('breastCancer')).toBe(datasets.path('breast_cancer'));
  const wine = readCsv(datasets.path('wine'), datasets.csvOptions('wine'));
  expect(wine.rows).toBe(178);
  expect(wine.columns[0]).toBe('alcohol');
  expect(wine.columns[13]).toBe(TARGET_COLUMN);
  expect(datasets.table('iris').columns).toEqual([...datasets.iris().featureNames, 'target']);
  const readme = fs.readFileSync(nodePath.join(datasets.dataDir(), 'README.md'), 'utf8');
  for (const file of ['breast_cancer.csv', 'digits.csv.gz', 'iris.csv', 'wine_data.csv']) expect(readme).toContain(file);
});

test('an unknown name lists the bundled ones', () => {
  expect(() => datasets.load('mnist')).toThrow(KilnError);
  expect(() => datasets.path('mnist')).toThrow("no bundled data set 'mnist'; the bundled ones are breast_cancer, digits, iris, wine");
});
