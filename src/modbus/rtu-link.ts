/**
 * A ModbusLink speaking RTU on a byte stream: a serial port (RS-485 adapter) or a serial device
 * server reached as a `tcp://` stream. Each request is one transaction on the port's lease, so
 * every master on the port — a Watlow controller in Modbus mode, the generic modbus node — shares
 * one FIFO and one line timing. Echoes of an adapter are skipped, corrupt and missing responses
 * retried, and the inter-frame silence of 3.5 characters kept.
 */
import type { ExchangeContext, LineOptions, StreamPort } from '../transport/framed-line';
import { FramedLine, resolveLineOptions } from '../transport/framed-line';
import type { ModbusLink, ModbusTransactOptions } from './link';
import { encodeRtuFrame, requireModbusUnit } from './rtu';
import { RtuResponseReader } from './rtu-reader';

/**
 * The silence RTU asks for between frames: 3.5 character times (11 bits each), fixed at 1.75 ms
 * above 19200 baud (Modbus over Serial Line V1.02 §2.5.1.1).
 */
export function rtuInterFrameGapMs(baudRate: number): number {
  return baudRate > 19200 ? 1.75 : (3.5 * 11 * 1000) / baudRate;
}

/** How long the line stays quiet after a broadcast unless told otherwise, ms. */
export const DEFAULT_BROADCAST_TURNAROUND_MS = 100;

export interface RtuLinkOptions extends LineOptions {
  /** Sets the default inter-frame silence (default 38400; 19200 and below lengthen it). */
  baudRate?: number;
  /** How long the line stays quiet after a broadcast (unit 0), ms (default 100). */
  broadcastTurnaroundMs?: number;
}

export class RtuLink implements ModbusLink {
  private readonly line: FramedLine;
  private readonly turnaroundMs: number;

  constructor(port: StreamPort, options: RtuLinkOptions = {}) {
    const { baudRate, broadcastTurnaroundMs, ...lineOptions } = options;
    this.line = new FramedLine(port, resolveLineOptions(lineOptions, rtuInterFrameGapMs(baudRate ?? 38400)));
    this.turnaroundMs = broadcastTurnaroundMs ?? DEFAULT_BROADCAST_TURNAROUND_MS;
  }

  get label(): string {
    return this.line.portLabel;
  }

  /** The line timing in force (reply timeout, retries, inter-frame silence…). */
  get options(): FramedLine['options'] {
    return this.line.options;
  }

  async transact(
    unit: number,
    pdu: Uint8Array,
    options: ModbusTransactOptions = {},
  ): Promise<Uint8Array | undefined> {
    // The link carries any function; whether this one may be broadcast is the client's check.
    requireModbusUnit(unit, true, { resource: this.label });
    const frame = encodeRtuFrame(unit, pdu);
    const context: ExchangeContext = {
      what: options.what ?? `function 0x${pdu[0]!.toString(16).padStart(2, '0')}`,
      where: options.where ?? `Modbus unit ${unit} on ${this.label}`,
      silentHint:
        options.silentHint ??
        `Check power, RS-485 wiring, the device's unit address (${unit}), baud rate and parity.`,
    };
    if (unit === 0) {
      await this.line.send(frame, this.turnaroundMs, context);
      return undefined;
    }
    return this.line.exchange(
      frame,
      (bus) => new RtuResponseReader(unit, pdu, frame, { echo: bus.echo }),
      context,
      {
        signal: options.signal,
        replyTimeoutMs: options.timeoutMs,
      },
    );
  }
}
