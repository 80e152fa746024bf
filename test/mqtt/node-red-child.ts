/**
 * One real Node-RED 4.1 runtime in its own process, for the MQTT test: its own userDir (a temp
 * dir holding flows.json), loopback-only HTTP server on a free port, this package and Dashboard 2
 * loaded from the checkout. Started by mqtt-runtime.ts with `fork`; it talks over IPC only:
 *
 *   parent → child  { type: 'inject', node, msg }   a node receives msg (what a widget would send)
 *   child → parent  { type: 'started' }             flows are running
 *                   { type: 'received', node, msg } a watched node received msg (JSON-safe copy)
 *
 * Watched node ids come in LABBENCH_WATCH (comma-separated); a runtime hook sees every delivery,
 * so the flow under test is the example file as shipped.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startNodeRed, type NodeRedModule } from '../support/node-red-runtime';

interface Runtime extends NodeRedModule {
  hooks: { add(name: string, hook: (event: ReceiveEvent) => void): void };
  events: { once(event: string, listener: () => void): void };
  nodes: { getNode(id: string): { receive(msg: Record<string, unknown>): void } | null };
}

interface ReceiveEvent {
  msg: Record<string, unknown>;
  destination: { id: string };
}

const root = path.resolve(__dirname, '..', '..', '..');
const userDir = process.env.LABBENCH_USERDIR!;
const watched = new Set((process.env.LABBENCH_WATCH ?? '').split(',').filter(Boolean));

/** A copy that survives IPC: Buffers (MQTT v5 correlation data) become their UTF-8 text. */
function jsonSafe(msg: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(msg)) {
    if (key === 'req' || key === 'res' || key === '_event') continue;
    out[key] = Buffer.isBuffer(value) ? value.toString('utf8') : value;
  }
  return JSON.parse(JSON.stringify(out)) as Record<string, unknown>;
}

async function main(): Promise<void> {
  const running = startNodeRed<Runtime>({
    runtime: 'node-red',
    userDir,
    adminRoot: '/admin',
    nodeRoot: '/',
    settings: {
      nodesDir: [root, path.join(root, 'node_modules', '@flowfuse', 'node-red-dashboard')],
      uiHost: '127.0.0.1',
      externalModules: { autoInstall: false, palette: { allowInstall: false } },
      functionExternalModules: false,
      logging: { console: { level: 'warn', metrics: false, audit: false } },
    },
    // Everything that listens is in place before the flows start: the parent injects as soon as
    // it hears "started".
    beforeStart(RED) {
      RED.hooks.add('onReceive.labbenchTest', (event) => {
        if (watched.has(event.destination.id))
          process.send?.({ type: 'received', node: event.destination.id, msg: jsonSafe(event.msg) });
      });
      process.on('message', (m: { type: string; node: string; msg: Record<string, unknown> }) => {
        if (m.type === 'inject') RED.nodes.getNode(m.node)?.receive(m.msg);
        // A graceful stop: Node-RED closes its nodes, the broker node sends its close message.
        if (m.type === 'stop') void running.then((r) => r.stop()).then(() => process.exit(0));
      });
      RED.events.once('flows:started', () => process.send?.({ type: 'started' }));
    },
  });
  await running;
}

if (!userDir || !fs.existsSync(userDir)) {
  console.error('LABBENCH_USERDIR must name an existing directory');
  process.exit(2);
}
main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
