// SPDX-License-Identifier: MIT
/** Device names ('cpu', 'cuda', 'cuda:N') and their validation. */
import { DeviceError } from '../errors';

export type DeviceType = 'cpu' | 'cuda';

export class Device {
  constructor(
    readonly type: DeviceType,
    readonly index: number,
  ) {}

  /** 'cpu' or 'cuda:N', as PyTorch prints devices. */
  toString(): string {
    return this.type === 'cpu' ? 'cpu' : `cuda:${this.index}`;
  }

  equals(other: Device): boolean {
    return this.type === other.type && this.index === other.index;
  }
}

export const CPU = new Device('cpu', 0);

export type DeviceLike = Device | string;

export function parseDevice(d: DeviceLike | undefined): Device {
  if (d === undefined) return CPU;
  if (d instanceof Device) return d;
  if (d === 'cpu') return CPU;
  const m = /^cuda(?::(\d+))?$/.exec(d);
  if (m) return new Device('cuda', m[1] === undefined ? 0 : Number(m[1]));
  throw new DeviceError(`unknown device ${JSON.stringify(d)}; expected 'cpu', 'cuda' or 'cuda:N'`);
}
