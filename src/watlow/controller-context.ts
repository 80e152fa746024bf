/**
 * What both protocol clients of a controller share: its configuration, where it is (for
 * messages), its availability cache, and the shaping of readings and verify failures.
 */
import type { LabbenchError } from '../core/errors';
import { VerifyError, rephrase, toLabbenchError } from '../core/errors';
import type { Lease } from '../core/registry';
import type { ByteStream } from '../transport/types';
import type { Availability } from './availability';
import { Availability as AvailabilityCache, availabilityKey } from './availability';
import type { ReadOutcome, ResolvedControllerConfig, WatlowReading } from './controller-config';
import type { ResolvedParameter } from './parameters';
import { coerceWriteValue, presentValue, sameStoredValue, unitsLabel } from './parameters';
import type { WatlowDataType } from './types';

export class ControllerContext {
  constructor(
    readonly config: ResolvedControllerConfig,
    private readonly lease: Lease<ByteStream>,
  ) {}

  get portLabel(): string {
    return this.lease.label;
  }

  /** 'Watlow "oven" (Std Bus address 1 on /dev/ttyUSB0)' */
  get description(): string {
    const { protocol, map, name, address } = this.config;
    const proto = protocol === 'stdbus' ? 'Std Bus' : `Modbus map ${map}`;
    return `Watlow "${name}" (${proto} address ${address} on ${this.portLabel})`;
  }

  /** The availability cache of this controller (in the port's driver cache). */
  knowledge(): Availability {
    return this.lease.cache.get(
      availabilityKey(this.config.protocol, this.config.address),
      () => new AvailabilityCache(),
    );
  }

  forgetKnowledge(): void {
    this.lease.cache.delete(availabilityKey(this.config.protocol, this.config.address));
  }

  readingOf(
    parameter: ResolvedParameter,
    instance: number,
    type: WatlowDataType,
    raw: number | string,
  ): WatlowReading {
    return {
      controller: this.config.name,
      parameter: parameter.name,
      parameterId: parameter.id,
      instance,
      value: presentValue(parameter.spec, type, raw),
      raw,
      units: unitsLabel(parameter.spec?.units, this.config.temperatureUnits),
      type,
      timestamp: Date.now(),
      protocol: this.config.protocol,
    };
  }

  describeParameter(parameter: ResolvedParameter, instance: number): string {
    const named = parameter.spec ? `${parameter.name} (${parameter.id})` : `parameter ${parameter.id}`;
    return `${named} instance ${instance}`;
  }

  /** Adds "where" to errors raised without it (validation happens before the controller is known). */
  contextualise(err: unknown): LabbenchError {
    const e = toLabbenchError(err, { resource: this.portLabel });
    if (e.message.includes(this.description)) return e;
    return rephrase(e, `${this.description}: ${e.message}`, this.portLabel);
  }

  /** `value` as the wire carries it for `type` (units from the configuration), or its coded error. */
  wireValue(parameter: ResolvedParameter, type: WatlowDataType, value: unknown): number | string {
    try {
      return coerceWriteValue(
        parameter,
        type,
        value,
        unitsLabel(parameter.spec?.units, this.config.temperatureUnits),
      );
    } catch (err) {
      throw this.contextualise(err);
    }
  }

  checkStored(
    parameter: ResolvedParameter,
    instance: number,
    type: WatlowDataType,
    wanted: number | string,
    stored: number | string,
    how: string,
  ): void {
    if (sameStoredValue(type, wanted, stored)) return;
    const show = (v: number | string): string => JSON.stringify(presentValue(parameter.spec, type, v));
    throw new VerifyError(
      `${this.description}: wrote ${show(wanted)} to ${this.describeParameter(parameter, instance)} but it ${how} ${show(stored)}. The controller may clamp the value (min/max set point, limits) or the parameter may be locked.`,
      { resource: this.portLabel },
    );
  }
}

/** One item of a read, validated, with its place in the caller's list. */
export interface ReadItem {
  index: number;
  parameter: ResolvedParameter;
  instance: number;
}

/** One write, validated but for the value (which the client checks against the parameter's type). */
export interface WriteItem {
  parameter: ResolvedParameter;
  instance: number;
  value: unknown;
  /** Read the value back and fail with E_VERIFY when the controller stored another. */
  verify: boolean;
}

/** What the controller asks of the client for its protocol. */
export interface WatlowProtocolClient {
  /** Catalogue parameters that make up the identity; the first must succeed. */
  readonly identityParameters: readonly string[];
  /** Reads the items; each outcome goes to `results[item.index]`. Never throws. */
  readItems(items: readonly ReadItem[], results: (ReadOutcome | undefined)[]): Promise<void>;
  /**
   * Writes a validated parameter and returns what the controller reports afterwards. The write,
   * its read-back and any request the write depends on are ONE transaction of the port: another
   * write of the same parameter (a second node, the next message) or a poll cannot land between
   * them and make the read-back disagree. A value whose type is known is checked before the port
   * is asked for.
   */
  write(item: WriteItem): Promise<WatlowReading>;
}
