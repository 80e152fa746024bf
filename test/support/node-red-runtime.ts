/**
 * A real Node-RED runtime for the editor, first-use and MQTT tests: a temporary user directory
 * with this package installed (linked to the build, as `npm install` would place it), and the
 * runtime started on a loopback HTTP server on a free port.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { NODE_RED_NODES } from '../nodes/package-load';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/** What the tests use of a Node-RED runtime module. */
export interface NodeRedModule {
  init(server: http.Server, settings: Record<string, unknown>): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  httpAdmin: http.RequestListener;
  httpNode: http.RequestListener;
}

/**
 * A new user directory holding `flows` (flows.json) and, unless `withPackage` is false, the
 * package under node_modules: its package.json naming the node sets, and links to the build,
 * the resources, icons and examples of this checkout.
 */
export function tempUserDir(prefix: string, flows: unknown[] = [], withPackage = true): string {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), `labbench-${prefix}-`));
  if (withPackage) {
    const pkgDir = path.join(userDir, 'node_modules', 'node-red-contrib-labbench');
    fs.mkdirSync(pkgDir, { recursive: true });
    fs.writeFileSync(
      path.join(pkgDir, 'package.json'),
      JSON.stringify({
        name: 'node-red-contrib-labbench',
        version: '0.0.0',
        keywords: ['node-red'],
        'node-red': { version: '>=4.0.0', nodes: NODE_RED_NODES },
      }),
    );
    for (const dir of ['dist', 'resources', 'icons', 'examples'])
      fs.symlinkSync(path.join(ROOT, dir), path.join(pkgDir, dir));
  }
  fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flows));
  return userDir;
}

export interface RunningNodeRed<R extends NodeRedModule> {
  RED: R;
  port: number;
  /** Stops the runtime and the server (open connections are closed). */
  stop(): Promise<void>;
}

export interface NodeRedOptions<R extends NodeRedModule> {
  /** The runtime module: `node-red` (4.1) or `node-red-5`, resolved from `from`. */
  runtime: string;
  /** Where the runtime module is resolved from (default: this checkout). */
  from?: string;
  userDir: string;
  /** Where the editor and the admin API are served (default `/`). */
  adminRoot?: string;
  /** Where HTTP nodes and the dashboard are served (default: not at all). */
  nodeRoot?: string | false;
  /** Settings beside (or instead of) the quiet defaults. */
  settings?: Record<string, unknown>;
  /** Called after init, before the flows start (hooks, event listeners). */
  beforeStart?(RED: R): void;
}

/** Starts Node-RED on 127.0.0.1 (a free port) with quiet, offline settings. */
export async function startNodeRed<R extends NodeRedModule = NodeRedModule>(
  options: NodeRedOptions<R>,
): Promise<RunningNodeRed<R>> {
  const runtimePath = require.resolve(options.runtime, { paths: [options.from ?? ROOT] });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const RED = require(runtimePath) as R;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const express = require(
    require.resolve('express', { paths: [path.dirname(runtimePath)] }),
  ) as () => http.RequestListener & {
    use(p: string, h: unknown): void;
  };
  const adminRoot = options.adminRoot ?? '/';
  const nodeRoot = options.nodeRoot ?? false;
  const app = express();
  const server = http.createServer(app);
  RED.init(server, {
    userDir: options.userDir,
    flowFile: 'flows.json',
    credentialSecret: false,
    httpAdminRoot: adminRoot,
    httpNodeRoot: nodeRoot,
    logging: { console: { level: 'off' } },
    editorTheme: { palette: { catalogues: [] }, tours: false },
    telemetry: { enabled: false },
    diagnostics: { enabled: false },
    ...options.settings,
  });
  options.beforeStart?.(RED);
  await RED.start();
  app.use(adminRoot, RED.httpAdmin);
  if (nodeRoot !== false) app.use(nodeRoot, RED.httpNode);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    RED,
    port: (server.address() as { port: number }).port,
    async stop() {
      await RED.stop();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
