/**
 * The real OS serial stack: the client (registry → serialport) on one end of a socat PTY pair, the
 * simulator CLI in a child process (serialport) on the other.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResourceRegistry } from '../../src/core/registry';
import { WatlowManager } from '../../src/watlow/manager';
import * as fs from 'node:fs';
import { createOpeners } from '../../src/transport/default-openers';
import { makeTempDir, PtyPair, requireSocat, startSimulatorCli } from '../support/pty';
import { codeOf } from './helpers';

const line = { replyTimeoutMs: 500, retries: 2 };

test('over a real PTY: Std Bus then Modbus against the simulator CLI; unplug gives E_DISCONNECTED', async (t) => {
  if (!requireSocat(t)) return;
  const dir = makeTempDir('labbench-watlow-pty-');
  const pty = await PtyPair.start(dir);
  const sim = await startSimulatorCli(['watlow', '--serial', pty.b, '--addresses', '1,2']);
  // The real backends: OS serial ports through serialport.
  const openers = createOpeners();
  try {
    assert.match(sim.output(), /addresses 1,2/);
    // Std Bus.
    let registry = new ResourceRegistry({ graceMs: 0, log: () => undefined });
    let manager = new WatlowManager({ registry, openers });
    manager.add('oven', { port: pty.a, protocol: 'stdbus', address: 1, line });
    manager.add('kiln', { port: pty.a, protocol: 'stdbus', address: 2, line });
    const identity = await manager.get('oven').identify();
    assert.equal(identity.partNumber, 'PM3C1CC-1AAAAAA');
    assert.equal(identity.hardwareId, 28);
    assert.equal((await manager.get('kiln').write('setPoint', 180.5)).value, 180.5);
    assert.equal((await manager.get('oven').write('controlMode', 'manual')).value, 'manual');
    const samples = await manager.poll(['setPoint', 'controlMode', 'processValue']);
    assert.deepEqual(
      samples.map(
        (s) => `${s.controller}/${s.parameter}=${s.parameter === 'processValue' ? typeof s.value : s.value}`,
      ),
      [
        'oven/setPoint=75',
        'oven/controlMode=manual',
        'oven/processValue=number',
        'kiln/setPoint=180.5',
        'kiln/controlMode=auto',
        'kiln/processValue=number',
      ],
    );
    await assert.rejects(
      manager.get('oven').read('processValue', 2),
      (err: Error & { deviceCode?: number }) => err.deviceCode === 0x84,
    );
    await manager.close();
    await registry.closeAll();

    // Modbus on the same wire, after the Std Bus users let go (one protocol per port at a time).
    registry = new ResourceRegistry({ graceMs: 0, log: () => undefined });
    manager = new WatlowManager({ registry, openers });
    const oven = manager.add('oven', { port: pty.a, protocol: 'modbus', address: 1, line });
    assert.equal((await oven.read('setPoint')).value, 75);
    assert.equal(
      (await manager.get('oven').read('controlMode')).value,
      'manual',
      'state written over Std Bus',
    );
    assert.equal((await oven.write('setPoint', 99.25)).value, 99.25);
    const loop = await manager.poll(['heatPower', 'coolPower', 'outputPower']);
    assert.equal(loop.filter((s) => s.error).length, 0);

    // Pull the plug: the PTY's other side disappears.
    await pty.stop();
    await assert.rejects(oven.read('setPoint'), (err: Error) => {
      assert.equal(codeOf(err), 'E_DISCONNECTED', err.message);
      assert.match(err.message, new RegExp(pty.a.replace(/[/.]/g, '\\$&')));
      return true;
    });
    await manager.close();
    await registry.closeAll();
  } finally {
    await sim.stop();
    await pty.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
