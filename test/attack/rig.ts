/**
 * The attack rig shared by the soak and unplug suites: real serial ports (two socat PTY pairs)
 * with a fault-injecting byte proxy between the client's port and the simulated Watlow bus, and
 * the 2281S simulator on a loopback TCP port behind a proxy that drops connections.
 *
 *   client ── A1 ═PTY═ B1 ── proxy (corrupt / drop / delay / split) ── A2 ═PTY═ B2 ── Watlow sim
 *   client ── 127.0.0.1:p ── TCP proxy (drops connections) ── 127.0.0.1:q ── 2281S sim
 */
import * as fs from 'fs';
import * as net from 'net';
import { runWatlowSimulator } from '../../src/sim/watlow/cli';
import type { RunningWatlowSimulator } from '../../src/sim/watlow/cli';
import { Simulated2281S } from '../../src/sim/keithley/instrument';
import { serveScpiOverTcp } from '../../src/sim/visa/tcp-server';
import type { ScpiTcpServer } from '../../src/sim/visa/tcp-server';
import type { SerialPort as SerialPortClass } from 'serialport';
import { makeTempDir, PtyPair } from '../support/pty';

/** A small deterministic PRNG (mulberry32), so a failing soak can be replayed from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FaultCounts {
  chunks: number;
  corrupted: number;
  dropped: number;
  delayed: number;
  split: number;
}

type Port = SerialPortClass;

async function openPort(path: string): Promise<Port> {
  const { SerialPort } = await import('serialport');
  const port = new SerialPort({ path, baudRate: 38400, autoOpen: false, lock: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  port.on('error', () => undefined);
  return port;
}

/**
 * Forwards bytes both ways between two serial ports; each chunk is, with probability `rate`,
 * corrupted (one byte flipped), dropped, delayed (1–30 ms) or split in two.
 */
export class FaultyByteProxy {
  readonly counts: FaultCounts = { chunks: 0, corrupted: 0, dropped: 0, delayed: 0, split: 0 };
  private constructor(
    private readonly a: Port,
    private readonly b: Port,
    private readonly rate: number,
    private readonly random: () => number,
  ) {
    a.on('data', (d: Buffer) => this.forward(d, b));
    b.on('data', (d: Buffer) => this.forward(d, a));
  }

  static async start(a: string, b: string, rate: number, seed: number): Promise<FaultyByteProxy> {
    return new FaultyByteProxy(await openPort(a), await openPort(b), rate, prng(seed));
  }

  private forward(data: Buffer, to: Port): void {
    this.counts.chunks++;
    const write = (bytes: Buffer): void => {
      if (to.isOpen) to.write(bytes);
    };
    if (this.random() >= this.rate) return write(data);
    const r = this.random();
    if (r < 0.3) {
      const copy = Buffer.from(data);
      copy[Math.floor(this.random() * copy.length)]! ^= 1 << Math.floor(this.random() * 8);
      this.counts.corrupted++;
      write(copy);
    } else if (r < 0.55) {
      this.counts.dropped++;
    } else if (r < 0.8) {
      this.counts.delayed++;
      setTimeout(() => write(data), 1 + Math.floor(this.random() * 30));
    } else {
      this.counts.split++;
      const at = Math.max(1, Math.floor(this.random() * data.length));
      write(data.subarray(0, at));
      setTimeout(() => write(data.subarray(at)), 1 + Math.floor(this.random() * 5));
    }
  }

  async close(): Promise<void> {
    await Promise.all(
      [this.a, this.b].map(
        (p) => new Promise<void>((resolve) => (p.isOpen ? p.close(() => resolve()) : resolve())),
      ),
    );
  }
}

/** The Watlow side: PTY pairs, proxy and simulator; `clientPath` is the port the client opens. */
export class WatlowRig {
  private constructor(
    readonly dir: string,
    readonly client: PtyPair,
    readonly device: PtyPair,
    public proxy: FaultyByteProxy | undefined,
    public sim: RunningWatlowSimulator,
  ) {}

  get clientPath(): string {
    return this.client.a;
  }

  static async start(options: { faultRate: number; seed: number; addresses?: string }): Promise<WatlowRig> {
    const dir = makeTempDir('labbench-attack-');
    const client = await PtyPair.start(dir, ['A1', 'B1']);
    const device = await PtyPair.start(dir, ['A2', 'B2']);
    const proxy = await FaultyByteProxy.start(client.b, device.a, options.faultRate, options.seed);
    const sim = await runWatlowSimulator(['--serial', device.b, '--addresses', options.addresses ?? '1,2']);
    return new WatlowRig(dir, client, device, proxy, sim);
  }

  /** Unplugs the client's cable: socat of the client pair killed (the port disappears). */
  async unplug(): Promise<void> {
    await this.proxy?.close();
    this.proxy = undefined;
    await this.client.stop('SIGKILL');
  }

  /** Plugs it back: same link names, proxy reattached (without faults, to time the recovery). */
  async replug(seed: number): Promise<void> {
    await this.client.restart();
    this.proxy = await FaultyByteProxy.start(this.client.b, this.device.a, 0, seed);
  }

  async close(): Promise<void> {
    await this.proxy?.close();
    await this.sim.close();
    await this.client.stop();
    await this.device.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The Keithley side: the 2281S simulator behind a TCP proxy that can drop every connection. */
export class KeithleyRig {
  readonly model = new Simulated2281S('SOAK01');
  private readonly sockets = new Set<net.Socket>();
  dropped = 0;
  private constructor(
    public server: ScpiTcpServer,
    readonly proxy: net.Server,
  ) {}

  get resource(): string {
    return `TCPIP0::127.0.0.1::${(this.proxy.address() as net.AddressInfo).port}::SOCKET`;
  }

  static async start(): Promise<KeithleyRig> {
    const holder: { rig?: KeithleyRig } = {};
    const server = await serveScpiOverTcp(new Simulated2281S('SOAK01'), { host: '127.0.0.1', port: 0 });
    const proxy = net.createServer((inbound) => {
      const rig = holder.rig!;
      const outbound = net.connect({ host: '127.0.0.1', port: rig.server.port });
      for (const s of [inbound, outbound]) {
        rig.sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => {
          rig.sockets.delete(s);
          inbound.destroy();
          outbound.destroy();
        });
      }
      inbound.pipe(outbound);
      outbound.pipe(inbound);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    holder.rig = new KeithleyRig(server, proxy);
    return holder.rig;
  }

  /** Drops every open connection (a cable pulled, a switch rebooted). */
  dropConnections(): void {
    for (const s of this.sockets) s.destroy();
    this.dropped++;
  }

  /** Stops the instrument behind the proxy (connections refused) … */
  async stopInstrument(): Promise<void> {
    this.dropConnections();
    await this.server.close();
  }

  /** … and starts it again on a new port (the proxy's address, the user's resource, stays). */
  async startInstrument(): Promise<void> {
    this.server = await serveScpiOverTcp(new Simulated2281S('SOAK01'), { host: '127.0.0.1', port: 0 });
  }

  async close(): Promise<void> {
    this.dropConnections();
    await new Promise<void>((resolve) => this.proxy.close(() => resolve()));
    await this.server.close();
  }
}

/** Open file descriptors of this process, and how many point at each /dev/pts device. */
export function openFds(): { total: number; perDevice: Map<string, number> } {
  const perDevice = new Map<string, number>();
  const fds = fs.readdirSync('/proc/self/fd');
  for (const fd of fds) {
    try {
      const target = fs.readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith('/dev/pts/') || target.startsWith('/dev/tty')) {
        perDevice.set(target, (perDevice.get(target) ?? 0) + 1);
      }
    } catch {
      // closed meanwhile
    }
  }
  return { total: fds.length, perDevice };
}
