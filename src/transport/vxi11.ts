/**
 * VXI-11 client (`TCPIP::host[::inst0][::INSTR]`): portmapper GETPORT for the DEVICE_CORE
 * program, then create_link / device_write / device_read / device_clear / destroy_link on one TCP
 * connection, ONC RPC with record marking (codecs in vxi11-xdr.ts and vxi11-messages.ts).
 *
 * The portmapper normally listens on 111, which needs root to serve; the simulator therefore uses
 * an unprivileged port, and the client takes the portmapper port from the open options or from
 * the environment variable LABBENCH_VXI11_PORTMAPPER_PORT (default 111).
 * VXI-11 on the 2281S is UNVERIFIED (it works on the sibling 2280); nothing here is specific
 * to one instrument.
 */
import type * as net from 'net';
import {
  BusyError,
  DisconnectedError,
  ClosedError,
  LabbenchError,
  NotFoundError,
  ProtocolError,
  TimeoutError,
  UnsupportedError,
} from '../core/errors';
import { MAX_RESPONSE_BYTES } from './block-header';
import type { MessageTransport } from './message';
import { connectTcp, socketClose, socketWrite } from './tcp';
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
  encodeGetPort,
  encodeLink,
  encodeRead,
  encodeWrite,
  vxi11ErrorText,
} from './vxi11-messages';
import { RecordAssembler, XdrReader, decodeReply, encodeCall, encodeRecord } from './vxi11-xdr';

export const PORTMAPPER_PORT_ENV = 'LABBENCH_VXI11_PORTMAPPER_PORT';

/** The portmapper port from LABBENCH_VXI11_PORTMAPPER_PORT, or 111. */
export function vxi11PortmapperPortFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const text = env[PORTMAPPER_PORT_ENV];
  if (text === undefined || text.trim() === '') return PORTMAPPER.DEFAULT_PORT;
  const n = Number(text);
  return Number.isInteger(n) && n >= 1 && n <= 65535 ? n : PORTMAPPER.DEFAULT_PORT;
}

/** Time an RPC may take beyond the instrument-side timeout it carries before we give up on it. */
const RPC_MARGIN_MS = 2000;
/** Reads ask for this much per device_read (the reply ends earlier at END). */
const READ_REQUEST_SIZE = 1 << 20;
/** A reply larger than this (the binary-block cap plus slack) is a runaway device, not a SCPI answer. */
const MAX_MESSAGE = MAX_RESPONSE_BYTES;

let xidSeed = (Date.now() ^ (process.pid << 16)) >>> 0;

/**
 * One ONC RPC connection. Calls are answered in order, but a caller may stop waiting (abort):
 * replies are matched by xid and late ones dropped.
 */
class RpcChannel {
  private readonly assembler = new RecordAssembler();
  private readonly pending = new Map<number, { resolve(b: Buffer): void; reject(e: Error): void }>();
  private dead: Error | undefined;
  private closing = false;
  private readonly closeListeners = new Set<(err?: Error) => void>();

  constructor(
    private readonly socket: net.Socket,
    private readonly label: string,
  ) {
    let lastError: Error | undefined;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => {
      lastError = err;
    });
    socket.on('close', () => this.kill(lastError));
  }

  private onData(chunk: Buffer): void {
    let records: Buffer[];
    try {
      records = this.assembler.push(chunk);
    } catch (err) {
      this.kill(
        new ProtocolError(`${this.label} sent a corrupt RPC stream (${(err as Error).message}).`, {
          resource: this.label,
        }),
      );
      this.socket.destroy();
      return;
    }
    for (const record of records) {
      let xid: number;
      try {
        xid = new XdrReader(record).uint();
      } catch {
        continue;
      }
      const waiter = this.pending.get(xid);
      if (!waiter) continue; // the answer to a call we stopped waiting for
      this.pending.delete(xid);
      waiter.resolve(record);
    }
  }

  private kill(cause?: Error): void {
    if (this.dead) return;
    const err =
      cause instanceof LabbenchError
        ? cause
        : new DisconnectedError(
            `${this.label} closed the VXI-11 connection${cause ? ` (${cause.message})` : ''}. The next message reopens it.`,
            { resource: this.label, cause },
          );
    this.dead = err;
    for (const waiter of this.pending.values()) waiter.reject(err);
    this.pending.clear();
    if (this.closing) return;
    for (const listener of [...this.closeListeners]) {
      try {
        listener(err);
      } catch {
        // never from an event handler
      }
    }
    this.closeListeners.clear();
  }

  onClose(listener: (err?: Error) => void): () => void {
    this.closeListeners.add(listener);
    return () => {
      this.closeListeners.delete(listener);
    };
  }

  /** Calls `proc` and resolves with the procedure's XDR result. */
  async call(
    prog: number,
    vers: number,
    proc: number,
    args: Buffer,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<Buffer> {
    if (this.dead) throw this.dead;
    if (signal?.aborted) throw signal.reason;
    xidSeed = (xidSeed + 1) >>> 0;
    const xid = xidSeed;
    const reply = new Promise<Buffer>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.pending.delete(xid);
      };
      const onAbort = (): void => {
        done();
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        done();
        // An RPC that outlives its own I/O timeout means a wedged peer: drop the connection so the
        // registry replaces it rather than queueing behind a call that never returns.
        const err = new TimeoutError(`${this.label} did not answer a VXI-11 call within ${timeoutMs} ms.`, {
          resource: this.label,
        });
        this.kill(err);
        this.socket.destroy();
        reject(err);
      }, timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(xid, {
        resolve: (b) => {
          done();
          resolve(b);
        },
        reject: (e) => {
          done();
          reject(e);
        },
      });
    });
    reply.catch(() => undefined);
    try {
      await socketWrite(this.socket, encodeRecord(encodeCall({ xid, prog, vers, proc, args })));
    } catch (err) {
      this.pending.get(xid)?.reject(
        new DisconnectedError(`Lost the VXI-11 connection to ${this.label} (${(err as Error).message}).`, {
          resource: this.label,
          cause: err,
        }),
      );
    }
    const record = await reply;
    const decoded = decodeReply(record);
    if (decoded.kind === 'error') {
      throw new ProtocolError(`${this.label} refused VXI-11 procedure ${proc}: ${decoded.reason}.`, {
        resource: this.label,
      });
    }
    return decoded.result;
  }

  async close(): Promise<void> {
    this.closing = true;
    this.closeListeners.clear();
    await socketClose(this.socket);
    this.kill(new ClosedError(`The VXI-11 link to ${this.label} is closed.`, { resource: this.label }));
  }
}

/** Asks the portmapper on `host:pmPort` where the VXI-11 core channel listens. */
export async function vxi11GetPort(
  host: string,
  pmPort: number,
  label: string,
  timeoutMs: number,
): Promise<number> {
  let socket: net.Socket;
  try {
    socket = await connectTcp({ host, port: pmPort, label, timeoutMs });
  } catch (err) {
    if (err instanceof NotFoundError) {
      throw new NotFoundError(
        `No VXI-11 portmapper answers at ${host}:${pmPort} for ${label}. Check the address, that the instrument's VXI-11 (LXI) server is on, or use TCPIP::${host}::5025::SOCKET. (Simulator: set ${PORTMAPPER_PORT_ENV} to its portmapper port.)`,
        { resource: label, cause: err },
      );
    }
    throw err;
  }
  const channel = new RpcChannel(socket, label);
  try {
    const result = await channel.call(
      PORTMAPPER.PROG,
      PORTMAPPER.VERS,
      PORTMAPPER.PROC_GETPORT,
      encodeGetPort(DEVICE_CORE.PROG, DEVICE_CORE.VERS),
      timeoutMs,
    );
    const port = new XdrReader(result).uint();
    if (port === 0 || port > 65535) {
      throw new NotFoundError(
        `${host} runs a portmapper but no VXI-11 instrument server (${label}). Use the raw socket resource instead.`,
        {
          resource: label,
        },
      );
    }
    return port;
  } finally {
    await channel.close();
  }
}

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
