// SPDX-License-Identifier: MIT
/**
 * Saving and loading: state dicts in the safetensors format, training checkpoints, and single
 * tensors as NumPy .npy files. Every file is written atomically; every malformed file throws
 * a SerializationError that says what is wrong with it.
 */
export {
  save, load, saveBuffer, loadBuffer, loadWithMetadata, loadBufferWithMetadata, loadMetadata,
} from './safetensors';
export type { StateDictLike, SaveOptions, LoadOptions, SafetensorsContents } from './safetensors';
export { saveCheckpoint, loadCheckpoint } from './checkpoint';
export type {
  CheckpointContents, CheckpointInfo, CheckpointModel, CheckpointOptimizer, CheckpointScheduler, LoadCheckpointOptions,
  OptimizerStateLike, RngState,
} from './checkpoint';
export { saveNpy, loadNpy, saveNpyBuffer, loadNpyBuffer } from './npy';
export type { NpyLoadOptions } from './npy';
