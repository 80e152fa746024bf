/**
 * Many controllers on many ports (after watlowlib's WatlowManager). Each controller added takes a
 * lease on its port from the resource registry, claiming the port for its protocol and serial
 * settings; two spellings of one port meet in one registry entry, and a second protocol on a port
 * is refused by the registry (E_PROTOCOL_CONFLICT). A poll runs the controllers of different ports
 * concurrently and those of one port one after another (and the port's FIFO lock keeps any other
 * user of the port out between transactions).
 */
import { InvalidInputError, NotFoundError } from '../core/errors';
import { serialKey } from '../core/identity';
import type { ResourceRegistry } from '../core/registry';
import { defaultRegistry } from '../core';
import { requireEnum } from '../core/validate';
import { acquireSerialBus } from '../transport/acquire';
import { createOpeners } from '../transport/default-openers';
import type { Openers } from '../transport/openers';
import type { SerialSettings } from '../transport/types';
import { DEFAULT_SERIAL_SETTINGS } from '../transport/types';
import type { WatlowControllerConfig } from './controller';
import { parseParameterList } from './parameters';
import { WatlowController, validateControllerConfig } from './controller';
import type { LineOptions } from './line';
import type { PollItem, PollSample } from './poll';
import { pollError, pollTargets } from './poll';

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
  /** How ports are opened (default: the real backends, `createOpeners()`; simulators only if given). */
  openers?: Openers;
  /** Default error policy of `poll` (default 'raise'). */
  errorPolicy?: ErrorPolicy;
}

export interface PollOptions {
  errorPolicy?: ErrorPolicy;
}

interface Entry {
  controller: WatlowController;
  /** Canonical port key: controllers with the same key share one line. */
  portKey: string;
  order: number;
}

function throwIfFailed(samples: PollSample[]): PollSample[] {
  const failure = pollError(samples);
  if (failure) throw failure;
  return samples;
}

export class WatlowManager {
  private readonly registry: ResourceRegistry;
  private readonly openers: Openers;
  private readonly entries = new Map<string, Entry>();
  private readonly errorPolicy: ErrorPolicy;
  private addOrder = 0;

  constructor(options: WatlowManagerOptions = {}) {
    this.registry = options.registry ?? defaultRegistry;
    this.openers = options.openers ?? createOpeners();
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
    const lease = acquireSerialBus(this.registry, this.openers, {
      path: options.port,
      settings: serial,
      protocol: config.protocol,
      holder: options.holder ?? `Watlow controller "${config.name}"`,
    });
    const controller = new WatlowController(lease, config, options.line);
    this.entries.set(name, { controller, portKey: serialKey(options.port), order: ++this.addOrder });
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
    const items = parseParameterList(parameters, 'Parameters');
    const targets = (names ?? this.names()).map((n) => {
      const entry = this.entries.get(n);
      if (!entry) this.get(n); // throws the NotFoundError with the list of names
      return entry!;
    });
    const samples = await pollTargets(
      targets.map((entry) => ({
        controller: entry.controller.name,
        protocol: entry.controller.protocol,
        portKey: entry.portKey,
        readMany: (requests) => entry.controller.readMany(requests),
      })),
      items,
    );
    return policy === 'return' ? samples : throwIfFailed(samples);
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
