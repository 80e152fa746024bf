/**
 * Simulated instruments reachable as `SIM::<model>::<serial>::INSTR`. A model registers a factory;
 * one model instance exists per (model, serial) for the life of its SimInstruments, so closing and
 * reopening a session (cache-clear "all", stale replacement) finds the instrument in the state it
 * was left in, as with hardware.
 *
 * The in-process link (`SimInstruments.open`) speaks exactly what the stream transports speak:
 * LF-terminated messages in, LF-terminated replies out, reply timeouts as TimeoutError.
 */
import {
  ClosedError,
  DisconnectedError,
  InvalidInputError,
  NotFoundError,
  ProtocolError,
  isDeviceGone,
  toLabbenchError,
} from '../../core/errors';
import { LineFramer, stripTerminator } from '../../transport/line-framer';
import { ReplyQueue } from '../../transport/reply-queue';
import type { MessageBackend } from '../../transport/openers';
import { modelReplyBytes } from '../../visa/types';
import type {
  MessageTransport,
  ScpiDeviceModel,
  ScpiModelReply,
  SimInstrumentFactory,
} from '../../visa/types';

interface Registration {
  factory: SimInstrumentFactory;
  defaultSerial: string;
}

function modelKey(model: string): string {
  return model.trim().toUpperCase();
}

/** Normalised the way parseVisaResource normalises SIM:: fields (upper case). */
function instanceKey(model: string, serial: string): string {
  return `${modelKey(model)}::${serial.trim().toUpperCase()}`;
}

/**
 * One set of simulated instruments: the models registered and the instances created so far. It
 * belongs to whoever built it (an opener table, a test), never to the process.
 */
export class SimInstruments {
  private readonly registrations = new Map<string, Registration>();
  private readonly instances = new Map<string, ScpiDeviceModel>();

  /**
   * Makes `SIM::<model>::<serial>::INSTR` available. `model` is matched case-insensitively;
   * `defaultSerial` is what discovery lists before any instance exists. Re-registering replaces the
   * factory (existing instances are kept).
   */
  register(model: string, factory: SimInstrumentFactory, options: { defaultSerial?: string } = {}): void {
    this.registrations.set(modelKey(model), {
      factory,
      defaultSerial: (options.defaultSerial ?? 'SIM0001').toUpperCase(),
    });
  }

  unregister(model: string): void {
    const key = modelKey(model);
    this.registrations.delete(key);
    for (const k of [...this.instances.keys()]) if (k.startsWith(`${key}::`)) this.instances.delete(k);
  }

  /** The model instance of one simulated instrument, created on first use. */
  get(model: string, serial: string): ScpiDeviceModel {
    const key = instanceKey(model, serial);
    const existing = this.instances.get(key);
    if (existing) return existing;
    const reg = this.registrations.get(modelKey(model));
    if (!reg) {
      const known = [...this.registrations.keys()];
      throw new NotFoundError(
        `No simulated instrument model "${model}"${known.length ? `; available: ${known.join(', ')}` : ''}. Use e.g. SIM::2281S::DEMO01::INSTR.`,
        { resource: `SIM::${model}::${serial}::INSTR` },
      );
    }
    const instance = reg.factory(serial.trim().toUpperCase());
    this.instances.set(key, instance);
    return instance;
  }
  /** `get`, checked to be an instance of `kind` (`what` names it in the error). */
  getAs<T extends ScpiDeviceModel>(
    model: string,
    serial: string,
    kind: abstract new (...args: never[]) => T,
    what: string,
  ): T {
    const instance = this.get(model, serial);
    if (!(instance instanceof kind)) {
      throw new InvalidInputError(`SIM::${model}::${serial}::INSTR is not ${what}`);
    }
    return instance;
  }

  /** Registered models with their instances (or default serial): what discovery lists. */
  list(): { model: string; serial: string; resource: string }[] {
    const out: { model: string; serial: string; resource: string }[] = [];
    for (const [model, reg] of this.registrations) {
      const serials = [...this.instances.keys()]
        .filter((k) => k.startsWith(`${model}::`))
        .map((k) => k.slice(model.length + 2));
      for (const serial of serials.length > 0 ? serials : [reg.defaultSerial]) {
        out.push({ model, serial, resource: `SIM::${model}::${serial}::INSTR` });
      }
    }
    return out;
  }

  /** Forgets every instance; registrations stay. */
  reset(): void {
    this.instances.clear();
  }

  /** Opens the in-process link to `SIM::<model>::<serial>::INSTR`. */
  async open(resource: { model: string; serial: string }): Promise<MessageTransport> {
    const label = `SIM::${modelKey(resource.model)}::${resource.serial.toUpperCase()}::INSTR`;
    const model = this.get(resource.model, resource.serial);
    if (!isPresent(model)) {
      throw new NotFoundError(`${label} is unplugged (simulated); plug it back in and retry.`, {
        resource: label,
      });
    }
    try {
      model.openSession?.();
    } catch (err) {
      // EBUSY becomes a busy error (retried by the registry), ENODEV a device-gone one.
      throw toLabbenchError(err, { resource: label, action: 'Opening' });
    }
    return new SimLoopbackTransport(label, model);
  }

  /** The `SIM::` entry of an opener table. */
  backend(): MessageBackend<'sim'> {
    return {
      open: (resource) => this.open(resource),
      list: async () =>
        this.list().map((s) => ({
          resource: s.resource,
          kind: 'sim' as const,
          model: s.model,
          serial: s.serial,
          manufacturer: 'simulated',
        })),
    };
  }
}

/** A model that can be "unplugged" says so here; the link then behaves like a dead cable. */
function isPresent(model: ScpiDeviceModel): boolean {
  return model.isConnected ? model.isConnected() !== false : true;
}

/**
 * The in-process link onto a model: a loopback MessageTransport. Messages are executed in order;
 * a slow model (promise) does not block `write`, so reply timeouts behave as on a wire.
 */
export class SimLoopbackTransport implements MessageTransport {
  readonly clearsDevice = true;
  private readonly input = new LineFramer();
  private readonly replies: ReplyQueue;
  /** Executions started before a device clear must not deliver their replies afterwards. */
  private generation = 0;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    readonly label: string,
    private readonly model: ScpiDeviceModel,
  ) {
    this.replies = new ReplyQueue(label);
  }

  async write(data: Buffer, signal?: AbortSignal): Promise<void> {
    this.assertUsable();
    if (signal?.aborted) throw signal.reason;
    if (!isPresent(this.model))
      this.die(new DisconnectedError(`${this.label} was unplugged (simulated).`, { resource: this.label }));
    this.assertUsable();
    this.input.push(data);
    for (let msg = this.input.shift(); msg; msg = this.input.shift()) {
      const text = stripTerminator(msg.toString('latin1'));
      const generation = this.generation;
      this.chain = this.chain.then(() => this.run(text, generation));
    }
  }

  read(timeoutMs: number, signal?: AbortSignal): Promise<Buffer> {
    if (this.closed) return Promise.reject(this.closedError());
    return this.replies.next(timeoutMs, signal);
  }

  async clear(): Promise<void> {
    this.assertUsable();
    this.generation++;
    this.input.reset();
    this.replies.clear();
    this.model.deviceClear();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.generation++;
    this.replies.fail(this.closedError());
    try {
      this.model.closeSession?.();
    } catch {
      // bookkeeping of a simulator; closing must not fail
    }
  }

  private async run(text: string, generation: number): Promise<void> {
    if (this.closed || this.replies.failed) return;
    let reply: ScpiModelReply;
    try {
      reply = await this.model.execute(text);
    } catch (err) {
      // A throwing model is an unplugged instrument (or a simulator bug, reported as such).
      this.die(
        isDeviceGone(err)
          ? new DisconnectedError(`${this.label} went away (simulated): ${(err as Error).message}`, {
              resource: this.label,
              cause: err,
            })
          : new ProtocolError(`Simulated ${this.label} failed on ${JSON.stringify(text)}: ${String(err)}`, {
              resource: this.label,
              cause: err,
            }),
      );
      return;
    }
    if (reply !== null && generation === this.generation && !this.closed) {
      this.replies.push(modelReplyBytes(reply));
    }
  }

  private die(err: Error): void {
    this.replies.fail(err);
  }

  private assertUsable(): void {
    if (this.closed) throw this.closedError();
    const failed = this.replies.failed;
    if (failed) throw failed;
  }

  private closedError(): ClosedError {
    return new ClosedError(`The link to ${this.label} is closed.`, { resource: this.label });
  }
}
