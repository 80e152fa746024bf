/**
 * ONC RPC over TCP for the VXI-11 client: one connection with record marking whose replies are
 * matched by xid (a caller may stop waiting; late replies are dropped), and the portmapper GETPORT
 * that says where an instrument's DEVICE_CORE channel listens.
 *
 * The portmapper normally listens on 111, which needs root to serve; the simulator therefore uses
 * an unprivileged port, and the client takes the portmapper port from the open options or from
 * the environment variable LABBENCH_VXI11_PORTMAPPER_PORT (default 111).
 */
import type * as net from 'net';
import type { Settler } from '../core/deadline';
import { pendingAnswer } from '../core/deadline';
import {
  ClosedError,
  DisconnectedError,
  LabbenchError,
  NotFoundError,
  ProtocolError,
  TimeoutError,
} from '../core/errors';
import { connectTcp, socketClose, socketWrite } from './tcp';
import { DEVICE_CORE, PORTMAPPER, encodeGetPort } from './vxi11-messages';
import { RecordAssembler, XdrReader, decodeReply, encodeCall, encodeRecord } from './vxi11-xdr';
import { ListenerSet } from './types';

export const PORTMAPPER_PORT_ENV = 'LABBENCH_VXI11_PORTMAPPER_PORT';

/** The portmapper port from LABBENCH_VXI11_PORTMAPPER_PORT, or 111. */
export function vxi11PortmapperPortFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const text = env[PORTMAPPER_PORT_ENV];
  if (text === undefined || text.trim() === '') return PORTMAPPER.DEFAULT_PORT;
  const n = Number(text);
  return Number.isInteger(n) && n >= 1 && n <= 65535 ? n : PORTMAPPER.DEFAULT_PORT;
}

let xidSeed = (Date.now() ^ (process.pid << 16)) >>> 0;

/**
 * One ONC RPC connection. Calls are answered in order, but a caller may stop waiting (abort):
 * replies are matched by xid and late ones dropped.
 */
export class RpcChannel {
  private readonly assembler = new RecordAssembler();
  private readonly pending = new Map<number, Settler<Buffer>>();
  private dead: Error | undefined;
  private closing = false;
  private readonly closeListeners = new ListenerSet<[err?: Error]>();

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
    this.closeListeners.emit(err);
    this.closeListeners.clear();
  }

  onClose(listener: (err?: Error) => void): () => void {
    return this.closeListeners.add(listener);
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
    const { settler, answer: reply } = pendingAnswer<Buffer>({
      timeoutMs,
      signal,
      // An RPC that outlives its own I/O timeout means a wedged peer: drop the connection so the
      // registry replaces it rather than queueing behind a call that never returns.
      expire: () => {
        const err = new TimeoutError(`${this.label} did not answer a VXI-11 call within ${timeoutMs} ms.`, {
          resource: this.label,
        });
        this.kill(err);
        this.socket.destroy();
        return err;
      },
      release: () => this.pending.delete(xid),
    });
    this.pending.set(xid, settler);
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
