// SPDX-License-Identifier: MIT
/**
 * The small public data sets bundled in the package's data/ folder (see data/README.md):
 * breast cancer, digits, iris and wine, as feature and label tensors with scikit-learn's feature
 * and class names, or as files to hand to readCsv.
 */
import fs from 'node:fs';
import nodePath from 'node:path';
import { packageRoot } from '../backend/load';
import { KilnError, SerializationError } from '../errors';
import { reshape } from '../ops/views';
import { Tensor } from '../tensor/tensor';
import { CsvOptions, readCsv } from './csv';
import { Table } from './table';

export const DATASET_NAMES = ['breast_cancer', 'digits', 'iris', 'wine'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

export interface BundledDataset {
  /** rows x features, float32. */
  features: Tensor;
  /** One class index per row, int64. */
  labels: Tensor;
  featureNames: string[];
  classNames: string[];
  /** What the data is and where it comes from. */
  description: string;
}

interface BundledFile {
  file: string;
  title: string;
  source: string;
  featureNames: readonly string[];
  /**
   * The class names when the file has no first line `rows,features,class names...` to give
   * them (and the row and feature counts to check the file against).
   */
  classNames?: readonly string[];
}

/** Breast cancer's 30 features: 10 measurements of cell nuclei, each as mean, standard error and worst value. */
const NUCLEUS = ['radius', 'texture', 'perimeter', 'area', 'smoothness', 'compactness', 'concavity', 'concave points', 'symmetry', 'fractal dimension'];

const FILES: Readonly<Record<DatasetName, BundledFile>> = {
  breast_cancer: {
    file: 'breast_cancer.csv',
    title: 'Breast Cancer Wisconsin (Diagnostic): features of cell nuclei in images of breast mass samples; classes malignant and benign (unbalanced)',
    source: 'UCI Machine Learning Repository; W. H. Wolberg, W. N. Street, O. L. Mangasarian',
    featureNames: [...NUCLEUS.map((m) => `mean ${m}`), ...NUCLEUS.map((m) => `${m} error`), ...NUCLEUS.map((m) => `worst ${m}`)],
  },
  digits: {
    file: 'digits.csv.gz',
    title: 'Optical recognition of handwritten digits: 8x8 images (pixel values 0..16, row by row) of the digits 0 to 9',
    source: 'UCI Machine Learning Repository (the test set of Optical Recognition of Handwritten Digits); E. Alpaydin',
    featureNames: Array.from({ length: 64 }, (_, i) => `pixel_${Math.floor(i / 8)}_${i % 8}`),
    classNames: Array.from({ length: 10 }, (_, i) => String(i)),
  },
  iris: {
    file: 'iris.csv',
    title: "Iris plants: sepal and petal sizes of three species of iris",
    source: "R. A. Fisher's Iris data, as distributed with R",
    featureNames: ['sepal length (cm)', 'sepal width (cm)', 'petal length (cm)', 'petal width (cm)'],
  },
  wine: {
    file: 'wine_data.csv',
    title: 'Wine recognition: chemical analysis of wines from three cultivars of one region of Italy',
    source: 'UCI Machine Learning Repository (Wine recognition)',
    featureNames: [
      'alcohol', 'malic_acid', 'ash', 'alcalinity_of_ash', 'magnesium', 'total_phenols', 'flavanoids',
      'nonflavanoid_phenols', 'proanthocyanins', 'color_intensity', 'hue', 'od280/od315_of_diluted_wines', 'proline',
    ],
  },
};

/** The label column's name in table() and csvOptions(), as scikit-learn's `as_frame` names it. */
export const TARGET_COLUMN = 'target';

/** 'breast_cancer', 'breast-cancer' and 'breastCancer' all name the same data set. */
function resolveName(name: string): DatasetName {
  const canonical = String(name).replace(/([a-z])([A-Z])/g, '$1_$2').replace(/-/g, '_').toLowerCase();
  if (!(DATASET_NAMES as readonly string[]).includes(canonical))
    throw new KilnError(`datasets: no bundled data set '${name}'; the bundled ones are ${DATASET_NAMES.join(', ')}`);
  return canonical as DatasetName;
}

/**
 * The package's data/ folder, beside lib/ at the package root (found the way the native
 * addon's loader finds it, so it works from lib/ under jest and from dist/lib/ once compiled).
 */
export function dataDir(): string {
  const dir = nodePath.join(packageRoot(), 'data');
  if (!fs.existsSync(dir)) throw new KilnError(`datasets: the bundled data folder ${dir} is missing; the package is incomplete, reinstall it`);
  return dir;
}

/** The absolute path of a bundled CSV file (digits' is gzipped, which readCsv reads as is). */
export function path(name: DatasetName | string): string {
  return nodePath.join(dataDir(), FILES[resolveName(name)].file);
}

/**
 * The readCsv options that read a bundled file as a table of named columns: its first line
 * holds counts and class names, not column names, so it is skipped, and the columns are the
 * features followed by 'target' (the class index).
 */
export function csvOptions(name: DatasetName | string): CsvOptions {
  const entry = FILES[resolveName(name)];
  return { header: false, skipRows: entry.classNames ? 0 : 1, columns: [...entry.featureNames, TARGET_COLUMN], dtype: 'float64' };
}

interface Loaded {
  table: Table;
  classNames: readonly string[];
  description: string;
}

const loaded = new Map<DatasetName, Loaded>();

function loadChecked(name: DatasetName): Loaded {
  const cached = loaded.get(name);
  if (cached) return cached;
  const entry = FILES[name];
  const file = path(name);
  const table = readCsv(file, csvOptions(name));
  const bad = (what: string) => new SerializationError(`datasets.${name}: ${file} ${what}; the file is damaged, reinstall the package`);
  let classNames = entry.classNames;
  if (!classNames) {
    const [rows, features, ...names] = fs.readFileSync(file, 'utf8').split(/\r?\n/, 1)[0].split(',');
    if (Number(rows) !== table.rows) throw bad(`says it has ${rows} rows but has ${table.rows}`);
    if (Number(features) !== entry.featureNames.length) throw bad(`says it has ${features} features, expected ${entry.featureNames.length}`);
    classNames = names;
  }
  const target = table.numbers(TARGET_COLUMN);
  const wrong = target.findIndex((c) => !Number.isInteger(c) || c < 0 || c >= classNames.length);
  if (wrong >= 0) throw bad(`has class ${target[wrong]} on row ${wrong}, outside 0..${classNames.length - 1}`);
  const counts = classNames.map((c, k) => `${c} ${target.filter((t) => t === k).length}`);
  const description =
    `${entry.title}. ${table.rows} rows, ${entry.featureNames.length} numeric features, ${classNames.length} classes (${counts.join(', ')}). ` +
    `Source: ${entry.source}; as bundled with scikit-learn.`;
  const result = { table, classNames, description };
  loaded.set(name, result);
  return result;
}

/** A bundled data set as fresh tensors (features float32, labels int64) with its names. */
export function load(name: DatasetName | string): BundledDataset {
  const canonical = resolveName(name);
  const { table, classNames, description } = loadChecked(canonical);
  const featureNames = FILES[canonical].featureNames.slice();
  const column = table.toTensor([TARGET_COLUMN], { dtype: 'int64' });
  const labels = reshape(column, [table.rows]);
  column.dispose(); // the view keeps the storage
  return {
    features: table.toTensor(featureNames, { dtype: 'float32' }),
    labels,
    featureNames,
    classNames: classNames.slice(),
    description,
  };
}

/**
 * A bundled data set as a Table: its features by name and the class index in 'target'.
 * The Table is shared between calls; it is read-only by its API, keep its arrays so.
 */
export function table(name: DatasetName | string): Table {
  return loadChecked(resolveName(name)).table;
}

/** 569 rows, 30 features, classes malignant (212) and benign (357). */
export function breastCancer(): BundledDataset {
  return load('breast_cancer');
}

/** 1797 rows, 64 pixel features, classes 0..9. */
export function digits(): BundledDataset {
  return load('digits');
}

/** 150 rows, 4 features, classes setosa, versicolor, virginica (50 each). */
export function iris(): BundledDataset {
  return load('iris');
}

/** 178 rows, 13 features, classes class_0 (59), class_1 (71), class_2 (48). */
export function wine(): BundledDataset {
  return load('wine');
}

/** Everything above as one object, for `kiln.datasets.iris()` and `kiln.datasets.path('iris')`. */
export const datasets = { breastCancer, digits, iris, wine, load, table, path, csvOptions, dataDir, names: DATASET_NAMES };
