// SPDX-License-Identifier: MIT
/** Embedding: a lookup table of learnable vectors indexed by integer ids. */
import { noGrad } from '../autograd/grad-mode';
import { KilnError, ShapeError } from '../errors';
import { Tensor } from '../tensor/tensor';
import { empty } from '../ops/creation';
import { InitOptions, normal_ } from './init';
import { embedding } from './functional';
import { checkSize, FactoryOptions } from './linear';
import { Module } from './module';
import { Parameter } from './parameter';

export interface EmbeddingLayerOptions extends FactoryOptions {
  /** This row starts at zero and never receives a gradient (negative values count from the end). */
  paddingIdx?: number | null;
}

/**
 * weight[input]: input of integer ids [*] gives [*, embeddingDim]. The weight is initialized
 * N(0, 1) with the padding row (if any) zeroed; its gradient comes from indexSelect's backward.
 *
 * @example
 * const emb = new nn.Embedding(10, 3, { paddingIdx: 0 });
 * emb.call(kiln.tensor([[1, 2], [0, 9]], { dtype: 'int64' })).shape; // [2, 2, 3]
 */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;
  weight: Tensor;

  constructor(numEmbeddings: number, embeddingDim: number, opts: EmbeddingLayerOptions = {}) {
    super();
    checkSize('Embedding', 'numEmbeddings', numEmbeddings);
    checkSize('Embedding', 'embeddingDim', embeddingDim);
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    const pad = opts.paddingIdx ?? null;
    if (pad !== null && (!Number.isInteger(pad) || pad >= numEmbeddings || pad < -numEmbeddings))
      throw new KilnError(`Embedding: paddingIdx must be within [-${numEmbeddings}, ${numEmbeddings}), got ${pad}`);
    // Stored non-negative, as PyTorch does.
    this.paddingIdx = pad !== null && pad < 0 ? pad + numEmbeddings : pad;
    this.weight = Parameter(empty([numEmbeddings, embeddingDim], { dtype: opts.dtype, device: opts.device }));
    this.resetParameters(opts);
  }

  /**
   * An Embedding holding `embeddings` ([numEmbeddings, embeddingDim], shared, not copied);
   * frozen (no gradient) unless freeze is false.
   */
  static fromPretrained(embeddings: Tensor, opts: { freeze?: boolean; paddingIdx?: number | null } = {}): Embedding {
    if (embeddings.ndim !== 2) throw new ShapeError(`Embedding.fromPretrained: embeddings must be 2-D, got shape [${embeddings.shape.join(', ')}]`);
    const e = new Embedding(embeddings.shape[0], embeddings.shape[1], { paddingIdx: opts.paddingIdx, dtype: embeddings.dtype });
    e.weight = Parameter(embeddings, !(opts.freeze ?? true));
    return e;
  }

  resetParameters(opts: InitOptions = {}): void {
    normal_(this.weight, 0, 1, opts);
    const pad = this.paddingIdx;
    if (pad !== null) noGrad(() => this.weight.select(0, pad).fill_(0));
  }

  forward(input: Tensor): Tensor {
    return embedding(input, this.weight, { paddingIdx: this.paddingIdx });
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx !== null ? `, padding_idx=${this.paddingIdx}` : ''}`;
  }
}
