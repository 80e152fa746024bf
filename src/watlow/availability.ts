/**
 * What a controller learned about its device: parameters it refused as absent (so a poll that
 * names them fails fast instead of asking again), the types of parameters outside the catalogue,
 * register spans it would not read as one block, and its identity. Lives in the port's driver
 * cache, so cache-clear makes the controller ask the device again.
 */
import type { CacheKey } from '../core/driver-cache';
import { cacheKey } from '../core/driver-cache';
import type { LabbenchError } from '../core/errors';
import { DeviceError } from '../core/errors';
import type { ControllerIdentity } from './controller-config';
import type { ResolvedParameter } from './parameters';
import type { WatlowDataType, WatlowProtocol } from './types';

export class Availability {
  /** "id" or "id:instance" → the refusal that proved it absent. */
  private readonly unsupported = new Map<string, LabbenchError>();
  /** Types of parameters outside the catalogue, learned from replies. */
  readonly learnedTypes = new Map<number, WatlowDataType>();
  /** Coalesced register blocks the device refused; read item by item from then on. */
  readonly noCoalesce = new Set<string>();
  identity: ControllerIdentity | undefined;

  private static keyOf(parameter: ResolvedParameter, instance: number, perInstance: boolean): string {
    return perInstance ? `${parameter.id}:${instance}` : `${parameter.id}`;
  }

  /** Remembers a refusal for the parameter (`perInstance`: for this instance only). */
  remember(
    parameter: ResolvedParameter,
    instance: number,
    perInstance: boolean,
    refusal: LabbenchError,
  ): void {
    this.unsupported.set(Availability.keyOf(parameter, instance, perInstance), refusal);
  }

  /** Throws the remembered refusal (E_DEVICE_ERROR) when the parameter is known to be absent. */
  check(parameter: ResolvedParameter, instance: number, resource: string): void {
    const hit =
      this.unsupported.get(Availability.keyOf(parameter, instance, false)) ??
      this.unsupported.get(Availability.keyOf(parameter, instance, true));
    if (hit) {
      throw new DeviceError(
        `${hit.message} (remembered from an earlier reply; not asked again until the driver cache is cleared)`,
        { resource, deviceCode: hit.deviceCode },
      );
    }
  }
}

/** Where a controller's knowledge lives in the port's driver cache. */
export function availabilityKey(protocol: WatlowProtocol, address: number): CacheKey<Availability> {
  return cacheKey<Availability>(`watlow:${protocol}:${address}`);
}
