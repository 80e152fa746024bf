/**
 * LAN instruments by VXI-11 portmapper broadcast: one ONC RPC call over UDP, PMAPPROC_GETPORT for
 * the VXI-11 core channel (program 0x0607AF version 1, TCP), sent to each target (broadcast
 * addresses in production, a loopback responder in tests). A host that answers with a non-zero
 * port runs a VXI-11 instrument server: `TCPIP0::<address>::inst0::INSTR`. GETPORT rather than the
 * NULL procedure, because every NFS server answers a portmapper NULL call too.
 */
import type { Clock } from '../core/clock';
import { XdrReader } from '../transport/vxi11-xdr';
import { decodeReply, encodeCall } from '../transport/vxi11-xdr';
import { DEVICE_CORE, PORTMAPPER, encodeGetPort } from '../transport/vxi11-messages';
import type { DiscoveredResource, MethodOutcome, MethodRun } from './discovery-types';
import { errorText } from './discovery-types';

export interface UdpTarget {
  address: string;
  port: number;
}

/** The slice of a bound `dgram` socket this method uses. */
export interface UdpSocketLike {
  send(msg: Buffer, port: number, address: string, callback?: (err: Error | null) => void): void;
  on(event: 'message', listener: (msg: Buffer, rinfo: { address: string; port: number }) => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  close(callback?: () => void): void;
}

export interface Vxi11DiscoveryOptions {
  /** A bound UDP socket (production: 0.0.0.0, broadcast allowed; tests: 127.0.0.1). */
  openSocket: () => Promise<UdpSocketLike>;
  targets: readonly UdpTarget[];
  clock: Clock;
  /** When to ask again, in case a datagram was lost (ms after the first; none if omitted). */
  resendAfterMs?: number;
}

/** The portmapper call: GETPORT(DEVICE_CORE, version 1, TCP). */
export function encodePortmapperProbe(xid: number): Buffer {
  return encodeCall({
    xid,
    prog: PORTMAPPER.PROG,
    vers: PORTMAPPER.VERS,
    proc: PORTMAPPER.PROC_GETPORT,
    args: encodeGetPort(DEVICE_CORE.PROG, DEVICE_CORE.VERS),
  });
}

/**
 * The VXI-11 core port from a reply to our probe, or undefined for anything else: a reply to
 * another call, a refusal, port 0 (a portmapper without VXI-11), garbage.
 */
export function decodePortmapperProbeReply(datagram: Buffer, xid: number): number | undefined {
  try {
    const reply = decodeReply(datagram);
    if (reply.xid !== xid || reply.kind !== 'success') return undefined;
    const port = new XdrReader(reply.result).uint();
    return port > 0 && port <= 65535 ? port : undefined;
  } catch {
    return undefined;
  }
}

/** Dotted IPv4 only: the address becomes a resource field, so nothing else may pass. */
function isIpv4(address: string): boolean {
  const parts = address.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

export async function discoverVxi11(options: Vxi11DiscoveryOptions, run: MethodRun): Promise<MethodOutcome> {
  const report = { method: 'vxi11' as const, searched: true, ignored: 0 };
  let socket: UdpSocketLike;
  try {
    socket = await options.openSocket();
  } catch (err) {
    return {
      report: {
        ...report,
        searched: false,
        reason: `No UDP socket for the VXI-11 broadcast: ${errorText(err)}`,
      },
      resources: [],
    };
  }
  // A random transaction id, so replies to someone else's portmapper call are not taken as ours.
  const xid = (Math.random() * 0x7fffffff) >>> 0;
  const probe = encodePortmapperProbe(xid);
  const found = new Map<string, DiscoveredResource>();
  const sendErrors: string[] = [];
  socket.on('error', (err) => sendErrors.push(errorText(err)));
  socket.on('message', (datagram, rinfo) => {
    const port = decodePortmapperProbeReply(datagram, xid);
    if (port === undefined || !isIpv4(rinfo.address)) {
      report.ignored++;
      return;
    }
    const resource = `TCPIP0::${rinfo.address}::inst0::INSTR`;
    if (found.has(resource)) return;
    const entry: DiscoveredResource = { resource, kind: 'lan', via: ['vxi11'] };
    found.set(resource, entry);
    run.onResource?.(entry);
  });
  const sendAll = (): void => {
    for (const t of options.targets) {
      try {
        socket.send(probe, t.port, t.address, (err) => {
          if (err) sendErrors.push(`${t.address}: ${errorText(err)}`);
        });
      } catch (err) {
        sendErrors.push(`${t.address}: ${errorText(err)}`);
      }
    }
  };
  sendAll();
  const resend =
    options.resendAfterMs !== undefined
      ? options.clock.setTimeout(sendAll, options.resendAfterMs)
      : undefined;
  await run.until;
  if (resend !== undefined) options.clock.clearTimeout(resend);
  await new Promise<void>((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve();
    }
  });
  // Every send failing means nothing was searched (e.g. broadcast not permitted here).
  const allFailed =
    options.targets.length > 0 && sendErrors.length >= options.targets.length && found.size === 0;
  if (options.targets.length === 0 || allFailed) {
    const reason =
      options.targets.length === 0 ? 'no network to broadcast on' : `broadcast refused: ${sendErrors[0]}`;
    return { report: { ...report, searched: false, reason }, resources: [] };
  }
  return { report, resources: [...found.values()] };
}
