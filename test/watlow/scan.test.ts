/**
 * Bus scan: finds exactly the simulated controllers (Std Bus 1..16 and a Modbus range), tells a
 * Modbus meter apart, stops on cancel, refuses a port another protocol holds, lets a running user
 * of the port keep its place, and does the same over a real PTY with the simulator on the far end.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResourceRegistry } from '../../src/core/registry';
import { serialKey } from '../../src/core/identity';
import { openStream } from '../../src/transport';
import { createSimulatedOpeners } from '../../src/sim';
import type { SerialSettings } from '../../src/transport/types';
import { runWatlowSimulator } from '../../src/sim/watlow';
import type { ByteStream } from '../../src/transport';

const backends = createSimulatedOpeners();
const openSerialStream = (path: string, settings: SerialSettings) =>
  openStream(backends.openers, path, settings);
const getSimulatedWatlowBus = (name: string) => backends.simulators.watlow.bus(name);
import { WatlowController } from '../../src/watlow/controller';
import { registryScanPort, scanBus, STD_BUS_ADDRESSES } from '../../src/watlow/scan';
import type { ScanProgress } from '../../src/watlow/scan';
import { makeTempDir, PtyPair, requireSocat } from '../support/pty';
import { codeOf, uniqueBus } from './helpers';

const SETTINGS: SerialSettings = { baudRate: 38400, dataBits: 8, parity: 'none', stopBits: 1 };

function portOn(registry: ResourceRegistry, path: string) {
  return registryScanPort(registry, {
    key: serialKey(path),
    label: path,
    holder: 'the bus scan',
    settings: { ...SETTINGS },
    open: (baudRate) => openSerialStream(path, { ...SETTINGS, baudRate: baudRate ?? SETTINGS.baudRate }),
  });
}

/** A Std Bus controller "Oven" at address 1 of a fresh simulated bus, holding the port through a lease. */
function ovenOnSimBus(busPrefix: string) {
  const name = uniqueBus(busPrefix);
  const path = `sim:${name}?addresses=1`;
  const registry = new ResourceRegistry({ graceMs: 0, log: () => undefined });
  const lease = registry.acquire<ByteStream>({
    key: serialKey(path),
    label: path,
    holder: 'labbench-watlow "Oven"',
    claim: { protocol: 'stdbus', settings: { ...SETTINGS } },
    open: () => openSerialStream(path, SETTINGS),
  });
  const oven = new WatlowController(lease, { name: 'Oven', protocol: 'stdbus', address: 1 });
  return { name, path, registry, lease, oven };
}

const MODBUS_RANGE = Array.from({ length: 12 }, (_, i) => i + 1);

test('finds exactly the simulated controllers, identified, and tells a Modbus meter apart', async () => {
  const name = uniqueBus('scan');
  const path = `sim:${name}?addresses=3,7&modbus=10`;
  const registry = new ResourceRegistry({ graceMs: 0, log: () => undefined });
  const progress: ScanProgress[] = [];
  const result = await scanBus(
    portOn(registry, path),
    { stdbus: STD_BUS_ADDRESSES, modbus: MODBUS_RANGE },
    { probeTimeoutMs: 80, onProgress: (p) => progress.push(p) },
  );
  assert.deepEqual(
    result.found.map((f) => `${f.protocol}/${f.address}`),
    ['stdbus/3', 'stdbus/7', 'modbus/3', 'modbus/7'],
  );
  const std = result.found[0]!;
  assert.equal(std.partNumber, 'PM3C1CC-1AAAAAA');
  assert.equal(typeof std.hardwareId, 'number');
  assert.equal(typeof std.firmwareId, 'number');
  assert.ok(std.serialNumber);
  assert.equal(typeof result.found[2]!.hardwareId, 'number');
  assert.equal(result.found[2]!.map, 1, 'the data map it answers');
  assert.deepEqual(
    result.others.map((o) => `${o.protocol}/${o.address}`),
    ['modbus/10'],
  );
  assert.equal(result.probed, 16 + 12);
  assert.equal(result.truncated, false);
  assert.equal(progress.at(-1)!.probed, 28);
  assert.equal(progress.at(-1)!.total, 28);
  assert.equal(getSimulatedWatlowBus(name).maxConcurrentTransactions, 1);
  await registry.closeAll();
});

test('cancel stops the scan at the next probe', async () => {
  const name = uniqueBus('scancancel');
  const registry = new ResourceRegistry({ graceMs: 0, log: () => undefined });
  const abort = new AbortController();
  const scan = scanBus(
    portOn(registry, `sim:${name}?addresses=1`),
    { stdbus: STD_BUS_ADDRESSES },
    {
      probeTimeoutMs: 80,
      signal: abort.signal,
      onProgress: (p) => {
        if (p.probed === 3) abort.abort(new Error('cancelled by the user'));
      },
    },
  );
  await assert.rejects(scan, /cancelled by the user/);
  const probesSent = getSimulatedWatlowBus(name).transactionCount;
  assert.ok(probesSent <= 3 + 4, `stopped early: ${probesSent} transactions`);
  await registry.closeAll();
});

test('refuses a port another protocol holds, naming the holder, before anything is sent', async () => {
  const { name, path, registry, lease, oven } = ovenOnSimBus('scanconflict');
  await oven.read('processValue');
  const before = getSimulatedWatlowBus(name).transactionCount;
  await assert.rejects(scanBus(portOn(registry, path), { modbus: [1, 2] }), (err: Error) => {
    assert.equal(codeOf(err), 'E_PROTOCOL_CONFLICT');
    assert.match(err.message, /Oven/);
    return true;
  });
  // Other baud rates would reopen a port somebody uses: refused too.
  await assert.rejects(
    scanBus(portOn(registry, path), { stdbus: [1], baudRates: [9600] }),
    /in use by other nodes/,
  );
  assert.equal(getSimulatedWatlowBus(name).transactionCount, before, 'nothing sent');
  lease.release({ immediate: true });
  await registry.closeAll();
});

test('a user of the port keeps its place: its read runs between two probes, not after the scan', async () => {
  const { path, registry, lease, oven } = ovenOnSimBus('scanfifo');
  let probedWhenRead = -1;
  let read: Promise<unknown> | undefined;
  let last: ScanProgress | undefined;
  const result = await scanBus(
    portOn(registry, path),
    { stdbus: STD_BUS_ADDRESSES },
    {
      probeTimeoutMs: 80,
      onProgress: (p) => {
        last = p;
        if (p.probed === 4 && !read)
          read = oven.read('processValue').then(() => (probedWhenRead = last!.probed));
      },
    },
  );
  await read;
  assert.ok(probedWhenRead >= 4 && probedWhenRead <= 6, `read done after probe ${probedWhenRead} of 16`);
  assert.deepEqual(
    result.found.map((f) => f.address),
    [1],
  );
  lease.release({ immediate: true });
  await registry.closeAll();
});

test('over a real PTY with the simulator on the far end: finds exactly its controllers', async (t) => {
  if (!requireSocat(t)) return;
  const pty = await PtyPair.start(makeTempDir());
  const sim = await runWatlowSimulator(['--serial', pty.b, '--addresses', '2,5', '--modbus', '9']);
  const registry = new ResourceRegistry({ graceMs: 0, log: () => undefined });
  try {
    // Absent addresses each cost a whole probe timeout, so the range is a few addresses on each
    // side of the controllers; the timeout leaves a loaded machine room to answer the ones present
    // (at 60 ms a busy CI runner missed one).
    const result = await scanBus(
      portOn(registry, pty.a),
      { stdbus: [1, 2, 3, 5, 16], modbus: [1, 2, 5, 9, 10] },
      { probeTimeoutMs: 400 },
    );
    assert.deepEqual(
      result.found.map((f) => `${f.protocol}/${f.address}`),
      ['stdbus/2', 'stdbus/5', 'modbus/2', 'modbus/5'],
    );
    assert.deepEqual(
      result.others.map((o) => `${o.protocol}/${o.address}`),
      ['modbus/9'],
    );
    assert.equal(result.found[0]!.partNumber, 'PM3C1CC-1AAAAAA');
  } finally {
    await registry.closeAll();
    await sim.close();
    await pty.stop();
  }
});
