// SPDX-License-Identifier: MIT
/**
 * kiln's error classes. Every error names the op and the shapes, dtypes or devices involved.
 * Native errors arrive with a `.code` and are re-raised as the matching class by lib/backend.
 */

/** Base class of every error kiln raises on purpose. */
export class KilnError extends Error {
  readonly code: string;
  constructor(message: string, code = 'KILN_ERROR') {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Shapes that do not broadcast, multiply or fit, or a view that cannot be made. */
export class ShapeError extends KilnError {
  constructor(message: string) {
    super(message, 'KILN_SHAPE');
  }
}

/** A dtype an op does not support, or a conversion that would lose meaning. */
export class DTypeError extends KilnError {
  constructor(message: string) {
    super(message, 'KILN_DTYPE');
  }
}

/** Tensors on different devices, or a device that is not available. */
export class DeviceError extends KilnError {
  constructor(message: string) {
    super(message, 'KILN_DEVICE');
  }
}

/** An index or dim outside its range. */
export class IndexError extends KilnError {
  constructor(message: string) {
    super(message, 'KILN_INDEX');
  }
}

/** Use of a tensor after `dispose()`. */
export class DisposedTensorError extends KilnError {
  constructor(message: string) {
    super(message, 'KILN_DISPOSED');
  }
}

/** Misuse of the autograd graph. */
export class AutogradError extends KilnError {
  constructor(message: string) {
    super(message, 'KILN_AUTOGRAD');
  }
}

/** A file or buffer that is not a valid checkpoint. */
export class SerializationError extends KilnError {
  constructor(message: string) {
    super(message, 'KILN_SERIALIZATION');
  }
}

/** An error reported by the CUDA runtime or a CUDA kernel. */
export class CudaError extends KilnError {
  constructor(message: string) {
    super(message, 'KILN_CUDA');
  }
}

/**
 * An allocation failed: a CUDA device is full even after kiln returned its cached blocks (the
 * message gives the device's allocated, reserved, free and total bytes), or host memory ran out.
 */
export class OutOfMemoryError extends KilnError {
  constructor(message: string) {
    super(message, 'KILN_OUT_OF_MEMORY');
  }
}

/** Raises `new Kind(message)` unless `condition` holds. */
export function check(
  condition: unknown,
  Kind: new (message: string) => KilnError,
  message: () => string,
): asserts condition {
  if (!condition) throw new Kind(message());
}
