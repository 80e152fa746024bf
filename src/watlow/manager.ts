/**
 * Many controllers on many ports (after watlowlib's WatlowManager). Each controller added takes a
 * lease on its port from the resource registry, claiming the port for its protocol and serial
 * settings; two spellings of one port meet in one registry entry, and a second protocol on a port
 * is refused by the registry (E_PROTOCOL_CONFLICT). A poll runs the controllers of different ports
 * concurrently and those of one port one after another (and the port's FIFO lock keeps any other
 * user of the port out between transactions).
 */
import type { LabbenchError } from '../core/errors';
import { InvalidInputError, NotFoundError, PollFailedError, toLabbenchError } from '../core/errors';
import { serialKey } from '../core/identity';
import type { ResourceRegistry } from '../core/registry';
import { defaultRegistry } from '../core';
import { requireEnum } from '../core/validate';
import type { ByteStream, SerialSettings } from '../transport/types';
import { DEFAULT_SERIAL_SETTINGS } from '../transport/types';
import { openSerialStream } from '../transport/serial';
import type { ReadRequest, WatlowControllerConfig, WatlowReading } from './controller';
import { WatlowController, validateControllerConfig } from './controller';
import type { LineOptions } from './line';
import type { WatlowProtocol } from './types';

export type ErrorPolicy = 'raise' | 'return';

export interface AddControllerOptions extends Omit<WatlowControllerConfig, 'name'> {
  /** Serial path: /dev/ttyUSB0, COM3, sim:bench?addresses=1,2 … */
  port: string;
  /** Serial settings (default 38400 8N1; Std Bus is fixed at 38400 8N1). */
  serial?: Partial<SerialSettings>;
  /** Reply timeout, retries, inter-frame gap. */
  line?: LineOptions;
  /** Who holds the lease, for conflict messages (default 'Watlow controller "<name>"'). */
  holder?: string;
}

export interface WatlowManagerOptions {
  registry?: ResourceRegistry;
  /** Default error policy of `poll` (default 'raise'). */
  errorPolicy?: ErrorPolicy;
}

/** One value of a poll (SPEC §2.1 perPoll sample). */
export interface PollSample {
  controller: string;
  parameter: string;
  parameterId?: number;
  instance: number;
  value: number | string | null;
  raw: number | string | null;
  units: string;
  timestamp: number;
  protocol: WatlowProtocol;
  error?: { code: string; message: string; deviceCode?: number | string };
}

export interface PollItem {
  parameter: string | number;
  instance?: number;
}

export interface PollOptions {
  errorPolicy?: ErrorPolicy;
}

/** Poll failure under the 'raise' policy: every failure in `failures`, the good samples in `samples`. */
export class WatlowPollError extends PollFailedError {
  readonly samples: readonly PollSample[];
  constructor(message: string, failures: readonly LabbenchError[], samples: readonly PollSample[]) {
    super(message, failures);
    this.samples = samples;
    // Reported under the SPEC's name; the subclass only adds the successful samples.
    this.name = 'PollFailedError';
  }
}

interface Entry {
  controller: WatlowController;
  /** Canonical port key: controllers with the same key share one line. */
  portKey: string;
  order: number;
}

function normaliseItems(parameters: readonly (PollItem | string | number)[]): PollItem[] {
  if (!Array.isArray(parameters))
    throw new InvalidInputError(
      'Parameters must be an array of names, IDs or { parameter, instance } objects.',
    );
  return parameters.map((p, i) => {
    if (typeof p === 'string' || typeof p === 'number') return { parameter: p, instance: 1 };
    if (typeof p === 'object' && p !== null && 'parameter' in p)
      return { parameter: p.parameter, instance: p.instance ?? 1 };
    throw new InvalidInputError(
      `Parameter ${i + 1} must be a name, an ID or { parameter, instance }, got ${JSON.stringify(p)}.`,
    );
  });
}

function sampleOf(reading: WatlowReading): PollSample {
  return {
    controller: reading.controller,
    parameter: reading.parameter,
    parameterId: reading.parameterId,
    instance: reading.instance,
    value: reading.value,
    raw: reading.raw,
    units: reading.units,
    timestamp: reading.timestamp,
    protocol: reading.protocol,
  };
}

export class WatlowManager {
  private readonly registry: ResourceRegistry;
  private readonly entries = new Map<string, Entry>();
  private readonly errorPolicy: ErrorPolicy;
  private addOrder = 0;

  constructor(options: WatlowManagerOptions = {}) {
    this.registry = options.registry ?? defaultRegistry;
    this.errorPolicy = requireEnum(options.errorPolicy ?? 'raise', 'Error policy', [
      'raise',
      'return',
    ] as const);
  }

  /** Adds a controller; throws on a duplicate name, bad settings, or a port claimed for another protocol. */
  add(name: string, options: AddControllerOptions): WatlowController {
    if (this.entries.has(name)) {
      throw new InvalidInputError(
        `A Watlow controller named "${name}" is already added; give each controller its own name.`,
      );
    }
    const config = validateControllerConfig({ ...options, name });
    const serial: SerialSettings = { ...DEFAULT_SERIAL_SETTINGS, ...options.serial };
    const key = serialKey(options.port);
    const portPath = options.port;
    const lease = this.registry.acquire<ByteStream>({
      key,
      label: portPath.replace(/\?.*$/, ''),
      holder: options.holder ?? `Watlow controller "${config.name}"`,
      claim: {
        protocol: config.protocol,
        settings: {
          baudRate: serial.baudRate,
          dataBits: serial.dataBits,
          parity: serial.parity,
          stopBits: serial.stopBits,
        },
      },
      open: () => openSerialStream(portPath, serial),
    });
    const controller = new WatlowController(lease, config, options.line);
    this.entries.set(name, { controller, portKey: key, order: ++this.addOrder });
    return controller;
  }

  /** Removes a controller and releases its lease; the last remove on a port closes the port. */
  async remove(name: string): Promise<void> {
    const entry = this.entries.get(name);
    if (!entry) return;
    this.entries.delete(name);
    entry.controller.close();
  }

  get(name: string): WatlowController {
    const entry = this.entries.get(name);
    if (!entry) {
      throw new NotFoundError(
        `No Watlow controller named "${name}"; known: ${[...this.entries.keys()].map((n) => `"${n}"`).join(', ') || 'none'}.`,
      );
    }
    return entry.controller;
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  /**
   * Reads `parameters` from the named controllers (default all). Different ports run concurrently;
   * controllers on one port run one after another. Samples come in controller-then-parameter order.
   * 'raise': every read is attempted, then one WatlowPollError (E_POLL_FAILED, `failures`, `samples`)
   * is thrown if any failed. 'return': failures are samples with `error`.
   */
  async poll(
    parameters: readonly (PollItem | string | number)[],
    names?: readonly string[],
    options: PollOptions = {},
  ): Promise<PollSample[]> {
    const policy = requireEnum(options.errorPolicy ?? this.errorPolicy, 'Error policy', [
      'raise',
      'return',
    ] as const);
    const items = normaliseItems(parameters);
    const targets = (names ?? this.names()).map((n) => {
      const entry = this.entries.get(n);
      if (!entry) this.get(n); // throws the NotFoundError with the list of names
      return entry!;
    });
    const byPort = new Map<string, Entry[]>();
    for (const entry of targets) {
      const list = byPort.get(entry.portKey) ?? [];
      list.push(entry);
      byPort.set(entry.portKey, list);
    }
    const perController = new Map<Entry, (WatlowReading | LabbenchError)[]>();
    await Promise.all(
      [...byPort.values()].map(async (entries) => {
        for (const entry of entries) {
          try {
            perController.set(entry, await entry.controller.readMany(items as ReadRequest[]));
          } catch (err) {
            const e = toLabbenchError(err, { resource: entry.controller.portLabel });
            perController.set(
              entry,
              items.map(() => e),
            );
          }
        }
      }),
    );
    const samples: PollSample[] = [];
    const failures: LabbenchError[] = [];
    for (const entry of targets) {
      const results = perController.get(entry)!;
      results.forEach((result, i) => {
        if (!(result instanceof Error)) {
          samples.push(sampleOf(result));
          return;
        }
        failures.push(result);
        const item = items[i]!;
        const sample: PollSample = {
          controller: entry.controller.name,
          parameter: String(item.parameter),
          instance: item.instance ?? 1,
          value: null,
          raw: null,
          units: '',
          timestamp: Date.now(),
          protocol: entry.controller.protocol,
          error: { code: result.code, message: result.message },
        };
        if (result.deviceCode !== undefined) sample.error!.deviceCode = result.deviceCode;
        samples.push(sample);
      });
    }
    if (policy === 'return' || failures.length === 0) return samples;
    const good = samples.filter((s) => s.error === undefined);
    const lines = samples
      .filter((s) => s.error)
      .map(
        (s) => `${s.controller}/${s.parameter}${s.instance !== 1 ? `/${s.instance}` : ''}: ${s.error!.code}`,
      );
    throw new WatlowPollError(
      `Watlow poll: ${failures.length} of ${samples.length} reads failed (${lines.join('; ')}). The other ${good.length} values were read; see err.failures for each error.`,
      failures,
      good,
    );
  }

  /** Releases every controller, last added first (LIFO). Never throws. */
  async close(): Promise<void> {
    const entries = [...this.entries.entries()].sort((a, b) => b[1].order - a[1].order);
    for (const [name, entry] of entries) {
      this.entries.delete(name);
      try {
        entry.controller.close();
      } catch {
        // Releasing a lease does not throw; nothing to report if it ever did.
      }
    }
  }
}
