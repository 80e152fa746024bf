/**
 * A simulated Modbus TCP → RTU gateway: MBAP requests in over TCP, each turned into an RTU frame
 * (unit id = device address) on the simulated RS-485 bus, the RTU reply turned back into MBAP.
 * Like most gateways it forwards one request at a time (requests from every connection queue),
 * answers exception 0x0A (gateway path unavailable) for units it has no route to and 0x0B (gateway
 * target device failed to respond) when the device stays silent. A corrupt MBAP header makes it
 * drop the connection. Faults inject exceptions and malformed replies for the client's tests.
 */
import type * as net from 'net';
import { EXCEPTION, exceptionPdu } from '../../modbus/pdu';
import { crcMatches, encodeRtuFrame, pduOfRtuFrame } from '../../modbus/rtu';
import { MbapDecoder, encodeMbap } from '../../modbus/mbap';
import type { MbapFrame } from '../../modbus/mbap';
import { createSimLink } from '../../transport/sim-link';
import type { SimulatedWatlowBus } from '../watlow/bus';
import { authority, listenTcp } from '../tcp-listener';
import type { SimListenAddress, SimTcpListener } from '../tcp-listener';

export const GATEWAY_PATH_UNAVAILABLE = EXCEPTION.gatewayPathUnavailable;
export const GATEWAY_TARGET_FAILED = EXCEPTION.gatewayTargetFailed;

export type GatewayFault =
  | { kind: 'exception'; code: typeof GATEWAY_PATH_UNAVAILABLE | typeof GATEWAY_TARGET_FAILED }
  /** The reply carries another transaction id than the request's. */
  | { kind: 'wrongTransactionId' }
  /** The reply's protocol id is 1 instead of 0. */
  | { kind: 'wrongProtocolId' }
  /** The reply's length field claims 300 bytes (more than any Modbus frame). */
  | { kind: 'badLength' }
  /** The reply leaves `ms` late (after the client gave up, it arrives as a stale reply). */
  | { kind: 'delay'; ms: number }
  /** The connection is reset instead of answered (the request never reaches the bus). */
  | { kind: 'drop' };

export interface GatewayOptions extends SimListenAddress {
  /** Units the gateway routes to the bus; others get 0x0A. Default: every unit. */
  units?: readonly number[];
  /** How long to wait for the RTU reply before answering 0x0B, ms (default 250). */
  targetTimeoutMs?: number;
}

export interface SimModbusGateway extends SimTcpListener {
  /** `modbus-tcp://host:port` */
  readonly url: string;
  /** Requests forwarded to the bus. */
  readonly forwarded: number;
  /** Applies to the next `count` (default 1) requests. */
  injectFault(fault: GatewayFault, count?: number): void;
}

/** Length of the RTU reply that starts with `head`, when enough of it is there to tell. */
function rtuReplyLength(head: Buffer): number | undefined {
  if (head.length < 2) return undefined;
  const fc = head[1]!;
  if (fc & 0x80) return 5;
  if (fc >= 0x01 && fc <= 0x04) return head.length < 3 ? undefined : 5 + head[2]!;
  return 8;
}

export async function serveBusAsModbusGateway(
  bus: SimulatedWatlowBus,
  options: GatewayOptions = {},
): Promise<SimModbusGateway> {
  const routes = options.units ? new Set(options.units) : undefined;
  const targetTimeoutMs = options.targetTimeoutMs ?? 250;
  const faults: GatewayFault[] = [];
  let forwarded = 0;
  // The gateway's own serial port onto the bus.
  const link = createSimLink({ label: 'gateway', baudRate: bus.baudRate, pace: bus.pace });
  const detach = bus.attach(link.device);
  let serial: Promise<unknown> = Promise.resolve();

  /** One RTU exchange; undefined when the device stays silent. */
  const forward = (unit: number, pdu: Buffer): Promise<Buffer | undefined> =>
    new Promise((resolve) => {
      forwarded++;
      let reply = Buffer.alloc(0);
      const done = (pduOut: Buffer | undefined): void => {
        clearTimeout(timer);
        off();
        resolve(pduOut);
      };
      const off = link.host.onData((chunk) => {
        reply = Buffer.concat([reply, chunk]);
        const length = rtuReplyLength(reply);
        if (length === undefined || reply.length < length) return;
        const frame = reply.subarray(0, length);
        // A corrupt or foreign frame is what a silent device looks like to the gateway.
        if (frame[0] === unit && crcMatches(frame)) done(Buffer.from(pduOfRtuFrame(frame)));
        else reply = Buffer.alloc(0);
      });
      const timer = setTimeout(() => done(undefined), targetTimeoutMs);
      link.host.write(encodeRtuFrame(unit, pdu)).catch(() => done(undefined));
    });

  const answer = async (socket: net.Socket, request: MbapFrame): Promise<void> => {
    const fault = faults.shift();
    const exception = (code: number): Buffer => Buffer.from(exceptionPdu(request.pdu[0]!, code));
    let pdu: Buffer | undefined;
    if (fault?.kind === 'drop') {
      socket.resetAndDestroy();
      return;
    }
    if (request.unitId === 0) {
      // Broadcast: forwarded, never answered.
      await forward(0, request.pdu);
      return;
    }
    if (fault?.kind === 'exception') pdu = exception(fault.code);
    else if (routes && !routes.has(request.unitId)) pdu = exception(GATEWAY_PATH_UNAVAILABLE);
    else pdu = (await forward(request.unitId, request.pdu)) ?? exception(GATEWAY_TARGET_FAILED);
    const out = encodeMbap({ transactionId: request.transactionId, unitId: request.unitId, pdu });
    if (fault?.kind === 'wrongTransactionId') out.writeUInt16BE((request.transactionId + 0x8000) & 0xffff, 0);
    if (fault?.kind === 'wrongProtocolId') out.writeUInt16BE(1, 2);
    if (fault?.kind === 'badLength') out.writeUInt16BE(300, 4);
    if (fault?.kind === 'delay') await new Promise((r) => setTimeout(r, fault.ms));
    if (!socket.destroyed) socket.write(out);
  };

  const listener = await listenTcp(options, (socket) => {
    const decoder = new MbapDecoder();
    socket.on('data', (chunk: Buffer) => {
      const { frames, error } = decoder.push(chunk);
      for (const frame of frames) {
        serial = serial.then(() => answer(socket, frame)).catch(() => undefined);
      }
      if (error) socket.destroy();
    });
  });
  return {
    host: listener.host,
    port: listener.port,
    events: listener.events,
    get connectionCount() {
      return listener.connectionCount;
    },
    dropConnections: () => listener.dropConnections(),
    url: `modbus-tcp://${authority(listener.host, listener.port)}`,
    get forwarded() {
      return forwarded;
    },
    injectFault(fault: GatewayFault, count = 1) {
      for (let i = 0; i < count; i++) faults.push(fault);
    },
    async close() {
      await listener.close();
      detach();
      await link.host.close();
    },
  };
}
