/**
 * `npm start` on a port that is taken says so, and says how to choose another port, before it
 * touches the user directory or starts Node-RED.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { it } from 'node:test';

const START = path.resolve(__dirname, '..', '..', '..', 'scripts', 'start.js');

function run(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [START], { env: { ...process.env, ...env }, stdio: 'pipe' });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

it('a port in use fails with a message naming PORT and a free alternative', async () => {
  const taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as net.AddressInfo).port;
  try {
    const { code, stderr } = await run({ PORT: String(port), LABBENCH_HOST: '127.0.0.1' });
    assert.equal(code, 1);
    assert.match(stderr, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use`));
    assert.match(stderr, new RegExp(`PORT=${port + 1} npm start`));
  } finally {
    await new Promise((resolve) => taken.close(resolve));
  }
});
