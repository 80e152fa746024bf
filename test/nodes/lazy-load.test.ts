/**
 * What the package costs a Node-RED that has it installed but runs no labbench node: the flow
 * nodes check their configuration at deploy, so the Watlow, Keithley and Modbus codecs and the
 * core load with the package; the simulators, the transports behind the opener table (serial,
 * TCP, USB, VXI-11, HiSLIP, ASRL) and the VISA sessions must wait until a flow or an editor
 * request uses them. A real Node-RED 4.1 in its own process (the footprint bench's child) starts
 * an empty flow and reports the package modules it loaded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const CHILD = path.join(__dirname, '..', '..', 'bench', 'footprint-child.js');

/** Modules an empty flow must not load (paths relative to dist/). */
const LOADED_ON_FIRST_USE: { what: string; pattern: RegExp }[] = [
  { what: 'simulator', pattern: /^src\/sim\// },
  {
    what: 'transport behind the opener table',
    pattern:
      /^src\/transport\/(?:serial|tcp|tcp-stream|usb-backend|usbtmc|usbtmc-claim|vxi11|vxi11-rpc|hislip|hislip-channel|asrl|sim-link)\.js$/,
  },
  {
    what: 'VISA session or discovery module',
    pattern: /^src\/visa\/(?:session|open|discovery[\w-]*|scpi-program|blocks)\.js$/,
  },
];

interface ChildReport {
  moduleFiles: string[];
}

function startEmptyFlow(): Promise<ChildReport> {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'labbench-lazy-'));
  fs.writeFileSync(path.join(userDir, 'flows.json'), '[]');
  const child = fork(CHILD, [], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    env: { ...process.env, LABBENCH_USERDIR: userDir, LABBENCH_WITH_PACKAGE: '1', LABBENCH_SETTLE_MS: '200' },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  return new Promise<ChildReport>((resolve, reject) => {
    child.once('message', (m) => resolve(m as ChildReport));
    child.once('exit', (code) =>
      reject(new Error(`Node-RED child exited (${code}) before reporting: ${stderr}`)),
    );
  }).finally(() => {
    child.kill();
    fs.rmSync(userDir, { recursive: true, force: true });
  });
}

test('an empty flow loads the package without its simulators, transports or VISA sessions', async () => {
  const { moduleFiles } = await startEmptyFlow();
  assert.ok(
    moduleFiles.some((f) => f.startsWith('nodes/')),
    'the package was loaded (its node modules are in require.cache)',
  );
  for (const { what, pattern } of LOADED_ON_FIRST_USE) {
    assert.deepEqual(
      moduleFiles.filter((f) => pattern.test(f)),
      [],
      `no ${what} loads before a flow uses it`,
    );
  }
});
