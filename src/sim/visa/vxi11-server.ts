/**
 * A VXI-11 instrument server for a simulated SCPI instrument: a portmapper (GETPORT only) and the
 * DEVICE_CORE channel (create_link, device_write, device_read, device_readstb, device_trigger,
 * device_clear, device_remote, device_local, destroy_link). No abort channel (abortPort 0), no
 * locking, no SRQ interrupt channel: what a SCPI session needs, byte-exact on the wire.
 *
 * The portmapper listens on a port of your choice (0 = any free port) because 111 needs root;
 * point the client at it with LABBENCH_VXI11_PORTMAPPER_PORT or the `vxi11PortmapperPort` option.
 */
import * as net from 'net';
import {
  CoreProc,
  DEVICE_CORE,
  Flags,
  PORTMAPPER,
  Reason,
  Vxi11Error,
  decodeCreateLink,
  decodeGeneric,
  decodeGetPort,
  decodeLink,
  decodeRead,
  decodeWrite,
  encodeCreateLinkResp,
  encodeDeviceError,
  encodeReadResp,
  encodeWriteResp,
} from '../../transport/vxi11-messages';
import {
  AcceptStat,
  RecordAssembler,
  XdrWriter,
  decodeCall,
  encodeRecord,
  encodeReply,
} from '../../transport/vxi11-xdr';
import type { RpcCall } from '../../transport/vxi11-xdr';
import type { ScpiDeviceModel } from '../../visa/types';
import { SimInstrumentPort } from './instrument-port';

type RpcOutcome = { accept: number; result?: Buffer; mismatch?: [number, number] };
type RpcHandler = (call: RpcCall, connection: RpcConnection) => Promise<RpcOutcome>;

/** Per-connection state handed to the handler. */
interface RpcConnection {
  socket: net.Socket;
  /** Cleanup to run when the connection closes. */
  onClose: (fn: () => void) => void;
}

interface RpcServer {
  port: number;
  close(): Promise<void>;
}

/** A minimal ONC RPC-over-TCP server: calls on one connection are handled in arrival order. */
async function serveRpc(host: string, port: number, handler: RpcHandler): Promise<RpcServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    const assembler = new RecordAssembler();
    const cleanups: (() => void)[] = [];
    const connection: RpcConnection = { socket, onClose: (fn) => cleanups.push(fn) };
    let chain = Promise.resolve();
    socket.on('error', () => undefined);
    socket.on('close', () => {
      sockets.delete(socket);
      for (const fn of cleanups) {
        try {
          fn();
        } catch {
          // cleanup of a simulated link must not throw into the socket's event loop
        }
      }
    });
    socket.on('data', (chunk: Buffer) => {
      let records: Buffer[];
      try {
        records = assembler.push(chunk);
      } catch {
        socket.destroy();
        return;
      }
      for (const record of records) {
        chain = chain.then(async () => {
          let call: ReturnType<typeof decodeCall>;
          try {
            call = decodeCall(record);
          } catch {
            socket.destroy();
            return;
          }
          let outcome: RpcOutcome;
          try {
            outcome =
              call.rpcvers !== 2 ? { accept: AcceptStat.SYSTEM_ERR } : await handler(call, connection);
          } catch {
            outcome = { accept: AcceptStat.GARBAGE_ARGS };
          }
          if (!socket.destroyed)
            socket.write(
              encodeRecord(encodeReply(call.xid, outcome.accept, outcome.result, outcome.mismatch)),
            );
        });
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', () => undefined);
  let closing: Promise<void> | undefined;
  return {
    port: (server.address() as net.AddressInfo).port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

export interface Vxi11ServerOptions {
  host?: string;
  /** Portmapper port; 0 (default) = any free port. 111 only when running as root. */
  portmapperPort?: number;
  /** Core channel port; 0 (default) = any free port. */
  corePort?: number;
  /** Largest device_write payload announced in create_link (default 4096; the standard's minimum is 1024). */
  maxRecvSize?: number;
}

export interface ScpiVxi11Server {
  readonly host: string;
  readonly portmapperPort: number;
  readonly corePort: number;
  /** `TCPIP::<host>::inst0::INSTR` (open it with the portmapper port set, see module comment). */
  readonly resource: string;
  /** Links currently open (create_link minus destroy_link / closed connections). */
  readonly linkCount: number;
  close(): Promise<void>;
}

const success = (result: Buffer): RpcOutcome => ({ accept: AcceptStat.SUCCESS, result });

export async function serveScpiOverVxi11(
  model: ScpiDeviceModel,
  options: Vxi11ServerOptions = {},
): Promise<ScpiVxi11Server> {
  const host = options.host ?? '127.0.0.1';
  const maxRecvSize = Math.max(1024, options.maxRecvSize ?? 4096);
  const links = new Map<number, SimInstrumentPort>();
  /** Ends the model session of each link exactly once (destroy_link or connection close). */
  const sessions = new Map<number, () => void>();
  let nextLid = 1;

  const core = await serveRpc(host, options.corePort ?? 0, async (call, connection) => {
    if (call.prog !== DEVICE_CORE.PROG) return { accept: AcceptStat.PROG_UNAVAIL };
    if (call.vers !== DEVICE_CORE.VERS) return { accept: AcceptStat.PROG_MISMATCH, mismatch: [1, 1] };
    const linkOf = (lid: number): SimInstrumentPort | undefined => links.get(lid);
    switch (call.proc) {
      case 0:
        return success(Buffer.alloc(0));
      case CoreProc.CREATE_LINK: {
        const parms = decodeCreateLink(call.args);
        const port = new SimInstrumentPort(model);
        const refuse = (error: number): RpcOutcome =>
          success(encodeCreateLinkResp({ error, lid: 0, abortPort: 0, maxRecvSize: 0 }));
        if (!/^inst\d+$/i.test(parms.device) || !port.connected)
          return refuse(Vxi11Error.DEVICE_NOT_ACCESSIBLE);
        try {
          model.openSession?.();
        } catch (err) {
          // Busy maps to "device locked by another link", which clients treat as busy.
          const busy = (err as { code?: string }).code === 'EBUSY';
          return refuse(busy ? Vxi11Error.DEVICE_LOCKED : Vxi11Error.DEVICE_NOT_ACCESSIBLE);
        }
        const lid = nextLid++;
        links.set(lid, port);
        let sessionOpen = true;
        sessions.set(lid, () => {
          if (!sessionOpen) return;
          sessionOpen = false;
          model.closeSession?.();
        });
        // A pulled cable: the instrument vanishes from the network, connection reset.
        port.onFault(() => {
          if (!connection.socket.destroyed) connection.socket.resetAndDestroy();
        });
        connection.onClose(() => {
          port.close();
          links.delete(lid);
          sessions.get(lid)?.();
          sessions.delete(lid);
        });
        return success(encodeCreateLinkResp({ error: Vxi11Error.NONE, lid, abortPort: 0, maxRecvSize }));
      }
      case CoreProc.DEVICE_WRITE: {
        const parms = decodeWrite(call.args);
        const port = linkOf(parms.lid);
        if (!port) return success(encodeWriteResp(Vxi11Error.INVALID_LINK, 0));
        if (parms.data.length > maxRecvSize) return success(encodeWriteResp(Vxi11Error.PARAMETER, 0));
        if (!port.connected) {
          connection.socket.resetAndDestroy();
          return success(encodeWriteResp(Vxi11Error.IO_ERROR, 0));
        }
        port.input(parms.data, (parms.flags & Flags.END) !== 0);
        return success(encodeWriteResp(Vxi11Error.NONE, parms.data.length));
      }
      case CoreProc.DEVICE_READ: {
        const parms = decodeRead(call.args);
        const port = linkOf(parms.lid);
        if (!port)
          return success(
            encodeReadResp({ error: Vxi11Error.INVALID_LINK, reason: 0, data: Buffer.alloc(0) }),
          );
        const ready = await port.waitForOutput(parms.ioTimeout).ready;
        if (!ready || !port.hasOutput) {
          return success(encodeReadResp({ error: Vxi11Error.IO_TIMEOUT, reason: 0, data: Buffer.alloc(0) }));
        }
        const { data, end } = port.take(Math.max(1, parms.requestSize));
        return success(
          encodeReadResp({ error: Vxi11Error.NONE, reason: end ? Reason.END : Reason.REQCNT, data }),
        );
      }
      case CoreProc.DEVICE_READSTB: {
        const lid = decodeGeneric(call.args).lid;
        return success(
          new XdrWriter()
            .int(linkOf(lid) ? Vxi11Error.NONE : Vxi11Error.INVALID_LINK)
            .uint(0)
            .toBuffer(),
        );
      }
      case CoreProc.DEVICE_TRIGGER:
      case CoreProc.DEVICE_CLEAR:
      case CoreProc.DEVICE_REMOTE:
      case CoreProc.DEVICE_LOCAL: {
        const port = linkOf(decodeGeneric(call.args).lid);
        if (!port) return success(encodeDeviceError(Vxi11Error.INVALID_LINK));
        if (call.proc === CoreProc.DEVICE_CLEAR) port.clear();
        if (call.proc === CoreProc.DEVICE_REMOTE) model.setRemote?.(true);
        if (call.proc === CoreProc.DEVICE_LOCAL) model.setRemote?.(false);
        return success(encodeDeviceError(Vxi11Error.NONE));
      }
      case CoreProc.DESTROY_LINK: {
        const lid = decodeLink(call.args);
        const port = linkOf(lid);
        if (!port) return success(encodeDeviceError(Vxi11Error.INVALID_LINK));
        port.close();
        links.delete(lid);
        sessions.get(lid)?.();
        sessions.delete(lid);
        return success(encodeDeviceError(Vxi11Error.NONE));
      }
      default:
        return { accept: AcceptStat.PROC_UNAVAIL };
    }
  });

  let portmapper: RpcServer;
  try {
    portmapper = await serveRpc(host, options.portmapperPort ?? 0, async (call) => {
      if (call.prog !== PORTMAPPER.PROG) return { accept: AcceptStat.PROG_UNAVAIL };
      if (call.vers !== PORTMAPPER.VERS) return { accept: AcceptStat.PROG_MISMATCH, mismatch: [2, 2] };
      if (call.proc === 0) return success(Buffer.alloc(0));
      if (call.proc !== PORTMAPPER.PROC_GETPORT) return { accept: AcceptStat.PROC_UNAVAIL };
      const q = decodeGetPort(call.args);
      const known =
        q.prog === DEVICE_CORE.PROG && q.vers === DEVICE_CORE.VERS && q.prot === PORTMAPPER.PROTO_TCP;
      return success(new XdrWriter().uint(known ? core.port : 0).toBuffer());
    });
  } catch (err) {
    await core.close();
    throw err;
  }

  return {
    host,
    portmapperPort: portmapper.port,
    corePort: core.port,
    resource: `TCPIP::${host}::inst0::INSTR`,
    get linkCount() {
      return links.size;
    },
    async close() {
      for (const port of links.values()) port.close();
      links.clear();
      for (const end of sessions.values()) end();
      sessions.clear();
      await Promise.all([portmapper.close(), core.close()]);
    },
  };
}
