// SPDX-License-Identifier: MIT
/** kiln.nn: modules, layers, losses, functional forms and initializers. */
export { Module, callModule } from './module';
export type { ForwardHook, ForwardPreHook, RemovableHandle, StateDict, LoadStateDictResult, ModuleTarget } from './module';
export { Parameter, isParameter } from './parameter';
export { Linear, Bilinear, Identity } from './linear';
export type { FactoryOptions } from './linear';
export { Flatten, Unflatten } from './flatten';
export { ReLU, LeakyReLU, GELU, SiLU, ELU, Sigmoid, Tanh, Softmax, LogSoftmax } from './activation';
export { Dropout } from './dropout';
export { Embedding } from './embedding';
export type { EmbeddingLayerOptions } from './embedding';
export { LayerNorm, BatchNorm1d } from './normalization';
export type { LayerNormLayerOptions, BatchNormLayerOptions } from './normalization';
export { Sequential, ModuleList, ModuleDict } from './container';
export {
  MSELoss, L1Loss, SmoothL1Loss, HuberLoss, NLLLoss, CrossEntropyLoss, BCELoss, BCEWithLogitsLoss, KLDivLoss,
} from './loss';
export type { WeightedLossOptions } from './loss';
export type { Reduction } from './functional-loss';
export * as functional from './functional';
export * as init from './init';
export * as utils from './utils';
