/**
 * VXI-11 client (`TCPIP::host[::inst0][::INSTR]`): portmapper GETPORT for the DEVICE_CORE
 * program, then create_link / device_write / device_read / device_clear / destroy_link on one TCP
 * connection, ONC RPC with record marking (codecs in vxi11-xdr.ts and vxi11-messages.ts).
 * The RPC channel and the portmapper lookup are in vxi11-rpc.ts.
 *
 * VXI-11 on the 2281S is UNVERIFIED (it works on the sibling 2280); nothing here is specific
 * to one instrument.
 */
import type { LabbenchError } from '../core/errors';
import {
  BusyError,
  ClosedError,
  DisconnectedError,
  NotFoundError,
  ProtocolError,
  TimeoutError,
  UnsupportedError,
} from '../core/errors';
import { MAX_RESPONSE_BYTES } from './block-header';
import type { MessageTransport } from './message';
import { connectTcp } from './tcp';
import {
  CoreProc,
  DEVICE_CORE,
  Flags,
  PORTMAPPER,
  Reason,
  Vxi11Error,
  decodeCreateLinkResp,
  decodeDeviceError,
  decodeReadResp,
  decodeWriteResp,
  encodeCreateLink,
  encodeGeneric,
  encodeLink,
  encodeRead,
  encodeWrite,
  vxi11ErrorText,
} from './vxi11-messages';
import { RpcChannel, vxi11GetPort } from './vxi11-rpc';

export { PORTMAPPER_PORT_ENV, vxi11PortmapperPortFromEnv } from './vxi11-rpc';

/** Time an RPC may take beyond the instrument-side timeout it carries before we give up on it. */
const RPC_MARGIN_MS = 2000;
/** Reads ask for this much per device_read (the reply ends earlier at END). */
const READ_REQUEST_SIZE = 1 << 20;
/** A reply larger than this (the binary-block cap plus slack) is a runaway device, not a SCPI answer. */
const MAX_MESSAGE = MAX_RESPONSE_BYTES;

export interface Vxi11OpenOptions {
  host: string;
  /** LAN device name, e.g. inst0 or gpib0,5. */
  device: string;
  label: string;
  /** Connect / RPC / write timeout, ms. */
  timeoutMs: number;
  /** Portmapper port (111 on real instruments). */
  portmapperPort?: number;
  /** Skip the portmapper and connect to this core port (instruments with a fixed port). */
  corePort?: number;
}

function deviceFailure(code: number, label: string, action: string): LabbenchError {
  const text = `${action} on ${label} failed: VXI-11 ${vxi11ErrorText(code)}`;
  switch (code) {
    case Vxi11Error.IO_TIMEOUT:
      return new TimeoutError(`${label} did not answer in time (${action}).`, {
        resource: label,
        deviceCode: code,
      });
    case Vxi11Error.DEVICE_LOCKED:
      return new BusyError(
        `${text}: another client holds the instrument's lock. Close the other program, then retry.`,
        {
          resource: label,
          deviceCode: code,
        },
      );
    case Vxi11Error.INVALID_LINK:
    case Vxi11Error.CHANNEL_NOT_ESTABLISHED:
      return new DisconnectedError(
        `${text}: the instrument no longer knows this link (restarted?). The next message reopens it.`,
        {
          resource: label,
          deviceCode: code,
        },
      );
    case Vxi11Error.DEVICE_NOT_ACCESSIBLE:
    case Vxi11Error.INVALID_ADDRESS:
      return new NotFoundError(`${text}: check the LAN device name (usually inst0).`, {
        resource: label,
        deviceCode: code,
      });
    case Vxi11Error.OPERATION_NOT_SUPPORTED:
      return new UnsupportedError(`${text}.`, { resource: label, deviceCode: code });
    case Vxi11Error.OUT_OF_RESOURCES:
      return new BusyError(`${text}: the instrument has no free links; close other VXI-11 clients.`, {
        resource: label,
        deviceCode: code,
      });
    default:
      return new ProtocolError(`${text}.`, { resource: label, deviceCode: code });
  }
}

export class Vxi11Transport implements MessageTransport {
  readonly clearsDevice = true;
  private closed = false;

  private constructor(
    readonly label: string,
    private readonly channel: RpcChannel,
    private readonly lid: number,
    private readonly maxRecvSize: number,
    private readonly timeoutMs: number,
  ) {}

  static async open(options: Vxi11OpenOptions): Promise<Vxi11Transport> {
    const { host, label, timeoutMs } = options;
    const port =
      options.corePort ??
      (await vxi11GetPort(host, options.portmapperPort ?? PORTMAPPER.DEFAULT_PORT, label, timeoutMs));
    const socket = await connectTcp({ host, port, label, timeoutMs });
    const channel = new RpcChannel(socket, label);
    try {
      const resp = decodeCreateLinkResp(
        await channel.call(
          DEVICE_CORE.PROG,
          DEVICE_CORE.VERS,
          CoreProc.CREATE_LINK,
          encodeCreateLink({
            clientId: process.pid & 0x7fffffff,
            lockDevice: false,
            lockTimeout: 0,
            device: options.device,
          }),
          timeoutMs + RPC_MARGIN_MS,
        ),
      );
      if (resp.error !== Vxi11Error.NONE) throw deviceFailure(resp.error, label, 'create_link');
      // maxRecvSize is what one device_write may carry; the standard's minimum is 1024.
      return new Vxi11Transport(
        label,
        channel,
        resp.lid,
        Math.max(1024, resp.maxRecvSize || 1024),
        timeoutMs,
      );
    } catch (err) {
      await channel.close();
      throw err;
    }
  }

  private async core(proc: number, args: Buffer, ioTimeoutMs: number, signal?: AbortSignal): Promise<Buffer> {
    if (this.closed)
      throw new ClosedError(`The VXI-11 link to ${this.label} is closed.`, {
        resource: this.label,
      });
    return this.channel.call(
      DEVICE_CORE.PROG,
      DEVICE_CORE.VERS,
      proc,
      args,
      ioTimeoutMs + RPC_MARGIN_MS,
      signal,
    );
  }

  async write(data: Buffer, signal?: AbortSignal): Promise<void> {
    let offset = 0;
    do {
      const piece = data.subarray(offset, offset + this.maxRecvSize);
      const last = offset + piece.length >= data.length;
      const resp = decodeWriteResp(
        await this.core(
          CoreProc.DEVICE_WRITE,
          encodeWrite({
            lid: this.lid,
            ioTimeout: this.timeoutMs,
            lockTimeout: 0,
            flags: last ? Flags.END : 0,
            data: piece,
          }),
          this.timeoutMs,
          signal,
        ),
      );
      if (resp.error !== Vxi11Error.NONE) throw deviceFailure(resp.error, this.label, 'device_write');
      if (resp.size === 0 && piece.length > 0)
        throw new ProtocolError(`${this.label} accepted none of the command bytes.`, {
          resource: this.label,
        });
      offset += Math.min(resp.size, piece.length);
    } while (offset < data.length);
  }

  async read(timeoutMs: number, signal?: AbortSignal): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    const parts: Buffer[] = [];
    let total = 0;
    for (;;) {
      const ioTimeout = Math.max(1, deadline - Date.now());
      const resp = decodeReadResp(
        await this.core(
          CoreProc.DEVICE_READ,
          encodeRead({
            lid: this.lid,
            requestSize: READ_REQUEST_SIZE,
            ioTimeout,
            lockTimeout: 0,
            flags: 0,
            termChar: 0,
          }),
          ioTimeout,
          signal,
        ),
      );
      if (resp.error !== Vxi11Error.NONE) {
        if (resp.error === Vxi11Error.IO_TIMEOUT) {
          throw new TimeoutError(`No reply from ${this.label} within ${timeoutMs} ms.`, {
            resource: this.label,
            deviceCode: resp.error,
          });
        }
        throw deviceFailure(resp.error, this.label, 'device_read');
      }
      parts.push(resp.data);
      total += resp.data.length;
      // END (the instrument's EOI) ends a message; CHR cannot happen as we set no TermChar.
      if ((resp.reason & (Reason.END | Reason.CHR)) !== 0) return Buffer.concat(parts, total);
      if (total > MAX_MESSAGE)
        throw new ProtocolError(`${this.label} sent more than ${MAX_MESSAGE} bytes without END.`, {
          resource: this.label,
        });
    }
  }

  /** device_clear: the instrument empties its input and output buffers. */
  async clear(): Promise<void> {
    const err = decodeDeviceError(
      await this.core(
        CoreProc.DEVICE_CLEAR,
        encodeGeneric({ lid: this.lid, flags: 0, lockTimeout: 0, ioTimeout: this.timeoutMs }),
        this.timeoutMs,
      ),
    );
    if (err !== Vxi11Error.NONE) throw deviceFailure(err, this.label, 'device_clear');
  }

  onClose(listener: (err?: Error) => void): () => void {
    return this.channel.onClose(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      // Polite: free the instrument's link slot (instruments have few). Best effort, short wait.
      await this.core(CoreProc.DESTROY_LINK, encodeLink(this.lid), Math.min(this.timeoutMs, 1000));
    } catch {
      // The link dies with the connection anyway.
    }
    this.closed = true;
    await this.channel.close();
  }
}

export function openVxi11Transport(options: Vxi11OpenOptions): Promise<Vxi11Transport> {
  return Vxi11Transport.open(options);
}
