/**
 * Loopback stand-ins for LAN instruments, for the discovery tests: a VXI-11 portmapper answering
 * GETPORT over UDP, and an mDNS responder (the `multicast-dns` package, unicast, multicast off).
 * Every socket here is bound to 127.0.0.1 and refuses to send anywhere but loopback: a send to
 * another address throws and is recorded, and the tests assert none happened.
 */
import * as dgram from 'node:dgram';
import makeMulticastDns from 'multicast-dns';
import type { DnsRecord } from '../../src/visa/discovery-dnssd';
import type { MdnsLike } from '../../src/visa/discovery-mdns';
import type { UdpSocketLike } from '../../src/visa/discovery-vxi11';
import { AcceptStat, decodeCall, encodeReply } from '../../src/transport/vxi11-xdr';
import { XdrWriter } from '../../src/transport/vxi11-xdr';

const LOOPBACK = new Set(['127.0.0.1', '::1']);

/** Every destination any guarded socket was asked to send to. */
export const sentTo: string[] = [];

/** Patches `send` so only loopback destinations pass (both dgram signatures). */
export function guardLoopback(socket: dgram.Socket): dgram.Socket {
  const original = socket.send.bind(socket) as (...args: unknown[]) => void;
  (socket as unknown as { send: (...args: unknown[]) => void }).send = (...args: unknown[]) => {
    const address = typeof args[2] === 'number' ? args[4] : args[2];
    sentTo.push(String(address));
    if (!LOOPBACK.has(String(address))) throw new Error(`test socket refused to send to ${String(address)}`);
    original(...args);
  };
  return socket;
}

export function loopbackSocket(): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const socket = guardLoopback(dgram.createSocket('udp4'));
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      socket.removeListener('error', reject);
      resolve(socket);
    });
  });
}

/**
 * What the discovery socket received, counted after its own listener ran: lets a test wait
 * until N datagrams were handled before it moves the clock (no sleeps).
 */
export class CountingSocketFactory {
  handled = 0;
  private waiters: { n: number; resolve: () => void }[] = [];

  readonly open = async (): Promise<UdpSocketLike> => {
    const socket = await loopbackSocket();
    const on = socket.on.bind(socket) as (event: string, listener: (...a: unknown[]) => void) => dgram.Socket;
    (socket as unknown as { on: typeof on }).on = (event, listener) => {
      if (event !== 'message') return on(event, listener);
      return on(event, (...a: unknown[]) => {
        listener(...a);
        this.handled++;
        this.waiters = this.waiters.filter((w) => (w.n <= this.handled ? (w.resolve(), false) : true));
      });
    };
    return socket;
  };

  handledAtLeast(n: number): Promise<void> {
    if (this.handled >= n) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }
}

export type PortmapperBehaviour = 'vxi11' | 'no-vxi11' | 'garbage' | 'wrong-xid' | 'silent';

/** A UDP portmapper on 127.0.0.1 answering each call per `behaviours` (one entry per reply). */
export class PortmapperResponder {
  readonly calls: { prog: number; vers: number; proc: number; args: Buffer }[] = [];
  private constructor(
    readonly socket: dgram.Socket,
    private readonly behaviours: PortmapperBehaviour[],
  ) {
    socket.on('message', (msg, rinfo) => {
      let call;
      try {
        call = decodeCall(msg);
      } catch {
        return;
      }
      this.calls.push(call);
      for (const b of this.behaviours) {
        const reply = replyFor(b, call.xid);
        if (reply) socket.send(reply, rinfo.port, rinfo.address);
      }
    });
  }

  static async start(behaviours: PortmapperBehaviour[]): Promise<PortmapperResponder> {
    return new PortmapperResponder(await loopbackSocket(), behaviours);
  }

  get port(): number {
    return this.socket.address().port;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

function replyFor(b: PortmapperBehaviour, xid: number): Buffer | undefined {
  switch (b) {
    case 'vxi11':
      return encodeReply(xid, AcceptStat.SUCCESS, new XdrWriter().uint(1024).toBuffer());
    case 'no-vxi11':
      return encodeReply(xid, AcceptStat.SUCCESS, new XdrWriter().uint(0).toBuffer());
    case 'wrong-xid':
      return encodeReply(xid ^ 1, AcceptStat.SUCCESS, new XdrWriter().uint(1024).toBuffer());
    case 'garbage':
      return Buffer.from('\x00\x01garbage, not an RPC reply at all\xff', 'latin1');
    case 'silent':
      return undefined;
  }
}

/** The querier side for tests: `multicast-dns` unicast on 127.0.0.1, multicast off. */
export function loopbackMdns(): MdnsLike {
  const socket = guardLoopback(dgram.createSocket('udp4'));
  socket.bind(0, '127.0.0.1');
  // port 0: the package skips its own bind (done above) and never joins a multicast group.
  return makeMulticastDns({ multicast: false, port: 0, socket }) as unknown as MdnsLike;
}

export interface MdnsQuestion {
  name: string;
  type: string;
}

export type MdnsReply = Buffer | { answers: DnsRecord[]; additionals?: DnsRecord[] };
export type MdnsAnswerer = (questions: MdnsQuestion[]) => MdnsReply[];

/** An mDNS responder on 127.0.0.1 sending, in order, what `answer` returns for each query. */
export class MdnsResponder {
  readonly queries: MdnsQuestion[][] = [];
  private constructor(
    readonly socket: dgram.Socket,
    answer: MdnsAnswerer,
  ) {
    const mdns = makeMulticastDns({ multicast: false, port: 0, socket });
    mdns.on('query', (q, rinfo) => {
      const questions = q.questions.map((x) => ({ name: x.name, type: x.type }));
      this.queries.push(questions);
      for (const reply of answer(questions)) {
        if (Buffer.isBuffer(reply)) socket.send(reply, rinfo.port, rinfo.address);
        else mdns.respond(reply as never, { port: rinfo.port, address: rinfo.address });
      }
    });
    this.destroy = () => new Promise((resolve) => mdns.destroy(() => resolve()));
  }

  readonly destroy: () => Promise<void>;

  static async start(answer: MdnsAnswerer): Promise<MdnsResponder> {
    return new MdnsResponder(await loopbackSocket(), answer);
  }

  get port(): number {
    return this.socket.address().port;
  }
}
