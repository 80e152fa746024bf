/**
 * A real MQTT broker for tests: Debian's mosquitto on 127.0.0.1 and a free port, from a temp
 * config file (anonymous, no persistence), plus a recording MQTT v5 client (Node-RED's own `mqtt`
 * package) that waits for specific messages instead of sleeping.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/** mosquitto's path, or undefined when it is not installed (Debian puts it in /usr/sbin). */
export function findMosquitto(): string | undefined {
  for (const dir of ['/usr/sbin', '/usr/local/sbin', ...(process.env.PATH ?? '').split(path.delimiter)]) {
    const candidate = path.join(dir, 'mosquitto');
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  return spawnSync('sh', ['-c', 'command -v mosquitto'], { encoding: 'utf8' }).stdout.trim() || undefined;
}

/** A port nobody listens on right now (the kernel picks it; the broker binds it next). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface Broker {
  port: number;
  stop(): Promise<void>;
}

/** Starts mosquitto and resolves once it listens (its own log line says so). */
export async function startMosquitto(binary: string, timeoutMs = 10_000): Promise<Broker> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'labbench-mosquitto-'));
  const config = path.join(dir, 'mosquitto.conf');
  fs.writeFileSync(
    config,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      'log_type notice',
      'log_type information',
      '',
    ].join('\n'),
  );
  const child = spawn(binary, ['-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`mosquitto did not start: ${log}`)), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`mosquitto exited with ${code}: ${log}`));
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (/Opening ipv4 listen socket on port \d+/.test(log) && log.includes(' running')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return {
    port,
    stop: () => stopProcess(child).finally(() => fs.rmSync(dir, { recursive: true, force: true })),
  };
}

/** SIGTERM, then wait for the exit (SIGKILL if it does not come). Never throws. */
export function stopProcess(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export interface Received {
  topic: string;
  payload: string;
  retain: boolean;
  correlationData?: string;
  responseTopic?: string;
  /** Order of arrival, to ask "a message after that one". */
  seq: number;
}

interface MqttPacket {
  retain: boolean;
  properties?: { correlationData?: Buffer; responseTopic?: string };
}
interface MqttClient {
  on(event: 'message', listener: (topic: string, payload: Buffer, packet: MqttPacket) => void): void;
  subscribeAsync(topic: string | string[], opts: { qos: 0 | 1 | 2 }): Promise<unknown>;
  publishAsync(topic: string, payload: string, opts: { qos: 0 | 1 | 2; retain: boolean }): Promise<unknown>;
  endAsync(force?: boolean): Promise<void>;
}

/** Node-RED's own MQTT client library (a dependency of its mqtt nodes). */
function mqttLibrary(): { connectAsync(url: string, opts: Record<string, unknown>): Promise<MqttClient> } {
  const fromNodeRed = createRequire(require.resolve('@node-red/nodes/package.json'));
  return fromNodeRed('mqtt') as ReturnType<typeof mqttLibrary>;
}

/** An MQTT v5 client that records every message on the topics it subscribes to. */
export class Recorder {
  readonly messages: Received[] = [];
  private readonly events = new EventEmitter();

  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload, packet) => {
      const m: Received = {
        topic,
        payload: payload.toString('utf8'),
        retain: packet.retain,
        seq: this.messages.length,
      };
      if (packet.properties?.correlationData)
        m.correlationData = packet.properties.correlationData.toString('utf8');
      if (packet.properties?.responseTopic) m.responseTopic = packet.properties.responseTopic;
      this.messages.push(m);
      this.events.emit('message', m);
    });
  }

  static async connect(port: number, topics: string[]): Promise<Recorder> {
    const client = await mqttLibrary().connectAsync(`mqtt://127.0.0.1:${port}`, {
      protocolVersion: 5,
      reconnectPeriod: 0,
    });
    const recorder = new Recorder(client);
    await client.subscribeAsync(topics, { qos: 1 });
    return recorder;
  }

  /** The first message (past or future) that matches; fails after timeoutMs with `what`. */
  waitFor(what: string, match: (m: Received) => boolean, timeoutMs = 15_000): Promise<Received> {
    const seen = this.messages.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const onMessage = (m: Received) => {
        if (!match(m)) return;
        clearTimeout(timer);
        this.events.off('message', onMessage);
        resolve(m);
      };
      const timer = setTimeout(() => {
        this.events.off('message', onMessage);
        const topics = [...new Set(this.messages.map((m) => m.topic))].join(', ');
        reject(new Error(`no MQTT message: ${what} within ${timeoutMs} ms (seen topics: ${topics})`));
      }, timeoutMs);
      this.events.on('message', onMessage);
    });
  }

  close(): Promise<void> {
    return this.client.endAsync(true).catch(() => undefined);
  }
}
