/**
 * A simulated RS-485 segment of EZ-ZONE PM controllers. It listens on a "wire" (the device end of
 * an in-process sim link, or a real serial port for the out-of-process CLI), frames requests of
 * either protocol, lets the addressed controller answer after a turnaround, and applies injected
 * faults on the way out. Every transaction is logged with its start and end, so tests can show
 * from the order of events that transactions on one bus never overlap and those on different buses
 * do.
 */
import { InvalidInputError, NotFoundError, OutOfRangeError } from '../../core/errors';
import { performance } from 'perf_hooks';
import type { Clock } from '../../core/clock';
import { systemClock } from '../../core/clock';
import { EXCEPTION, decodeRequestPdu, exceptionPdu } from '../../modbus/pdu';
import { encodeRtuFrame, encodeRtuResponse, pduOfRtuFrame } from '../../modbus/rtu';
import { FRAME_TYPE_REQUEST, addressOfMac, encodeResponseFrame } from '../../watlow/stdbus/frame';
import type { WatlowProtocol } from '../../watlow/types';
import type { SimControllerOptions } from './controller';
import { SimulatedController } from './controller';
import type { DeviceFrame } from './framer';
import { DeviceFramer } from './framer';
import { ModbusRegisterMap } from './modbus-responder';
import { answerStdBus } from './stdbus-responder';
import { SimulatedPowerMeter } from '../modbus/power-meter';

/** What the bus needs from the line it listens on. */
export interface SimWire {
  /**
   * `at`: when the chunk's last byte arrived, performance.now() ms. A paced sim link gives its due
   * time (the delivery may trail it); without it, the bus takes the time it is told.
   */
  onData(listener: (chunk: Buffer, at?: number) => void): () => void;
  /**
   * `startAt`: when the reply should start on the wire, performance.now() ms. A paced sim link
   * times the bytes from then; a wire that cannot schedule ignores it (the bus's timer gates it).
   */
  write(bytes: Uint8Array, startAt?: number): void;
  unplug?(): void;
  replug?(): void;
}

export type SimFaultKind = 'corruptCrc' | 'dropReply' | 'echoRequest' | 'garbage' | 'delay';

export interface SimFault {
  kind: SimFaultKind;
  /** How many replies it affects (default 1). */
  count?: number;
  /** Only replies from this controller address (default any). */
  address?: number;
  /** For `delay`: extra ms before the reply. */
  ms?: number;
}

export type SimBusEventKind = 'transactionStart' | 'transactionEnd' | 'fault' | 'ignored' | 'noise';

export interface SimBusEvent {
  /** Global order across every simulated bus in the process. */
  readonly seq: number;
  /** performance.now() ms. */
  readonly at: number;
  readonly bus: string;
  readonly kind: SimBusEventKind;
  readonly protocol?: WatlowProtocol;
  readonly address?: number;
  readonly detail?: string;
}

export interface SimBusOptions {
  /** Controller addresses on the bus (default [1]). Addresses above 16 answer Modbus only. */
  addresses?: readonly number[];
  /**
   * Addresses of generic Modbus devices (simulated power meters) on the same bus, answering
   * Modbus RTU only; they must not share an address with a controller.
   */
  modbusDevices?: readonly number[];
  /** Options applied to every controller created on the bus. */
  controller?: Omit<SimControllerOptions, 'address' | 'clock'>;
  /** Device turnaround before a reply, ms (default 0; a PM needs a few ms). */
  turnaroundMs?: number;
  /** Pace the in-process link at the wire speed (bytes × 10 / baud). Default false. */
  pace?: boolean;
  baudRate?: number;
  /** Modbus reads crossing unassigned registers draw exception 02 (default false: they read 0). */
  strictRegisterHoles?: boolean;
  /** Answer Modbus at all (default true) and Std Bus at all (default true). */
  modbus?: boolean;
  stdbus?: boolean;
  /** Time source of the thermal plants (a FakeClock makes them deterministic). */
  clock?: Clock;
  /** Cap on the event log (oldest dropped). Default 10 000. */
  maxEvents?: number;
}

let eventSequence = 0;
const SILENCE_RESET_MS = 50;

/** Deterministic line noise with a stray preamble byte in it. */
const GARBAGE = Buffer.from([0x00, 0x55, 0x13, 0xff, 0x55, 0x01]);

export class SimulatedWatlowBus {
  readonly controllers = new Map<number, SimulatedController>();
  readonly modbusDevices = new Map<number, SimulatedPowerMeter>();
  readonly events: SimBusEvent[] = [];
  /** A persistent adapter echo: every request is heard back before its reply. */
  echo = false;
  turnaroundMs: number;
  strictRegisterHoles: boolean;
  readonly pace: boolean;
  readonly baudRate: number;
  private readonly registerMaps = new Map<number, ModbusRegisterMap>();
  private readonly faults: SimFault[] = [];
  private readonly wires = new Set<SimWire>();
  private readonly clock: Clock;
  private isUnplugged = false;
  private transactions = 0;
  private inFlight = 0;
  private maxInFlight = 0;

  constructor(
    readonly name: string,
    private readonly options: SimBusOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.turnaroundMs = options.turnaroundMs ?? 0;
    this.strictRegisterHoles = options.strictRegisterHoles ?? false;
    this.pace = options.pace ?? false;
    this.baudRate = options.baudRate ?? 38400;
    this.ensureControllers(options.addresses ?? [1]);
    this.ensureModbusDevices(options.modbusDevices ?? []);
  }

  /** Adds power meters at these addresses if they are not there yet. */
  ensureModbusDevices(addresses: readonly number[]): void {
    for (const address of addresses) {
      if (this.modbusDevices.has(address)) continue;
      if (!Number.isInteger(address) || address < 1 || address > 247)
        throw new OutOfRangeError(`Simulated Modbus device address must be 1..247, got ${address}`);
      if (this.controllers.has(address))
        throw new InvalidInputError(`Address ${address} on bus ${this.name} is a Watlow controller already`);
      this.modbusDevices.set(address, new SimulatedPowerMeter({ clock: this.clock }));
    }
  }

  modbusDevice(address: number): SimulatedPowerMeter {
    const device = this.modbusDevices.get(address);
    if (!device)
      throw new NotFoundError(`No simulated Modbus device at address ${address} on bus ${this.name}`);
    return device;
  }

  /** Adds controllers at these addresses if they are not there yet. */
  ensureControllers(addresses: readonly number[]): void {
    for (const address of addresses) {
      if (this.controllers.has(address)) continue;
      if (!Number.isInteger(address) || address < 1 || address > 247)
        throw new OutOfRangeError(`Simulated controller address must be 1..247, got ${address}`);
      if (this.modbusDevices.has(address))
        throw new InvalidInputError(`Address ${address} on bus ${this.name} is a Modbus device already`);
      this.addController({ ...this.options.controller, address });
    }
  }

  addController(options: SimControllerOptions): SimulatedController {
    const controller = new SimulatedController({ clock: this.clock, ...this.options.controller, ...options });
    this.controllers.set(options.address, controller);
    this.registerMaps.set(options.address, new ModbusRegisterMap(controller));
    return controller;
  }

  controller(address = 1): SimulatedController {
    const controller = this.controllers.get(address);
    if (!controller)
      throw new NotFoundError(`No simulated controller at address ${address} on bus ${this.name}`);
    return controller;
  }

  /** Transactions answered or dropped since creation (or the last `resetLog`). */
  get transactionCount(): number {
    return this.transactions;
  }

  /** Most transactions ever open at once on this bus (1 unless a client broke the single-in-flight rule). */
  get maxConcurrentTransactions(): number {
    return this.maxInFlight;
  }

  get unplugged(): boolean {
    return this.isUnplugged;
  }

  resetLog(): void {
    this.events.length = 0;
    this.transactions = 0;
    this.maxInFlight = this.inFlight;
  }

  injectFault(fault: SimFault): void {
    this.faults.push({ ...fault, count: fault.count ?? 1 });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Like pulling the USB adapter: host writes fail (EIO) and reopening fails until `replug`. */
  unplug(): void {
    this.isUnplugged = true;
    for (const wire of this.wires) wire.unplug?.();
  }

  replug(): void {
    this.isUnplugged = false;
    for (const wire of this.wires) wire.replug?.();
  }

  /** Starts listening on a wire; returns the function that stops. */
  attach(wire: SimWire): () => void {
    const framer = new DeviceFramer();
    let silence: NodeJS.Timeout | undefined;
    this.wires.add(wire);
    const unsubscribe = wire.onData((chunk, at) => {
      // When the frame's last byte arrived: the reply is timed from here, not from this callback.
      const arrivedAt = at ?? performance.now();
      try {
        if (silence) clearTimeout(silence);
        const frames = framer.push(chunk);
        if (framer.pending > 0) {
          silence = setTimeout(() => {
            if (framer.pending > 0)
              this.log('noise', { detail: `${framer.pending} bytes of an incomplete frame discarded` });
            framer.reset();
          }, SILENCE_RESET_MS);
          silence.unref();
        }
        for (const frame of frames) this.handle(frame, wire, arrivedAt);
      } catch (err) {
        // A simulator bug must never crash the host process through a data listener.
        this.log('noise', { detail: `simulator error: ${String(err)}` });
      }
    });
    return () => {
      if (silence) clearTimeout(silence);
      unsubscribe();
      this.wires.delete(wire);
    };
  }

  private log(
    kind: SimBusEventKind,
    fields: { protocol?: WatlowProtocol; address?: number; detail?: string } = {},
  ): void {
    this.events.push({ seq: ++eventSequence, at: performance.now(), bus: this.name, kind, ...fields });
    const max = this.options.maxEvents ?? 10_000;
    // Trim in chunks: splicing one entry off a full log on every event costs a copy of the log.
    if (this.events.length > max + Math.max(16, max >> 3)) this.events.splice(0, this.events.length - max);
  }

  private handle(frame: DeviceFrame, wire: SimWire, arrivedAt: number): void {
    if (frame.protocol === 'stdbus') {
      const address = addressOfMac(frame.frame.destination);
      const controller = address === undefined ? undefined : this.controllers.get(address);
      if (frame.frame.frameType !== FRAME_TYPE_REQUEST || !controller || this.options.stdbus === false) {
        this.log('ignored', { protocol: 'stdbus', address, detail: `frame type ${frame.frame.frameType}` });
        return;
      }
      this.transact('stdbus', controller.address, frame.bytes, wire, arrivedAt, () => {
        const payload = answerStdBus(controller, frame.frame.payload);
        return payload && encodeResponseFrame(controller.address, payload, frame.frame.source);
      });
      return;
    }
    const slave = frame.bytes[0]!;
    if (slave === 0 && this.options.modbus !== false) {
      // Broadcast: every generic device acts on it, none answers.
      for (const meter of this.modbusDevices.values()) meter.answer(pduOfRtuFrame(frame.bytes));
      this.log('ignored', { protocol: 'modbus', address: 0, detail: 'broadcast' });
      return;
    }
    const device = this.modbusDevices.get(slave);
    if (device && this.options.modbus !== false) {
      this.transact('modbus', slave, frame.bytes, wire, arrivedAt, () =>
        encodeRtuFrame(slave, device.answer(pduOfRtuFrame(frame.bytes))),
      );
      return;
    }
    const map = this.registerMaps.get(slave);
    if (!map || this.options.modbus === false) {
      this.log('ignored', { protocol: 'modbus', address: slave });
      return;
    }
    this.transact('modbus', slave, frame.bytes, wire, arrivedAt, () => {
      const pdu = pduOfRtuFrame(frame.bytes);
      let request;
      try {
        request = decodeRequestPdu(pdu);
      } catch {
        return encodeRtuFrame(slave, exceptionPdu(pdu[0]!, EXCEPTION.illegalFunction));
      }
      return encodeRtuResponse(slave, request, map.answer(request, this.strictRegisterHoles));
    });
  }

  private takeFault(address: number): SimFault[] {
    const taken: SimFault[] = [];
    for (const fault of this.faults) {
      if (fault.address !== undefined && fault.address !== address) continue;
      if ((fault.count ?? 0) <= 0) continue;
      fault.count = (fault.count ?? 1) - 1;
      taken.push(fault);
    }
    for (let i = this.faults.length - 1; i >= 0; i--)
      if ((this.faults[i]!.count ?? 0) <= 0) this.faults.splice(i, 1);
    return taken;
  }

  private transact(
    protocol: WatlowProtocol,
    address: number,
    request: Buffer,
    wire: SimWire,
    arrivedAt: number,
    answer: () => Buffer | undefined,
  ): void {
    this.transactions++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.log('transactionStart', { protocol, address });
    const faults = this.takeFault(address);
    const has = (kind: SimFaultKind): boolean => faults.some((f) => f.kind === kind);
    if (this.echo || has('echoRequest')) wire.write(request, arrivedAt);
    const delay =
      this.turnaroundMs + faults.filter((f) => f.kind === 'delay').reduce((sum, f) => sum + (f.ms ?? 0), 0);
    // An absolute deadline: the turnaround counts from the request's last byte, and the reply's
    // wire time from the end of the turnaround, so neither a late delivery of the request nor a
    // late (or early) turnaround timer shifts the reply on a paced link.
    const replyAt = arrivedAt + delay;
    const finish = (): void => {
      try {
        // The answer is computed after the turnaround, as a device samples its state when it replies.
        const reply = answer();
        if (!reply) {
          this.log('ignored', { protocol, address, detail: 'malformed request' });
        } else if (has('dropReply')) {
          this.log('fault', { protocol, address, detail: 'reply dropped' });
        } else {
          let out = reply;
          if (has('corruptCrc')) {
            out = Buffer.from(reply);
            out[out.length - 1] ^= 0xa5;
            this.log('fault', { protocol, address, detail: 'reply CRC corrupted' });
          }
          if (has('garbage')) {
            out = Buffer.concat([GARBAGE, out]);
            this.log('fault', { protocol, address, detail: 'noise before reply' });
          }
          wire.write(out, replyAt);
        }
      } catch (err) {
        // Runs from a timer: a simulator bug is logged, never thrown into the event loop.
        this.log('fault', { protocol, address, detail: `simulator error: ${String(err)}` });
      } finally {
        this.inFlight--;
        this.log('transactionEnd', { protocol, address });
      }
    };
    // A deadline already past (the request was delivered late) is kept at once: the paced link
    // still times the reply from `replyAt`.
    const wait = replyAt - performance.now();
    if (delay > 0 && wait > 0) setTimeout(finish, wait);
    else finish();
  }
}
