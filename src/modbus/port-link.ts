/**
 * The Modbus link of a port, chosen by its path: MBAP framing on a `modbus-tcp://` gateway, RTU
 * framing everywhere else (a local serial port, a `sim:` bus, a `tcp://` serial device server,
 * which carries the serial bytes unchanged). Every exchange is a transaction on the port's lease,
 * so all masters of the port share one FIFO; RTU keeps the inter-frame silence per stream, so a
 * Watlow controller and a generic device on one line keep it between each other's frames too.
 */
import { isNetworkBusPath, parseNetworkBusPath } from '../core/identity';
import type { StreamPort } from '../transport/framed-line';
import type { ModbusLink, ModbusTransactOptions } from './link';
import { DEFAULT_MBAP_TIMEOUT_MS, mbapLinkFor } from './mbap-link';
import { RtuLink, type RtuLinkOptions } from './rtu-link';

export type ModbusFraming = 'rtu' | 'mbap';

/** `mbap` for a `modbus-tcp://` path, `rtu` for anything else. */
export function modbusFramingOf(path: string): ModbusFraming {
  if (!isNetworkBusPath(path)) return 'rtu';
  return parseNetworkBusPath(path)?.scheme === 'modbus-tcp' ? 'mbap' : 'rtu';
}

/**
 * MBAP over a port's lease: each exchange takes the port's FIFO, then speaks through the one
 * MbapLink of the stream the lease holds (so transaction ids continue across users, and a late
 * reply to a timed-out request is recognised). Many gateways forward one request at a time to
 * their RS-485 side; the FIFO keeps exactly one in flight.
 */
export class MbapPortLink implements ModbusLink {
  constructor(
    private readonly port: StreamPort,
    private readonly timeoutMs = DEFAULT_MBAP_TIMEOUT_MS,
  ) {}

  get label(): string {
    return this.port.label;
  }

  transact(
    unit: number,
    pdu: Uint8Array,
    options: ModbusTransactOptions = {},
  ): Promise<Uint8Array | undefined> {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    return this.port.transact(
      (stream, registrySignal) => {
        const signal = options.signal ? AbortSignal.any([registrySignal, options.signal]) : registrySignal;
        return mbapLinkFor(stream, { label: this.port.label, timeoutMs }).transact(unit, pdu, {
          ...options,
          timeoutMs,
          signal,
        });
      },
      {
        timeoutMs: timeoutMs + 1000,
        label: `${options.what ?? 'Modbus request'} (${options.where ?? this.label})`,
      },
    );
  }
}

/** The link for a port path (see the module comment). `options` time the RTU line or the MBAP reply. */
export function modbusLinkForPath(port: StreamPort, path: string, options: RtuLinkOptions = {}): ModbusLink {
  if (modbusFramingOf(path) === 'mbap') return new MbapPortLink(port, options.replyTimeoutMs);
  return new RtuLink(port, options);
}

/** One transaction of a port for several requests: the transport's, shared with Std Bus. */
export { inOneTransaction } from '../transport/framed-line';
