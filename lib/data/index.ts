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
