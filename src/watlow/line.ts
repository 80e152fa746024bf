/**
 * Line timing of a Watlow port: the silence each protocol asks for between frames. The exchange
 * itself (FIFO, retries, stale-input flushing) is the transport's FramedLine, shared with any
 * other master on the port.
 */
import { rtuInterFrameGapMs } from '../modbus/rtu-link';
import type { LineOptions, ResolvedLineOptions } from '../transport/framed-line';
import { resolveLineOptions as resolveFramedLineOptions } from '../transport/framed-line';
import type { WatlowProtocol } from './types';

export type { LineOptions, ResolvedLineOptions } from '../transport/framed-line';

/**
 * The silence the protocol itself asks for between frames. Modbus RTU: 3.5 character times
 * (11 bits each), fixed at 1.75 ms above 19200 baud. Std Bus: Watlow publishes no figure; at
 * least 2 ms (BACnet MS/TP's 40-bit turnaround is 1.04 ms at 38400, and USB–RS-485 bridges
 * deliver bytes in bursts).
 */
export function defaultInterFrameGapMs(protocol: WatlowProtocol, baudRate: number): number {
  if (protocol === 'modbus') return rtuInterFrameGapMs(baudRate);
  return Math.max(2, (40 * 1000) / baudRate);
}

/** The line options of a Watlow port: the user's, defaults from protocol and baud rate. */
export function lineOptionsFor(
  protocol: WatlowProtocol,
  baudRate: number,
  options: LineOptions = {},
): ResolvedLineOptions {
  return resolveFramedLineOptions(options, defaultInterFrameGapMs(protocol, baudRate));
}

/** Kept for library users: line options with the Watlow defaults (Std Bus at 38400 unless told). */
export function resolveLineOptions(
  options: LineOptions = {},
  wire: { protocol: WatlowProtocol; baudRate: number } = { protocol: 'stdbus', baudRate: 38400 },
): ResolvedLineOptions {
  return lineOptionsFor(wire.protocol, wire.baudRate, options);
}
