/**
 * Headless Chromium driven over the DevTools protocol with `ws` (which Node-RED itself depends
 * on): open a page, evaluate expressions in it, collect console errors and exceptions, take a
 * screenshot. Needs /usr/bin/chromium (or CHROMIUM_PATH).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Socket {
  on(event: string, fn: (data: unknown) => void): void;
  send(data: string): void;
  close(): void;
}

export interface Browser {
  /** Loads `url` in the page and resolves when the load event fired. */
  navigate(url: string): Promise<void>;
  /** Evaluates `expression` in the page (awaiting a returned promise) and returns its value. */
  evaluate<T>(expression: string): Promise<T>;
  /** Resolves when `expression` is truthy in the page; rejects with `what` after `capMs`. */
  waitFor(expression: string, what: string, capMs?: number): Promise<void>;
  /** PNG of the viewport. */
  screenshot(): Promise<Buffer>;
  /** Console errors and uncaught exceptions the page reported so far. */
  problems: string[];
  close(): Promise<void>;
}

/** Starts Chromium; `wsModuleDir` is a directory from which `require('ws')` resolves. */
export async function launchChromium(wsModuleDir: string, size = '1400,1000'): Promise<Browser> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const WebSocket = require(require.resolve('ws', { paths: [wsModuleDir] })) as new (
    url: string,
    opts: unknown,
  ) => Socket;
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'labbench-chromium-'));
  const chrome: ChildProcess = spawn(
    CHROMIUM,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--remote-debugging-port=0',
      `--user-data-dir=${profile}`,
      `--window-size=${size}`,
      'about:blank',
    ],
    { stdio: 'ignore' },
  );
  const close = async (socket?: Socket) => {
    socket?.close();
    if (chrome.exitCode === null) {
      const exited = new Promise((resolve) => chrome.once('exit', resolve));
      chrome.kill('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
    }
    try {
      fs.rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    } catch {
      // Chromium's helpers can still be writing the profile as they exit; a left-over temporary
      // profile is harmless.
    }
  };
  try {
    // With port 0 Chromium picks a free port and writes it to DevToolsActivePort in the profile.
    let debugPort = 0;
    for (let i = 0; i < 200 && !debugPort; i++) {
      const file = path.join(profile, 'DevToolsActivePort');
      if (fs.existsSync(file)) debugPort = Number(fs.readFileSync(file, 'utf8').split('\n')[0]);
      if (!debugPort) await sleep(50);
    }
    if (!debugPort) throw new Error('Chromium did not open its DevTools port');
    let page: { type: string; webSocketDebuggerUrl: string } | undefined;
    for (let i = 0; i < 100 && !page; i++) {
      try {
        const targets = (await (await fetch(`http://127.0.0.1:${debugPort}/json`)).json()) as {
          type: string;
          webSocketDebuggerUrl: string;
        }[];
        page = targets.find((t) => t.type === 'page');
      } catch {
        await sleep(100);
      }
    }
    if (!page) throw new Error('no Chromium page target');
    const ws = new WebSocket(page.webSocketDebuggerUrl, { perMessageDeflate: false });
    await new Promise<void>((resolve) => ws.on('open', () => resolve()));
    let seq = 0;
    const pending = new Map<number, (m: Record<string, unknown>) => void>();
    const loaded: (() => void)[] = [];
    const problems: string[] = [];
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as {
        id?: number;
        method?: string;
        params?: Record<string, unknown>;
      };
      if (m.id !== undefined && pending.has(m.id)) {
        pending.get(m.id)!(m as Record<string, unknown>);
        pending.delete(m.id);
      }
      if (m.method === 'Page.loadEventFired') loaded.splice(0).forEach((fn) => fn());
      if (m.method === 'Runtime.exceptionThrown')
        problems.push(`exception: ${JSON.stringify(m.params).slice(0, 400)}`);
      if (m.method === 'Runtime.consoleAPICalled' && m.params?.type === 'error')
        problems.push(`console.error: ${JSON.stringify(m.params.args).slice(0, 400)}`);
    });
    const call = (method: string, params: Record<string, unknown> = {}) =>
      new Promise<Record<string, unknown>>((resolve) => {
        const id = ++seq;
        pending.set(id, resolve);
        ws.send(JSON.stringify({ id, method, params }));
      });
    await call('Runtime.enable');
    await call('Page.enable');
    const evaluate = async <T>(expression: string): Promise<T> => {
      const r = (await call('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true })) as {
        result: { result: { value: T }; exceptionDetails?: unknown };
      };
      if (r.result.exceptionDetails) throw new Error(JSON.stringify(r.result.exceptionDetails).slice(0, 500));
      return r.result.result.value;
    };
    return {
      problems,
      async navigate(url) {
        const done = new Promise<void>((resolve) => loaded.push(resolve));
        await call('Page.navigate', { url });
        await done;
      },
      evaluate,
      async waitFor(expression, what, capMs = 15000) {
        const start = Date.now();
        for (;;) {
          try {
            if (await evaluate<boolean>(`!!(${expression})`)) return;
          } catch {
            // the page is still loading
          }
          if (Date.now() - start > capMs) throw new Error(`timed out waiting for ${what}`);
          await sleep(100);
        }
      },
      async screenshot() {
        const r = (await call('Page.captureScreenshot', { format: 'png' })) as { result: { data: string } };
        return Buffer.from(r.result.data, 'base64');
      },
      close: () => close(ws),
    };
  } catch (err) {
    await close();
    throw err;
  }
}
