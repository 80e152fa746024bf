/**
 * One Node-RED 4.1 runtime in its own `node --expose-gc` process, for the footprint scenario
 * (bench/footprint.ts). Loopback-only HTTP server on a free port, the userDir given in
 * LABBENCH_USERDIR (holding flows.json), Dashboard 2 always loaded, this package only when
 * LABBENCH_WITH_PACKAGE=1. After the flows have started and run LABBENCH_SETTLE_MS, it collects
 * garbage and sends one IPC message:
 *
 *   { rss, heapUsed, packageModules, moduleFiles, firstValueMs }
 *
 * packageModules counts require.cache entries under this checkout's dist/ (moduleFiles lists them,
 * relative to dist/, for test/nodes/lazy-load.test.ts); firstValueMs is the
 * time from 'flows:starting' (the deploy) to the first message a watlow-poll node sends (null
 * when none did).
 */
import * as http from 'node:http';
import * as path from 'node:path';

interface SendEvent {
  source?: { node?: { type?: string } };
}

interface NodeRedModule {
  init(server: http.Server, settings: Record<string, unknown>): void;
  start(): Promise<void>;
  httpAdmin: http.RequestListener;
  hooks: { add(name: string, hook: (events: SendEvent[]) => void): void };
  events: { once(event: string, listener: () => void): void };
}

const root = path.resolve(__dirname, '..', '..');
const userDir = process.env.LABBENCH_USERDIR!;
const withPackage = process.env.LABBENCH_WITH_PACKAGE === '1';
const settleMs = Number(process.env.LABBENCH_SETTLE_MS ?? 3000);

async function main(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const RED = require(require.resolve('node-red', { paths: [root] })) as NodeRedModule;
  const dashboard = path.join(root, 'node_modules', '@flowfuse', 'node-red-dashboard');
  const server = http.createServer((req, res) => RED.httpAdmin(req, res));
  RED.init(server, {
    userDir,
    flowFile: 'flows.json',
    credentialSecret: false,
    nodesDir: withPackage ? [root, dashboard] : [dashboard],
    httpAdminRoot: '/admin',
    httpNodeRoot: '/',
    uiHost: '127.0.0.1',
    editorTheme: { palette: { catalogues: [] }, tours: false },
    diagnostics: { enabled: false },
    telemetry: { enabled: false },
    externalModules: { autoInstall: false, palette: { allowInstall: false } },
    functionExternalModules: false,
    logging: { console: { level: 'error', metrics: false, audit: false } },
  });
  let deployAt: bigint | undefined;
  let firstValueMs: number | null = null;
  RED.hooks.add('onSend.labbenchFootprint', (events) => {
    if (firstValueMs !== null || deployAt === undefined) return;
    if (events.some((e) => e.source?.node?.type === 'watlow-poll'))
      firstValueMs = Number(process.hrtime.bigint() - deployAt) / 1e6;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  RED.events.once('flows:starting', () => (deployAt = process.hrtime.bigint()));
  RED.events.once('flows:started', () => {
    setTimeout(() => {
      const gc = (globalThis as { gc?: () => void }).gc;
      gc?.();
      gc?.();
      const { rss, heapUsed } = process.memoryUsage();
      const dist = path.join(root, 'dist') + path.sep;
      const moduleFiles = Object.keys(require.cache)
        .filter((k) => k.startsWith(dist) && !k.includes(`${path.sep}bench${path.sep}`))
        .map((k) => k.slice(dist.length).split(path.sep).join('/'))
        .sort();
      const packageModules = moduleFiles.length;
      process.send?.({ rss, heapUsed, packageModules, moduleFiles, firstValueMs, gc: Boolean(gc) });
    }, settleMs);
  });
  await RED.start();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
