/**
 * One EZ-ZONE controller on a shared line: read and write parameters by name or ID and instance,
 * identify the unit, verify writes, and remember parameters the unit does not have (the
 * availability cache), so a poll that names them fails fast instead of asking again.
 *
 * Everything a user supplies is validated here, before any byte is sent; the protocol client
 * (Std Bus or Modbus) does the rest. Device refusals become DeviceError (deviceCode = the Watlow
 * error byte or Modbus exception code).
 */
import { InvalidInputError, UnsupportedError } from '../core/errors';
import type { Lease } from '../core/registry';
import { modbusFramingOf } from '../modbus/port-link';
import { FramedLine } from '../transport/framed-line';
import type { LineOptions } from '../transport/framed-line';
import type { ByteStream } from '../transport/types';
import type {
  ControllerIdentity,
  ReadOutcome,
  ReadRequest,
  ResolvedControllerConfig,
  WatlowControllerConfig,
  WatlowReading,
  WriteOptions,
} from './controller-config';
import { validateControllerConfig } from './controller-config';
import type { ReadItem, WatlowProtocolClient } from './controller-context';
import { ControllerContext } from './controller-context';
import { lineOptionsFor } from './line';
import { WatlowModbusClient } from './modbus-client';
import type { ResolvedParameter } from './parameters';
import { requireWritable, resolveParameter, validateInstance } from './parameters';
import { StdBusClient } from './stdbus-client';
import type { WatlowProtocol } from './types';

export * from './controller-config';

export class WatlowController {
  readonly config: ResolvedControllerConfig;
  /** As configured: the name (in topics and messages), the protocol, the bus address. */
  readonly name: string;
  readonly protocol: WatlowProtocol;
  readonly address: number;
  /** The port for messages, e.g. "/dev/ttyUSB0". */
  readonly portLabel: string;
  /** 'Watlow "oven" (Std Bus address 1 on /dev/ttyUSB0)' */
  readonly description: string;
  private readonly ctx: ControllerContext;
  private readonly client: WatlowProtocolClient;
  private released = false;

  constructor(
    readonly lease: Lease<ByteStream>,
    config: WatlowControllerConfig,
    lineOptions: LineOptions = {},
  ) {
    this.config = validateControllerConfig(config);
    ({ name: this.name, protocol: this.protocol, address: this.address } = this.config);
    this.ctx = new ControllerContext(this.config, lease);
    this.portLabel = this.ctx.portLabel;
    this.description = this.ctx.description;
    const baudRate = Number(lease.claim?.settings?.baudRate ?? 38400);
    const options = lineOptionsFor(this.config.protocol, baudRate, lineOptions);
    // The lease key is the port's canonical spelling: a `modbus-tcp://` gateway speaks MBAP.
    const framing = modbusFramingOf(lease.key);
    if (this.config.protocol === 'stdbus' && framing === 'mbap') {
      throw new UnsupportedError(
        `${this.ctx.description}: ${lease.key} is a Modbus TCP gateway, which carries Modbus only. Set the controller's protocol to Modbus, or reach a Std Bus line through a serial device server (tcp://host:port).`,
        { resource: lease.key },
      );
    }
    this.client =
      this.config.protocol === 'stdbus'
        ? new StdBusClient(this.ctx, new FramedLine(lease, options))
        : new WatlowModbusClient(this.ctx, { port: lease, path: lease.key, line: options });
  }

  /** Forgets what was learned (unsupported parameters, identity); the next use asks the device again. */
  forgetKnowledge(): void {
    this.ctx.forgetKnowledge();
  }

  /** Releases this controller's lease; the port closes when its last user lets go. */
  close(options: { immediate?: boolean } = {}): void {
    if (this.released) return;
    this.released = true;
    this.lease.release(options);
  }

  async read(parameter: string | number, instance: number = 1): Promise<WatlowReading> {
    const [result] = await this.readMany([{ parameter, instance }]);
    if (!result!.ok) throw result!.error;
    return result!.reading;
  }

  /**
   * Reads several parameters; each outcome is a reading or the error for that item (never
   * throws). Over Modbus, parameters whose registers lie close together share one request.
   */
  async readMany(requests: readonly ReadRequest[]): Promise<ReadOutcome[]> {
    const results: (ReadOutcome | undefined)[] = new Array<ReadOutcome | undefined>(requests.length).fill(
      undefined,
    );
    const valid: ReadItem[] = [];
    requests.forEach((request, index) => {
      try {
        const parameter = resolveParameter(request.parameter);
        const instance = validateInstance(parameter, request.instance ?? 1);
        this.ctx.knowledge().check(parameter, instance, this.portLabel);
        valid.push({ index, parameter, instance });
      } catch (err) {
        results[index] = { ok: false, error: this.ctx.contextualise(err) };
      }
    });
    await this.client.readItems(valid, results);
    return results as ReadOutcome[];
  }

  /**
   * Writes a parameter and returns what the controller reports afterwards. Validation (name,
   * instance, read-only, type, range, enumeration) happens before any I/O.
   */
  async write(
    parameter: string | number,
    value: unknown,
    options: WriteOptions = {},
  ): Promise<WatlowReading> {
    let resolved: ResolvedParameter;
    let instance: number;
    try {
      resolved = resolveParameter(parameter);
      instance = validateInstance(resolved, options.instance ?? 1);
      requireWritable(resolved);
      if (resolved.spec) this.ctx.knowledge().check(resolved, instance, this.portLabel);
    } catch (err) {
      throw this.ctx.contextualise(err);
    }
    return this.client.write({ parameter: resolved, instance, value, verify: options.verify ?? true });
  }

  /**
   * Reads the unit's identity: part number, hardware ID, firmware ID and serial number on Std Bus;
   * hardware ID, firmware ID and numeric serial over Modbus (text is not reachable there). The
   * first item must succeed; failures of the others give `health: 'partial'`. Cached per device.
   */
  async identify(options: { refresh?: boolean } = {}): Promise<ControllerIdentity> {
    const knowledge = this.ctx.knowledge();
    if (knowledge.identity && !options.refresh) return knowledge.identity;
    const names = this.client.identityParameters;
    const results = await this.readMany(names.map((parameter) => ({ parameter })));
    const first = results[0]!;
    if (!first.ok) throw first.error;
    const byName = new Map<string, WatlowReading>();
    names.forEach((n, i) => {
      const r = results[i]!;
      if (r.ok) byName.set(n, r.reading);
    });
    const num = (n: string): number | undefined => {
      const raw = byName.get(n)?.raw;
      return typeof raw === 'number' ? raw : undefined;
    };
    const identity: ControllerIdentity = {
      protocol: this.protocol,
      address: this.address,
      health: results.every((r) => r.ok) ? 'ok' : 'partial',
    };
    if (num('hardwareId') !== undefined) identity.hardwareId = num('hardwareId');
    if (num('firmwareId') !== undefined) identity.firmwareId = num('firmwareId');
    const part = byName.get('partNumber')?.raw;
    if (typeof part === 'string') identity.partNumber = part;
    const serial = byName.get('serialNumberText')?.raw ?? byName.get('serialNumber')?.raw;
    if (serial !== undefined) identity.serialNumber = String(serial);
    knowledge.identity = identity;
    return identity;
  }
}

/** Guards against misuse from JavaScript callers passing a non-controller. */
export function assertController(value: unknown): asserts value is WatlowController {
  if (!(value instanceof WatlowController)) throw new InvalidInputError('Expected a WatlowController.');
}
