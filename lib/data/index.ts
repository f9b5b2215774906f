// SPDX-License-Identifier: MIT
/** kiln.data: datasets, samplers, DataLoader, CSV tables, inspection and preparation helpers. */
export { TensorDataset, Subset, ConcatDataset, IterableDataset, isMapDataset } from './dataset';
export type { Dataset } from './dataset';
export { randomSplit } from './random-split';
export { SequentialSampler, RandomSampler, SubsetRandomSampler, WeightedRandomSampler, BatchSampler } from './sampler';
export type { Sampler, IndexIterable, RandomSamplerOptions } from './sampler';
export { defaultCollate } from './collate';
export type { Collated } from './collate';
export { DataLoader } from './dataloader';
export type { DataLoaderOptions, BatchedLoaderOptions, UnbatchedLoaderOptions, DataSource, IndexBatches } from './dataloader';
export { Table } from './table';
export type { ColumnValues, ColumnKind, TableOptions, TableFormatOptions } from './table';
export { readCsv } from './csv';
export type { CsvOptions } from './csv';
export { describe, info, head, tail, sampleRows, sampleRowIndices, Description, TableInfo, DESCRIBE_STATS } from './inspect';
export type { ColumnStats, DescribeStat, ColumnInfo, Inspectable, SampleRowsOptions } from './inspect';
export { classBalance, ClassBalance, UNBALANCED_SHARE } from './class-balance';
export type { ClassBalanceOptions } from './class-balance';
export { StandardScaler, MinMaxScaler } from './scalers';
export type { StandardScalerJSON, MinMaxScalerJSON, MinMaxScalerOptions } from './scalers';
export { trainTestSplit } from './train-test-split';
export type { SplitOptions, SplitIndices, SplitTensors } from './train-test-split';
export { oneHot } from './prep';
export { datasets, DATASET_NAMES, TARGET_COLUMN } from './datasets';
export type { BundledDataset, DatasetName } from './datasets';
