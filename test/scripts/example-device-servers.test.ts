/**
 * `npm start` runs the simulated device servers the examples expect: read off the examples
 * themselves, started as real `labbench-sim watlow --tcp` child processes, and answering a Watlow
 * controller over a real loopback socket. The command each example tells a user to run is the
 * one `npm start` runs.
 */
import { strict as assert } from 'node:assert';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { it } from 'node:test';
import { ResourceRegistry } from '../../src/core/registry';
import { createOpeners } from '../../src/transport/default-openers';
import { WatlowManager } from '../../src/watlow/manager';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const EXAMPLES = path.join(ROOT, 'examples');

interface ExampleDeviceServers {
  deviceServersOfExamples(examples: string): Map<string, { file: string; addresses: number[] }>;
  simulatorArgs(listen: string, addresses: number[]): string[];
  startDeviceServers(options: {
    examples: string;
    log: (line: string) => void;
    listenOn?: (configured: string) => string;
  }): ChildProcess[];
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const servers = require(path.join(ROOT, 'scripts', 'example-device-servers.js')) as ExampleDeviceServers;

it('each device-server example tells a user the command npm start runs for it', () => {
  const found = servers.deviceServersOfExamples(EXAMPLES);
  assert.ok(found.size > 0, 'an example reaches a device server');
  for (const [listen, { file, addresses }] of found) {
    const flow = JSON.parse(fs.readFileSync(path.join(EXAMPLES, file), 'utf8')) as {
      type: string;
      info?: string;
    }[];
    const command = `npx labbench-sim ${servers.simulatorArgs(listen, addresses).join(' ')}`;
    assert.ok(
      flow.find((n) => n.type === 'tab')?.info?.includes(command),
      `${file}: the tab's info says ${command}`,
    );
    assert.ok(
      flow.some((n) => n.type === 'comment' && String(n.info).includes(command)),
      `${file}: a comment node says ${command}`,
    );
  }
});

it('npm start serves each device server as a child process that a Watlow controller reads through', async () => {
  const lines: string[] = [];
  let announced: (url: string) => void = () => undefined;
  const ready = new Promise<string>((resolve) => (announced = resolve));
  // Port 0: the test must not depend on 4001 being free on a shared machine.
  const children = servers.startDeviceServers({
    examples: EXAMPLES,
    listenOn: () => '127.0.0.1:0',
    log: (line) => {
      lines.push(line);
      const url = /device server (tcp:\/\/127\.0\.0\.1:\d+)/.exec(line)?.[1];
      if (url) announced(url);
    },
  });
  const registry = new ResourceRegistry({ graceMs: 0, log: () => undefined });
  const manager = new WatlowManager({ registry, openers: createOpeners() });
  try {
    assert.equal(children.length, servers.deviceServersOfExamples(EXAMPLES).size);
    const url = await Promise.race([
      ready,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`no ready line: ${lines.join(' | ')}`)), 15_000).unref(),
      ),
    ]);
    assert.match(lines.join('\n'), /labbench: device server for examples\/watlow-device-server\.json: /);
    const oven = manager.add('oven', { port: url, protocol: 'stdbus', address: 1 });
    const sample = await oven.read('processValue');
    assert.equal(typeof sample.value, 'number');
  } finally {
    await manager.close();
    await registry.closeAll();
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      ),
    );
  }
});
