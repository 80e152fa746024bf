import { strict as assert } from 'node:assert';
import { afterEach, describe, it } from 'node:test';
import { isBusy, isDeviceGone } from '../../src/core/errors';
import { parseVisaResource } from '../../src/core/identity';
import { SimUsbtmcDevice, createSimUsbBackend } from '../../src/sim/visa/usbtmc-device';
import { openUsbtmcTransport } from '../../src/transport/usbtmc';
import type { UsbtmcTransport } from '../../src/transport/usbtmc';
import type { UsbBackend } from '../../src/transport/usbtmc-types';
import { createOpeners } from '../../src/transport/default-openers';
import { openMessage } from '../../src/transport/openers';
import { ScpiSession } from '../../src/visa/session';
import { EchoModel, IDN } from '../visa/echo-model';

const RESOURCE = { vendorId: 0x05e6, productId: 0x2281, serial: '4518305', usbInterface: 0 };
const opened: { close(): Promise<void> }[] = [];

async function open(
  device: SimUsbtmcDevice,
  extra: { maxTransferSize?: number; backend?: UsbBackend } = {},
): Promise<UsbtmcTransport> {
  const t = await openUsbtmcTransport(RESOURCE, {
    label: 'USB0::0x05E6::0x2281::4518305::0::INSTR',
    timeoutMs: 1000,
    backend: extra.backend ?? createSimUsbBackend([device]),
    maxTransferSize: extra.maxTransferSize,
  });
  opened.push(t);
  return t;
}

async function query(t: UsbtmcTransport, text: string, timeoutMs = 1000): Promise<string> {
  await t.write(Buffer.from(`${text}\n`));
  return (await t.read(timeoutMs)).toString('latin1');
}

afterEach(async () => {
  while (opened.length) await opened.pop()!.close();
});

describe('USBTMC transport on a simulated device', () => {
  it('reads the 53-byte *IDN? reply that spans two 64-byte packets, and asserts REN on open', async () => {
    const device = new SimUsbtmcDevice(new EchoModel(), { serial: '4518305' });
    const t = await open(device);
    assert.equal(device.stats.remote, true, 'REN_CONTROL(1) sent because capabilities allow it');
    assert.equal(await query(t, '*IDN?'), `${IDN}\n`);
    assert.equal(`${IDN}\n`.length, 53);
    assert.equal(device.stats.multiPacketTransfers, 1);
    const out = device.stats.bulkOut;
    assert.deepEqual(
      out.map((h) => [h.msgId, h.bTag]),
      [
        [1, 1],
        [2, 2],
      ],
    );
    assert.equal(out[0].attributes & 1, 1, 'EOM on the only transfer of the command');
  });

  it('reads long replies: many packets in one transfer, one packet per completion, and several transfers until EOM', async () => {
    const model = new EchoModel();
    const a = new SimUsbtmcDevice(model, { serial: '4518305' });
    const t1 = await open(a);
    assert.equal(await query(t1, 'LONG? 1000'), `${'x'.repeat(1000)}\n`);
    // 12 + 1001 bytes + 3 pad = 1016 bytes = 15.9 packets; an exact multiple needs a ZLP:
    // 12 + 115 + 1 pad = 128 = 2 packets exactly.
    assert.equal(await query(t1, 'LONG? 114'), `${'x'.repeat(114)}\n`);
    assert.equal(
      await query(t1, '*IDN?'),
      `${IDN}\n`,
      'the ZLP after an exact-multiple transfer is not taken for a header',
    );
    await t1.close();

    const b = new SimUsbtmcDevice(model, { serial: '4518305', onePacketPerTransferIn: true });
    const t2 = await open(b);
    assert.equal(await query(t2, 'LONG? 700'), `${'x'.repeat(700)}\n`);
    await t2.close();

    const c = new SimUsbtmcDevice(model, { serial: '4518305' });
    const t3 = await open(c, { maxTransferSize: 100 });
    assert.equal(await query(t3, 'LONG? 450'), `${'x'.repeat(450)}\n`);
    const requests = c.stats.bulkOut.filter((h) => h.msgId === 2);
    assert.equal(requests.length, 5, '451 bytes at 100 per transfer = 5 REQUEST_DEV_DEP_MSG_IN');
    assert.ok(requests.every((r) => r.transferSize === 100));
  });

  it('splits long commands into packet-sized DEV_DEP_MSG_OUT transfers with EOM only on the last', async () => {
    const model = new EchoModel();
    const device = new SimUsbtmcDevice(model, { serial: '4518305' });
    const t = await open(device);
    const text = 'y'.repeat(150);
    assert.equal(await query(t, `ECHO? ${text}`), `${text}\n`);
    const outs = device.stats.bulkOut.filter((h) => h.msgId === 1);
    assert.equal(outs.length, 3);
    assert.deepEqual(
      outs.map((h) => h.attributes & 1),
      [0, 0, 1],
    );
    assert.equal(
      outs.reduce((n, h) => n + h.transferSize, 0),
      157,
    );
  });

  it('never sends bTag 0 across the wrap', async () => {
    const device = new SimUsbtmcDevice(new EchoModel(), { serial: '4518305' });
    const t = await open(device);
    for (let i = 0; i < 140; i++) await query(t, '*IDN?');
    const tags = device.stats.bulkOut.map((h) => h.bTag);
    assert.ok(tags.length >= 280);
    assert.ok(!tags.includes(0));
    assert.ok(tags.includes(255) && tags.indexOf(1, 10) > tags.indexOf(255), 'wrapped from 255 to 1');
  });

  it('after a reply that never comes: TimeoutError, abort-IN with the request bTag, and the next query works', async () => {
    const device = new SimUsbtmcDevice(new EchoModel(), { serial: '4518305' });
    const t = await open(device);
    await t.write(Buffer.from('SILENT?\n'));
    await assert.rejects(t.read(150), (err: Error & { code?: string }) => err.code === 'E_TIMEOUT');
    assert.equal(device.stats.abortsIn, 1);
    assert.equal(t.stats.abortsIn, 1);
    assert.equal(await query(t, '*IDN?'), `${IDN}\n`);
  });

  it('device clear runs INITIATE_CLEAR, polls CHECK_CLEAR_STATUS past PENDING, clears the Bulk-OUT halt', async () => {
    const model = new EchoModel();
    const device = new SimUsbtmcDevice(model, { serial: '4518305' });
    const t = await open(device);
    await t.clear();
    assert.equal(device.stats.clears, 1);
    assert.equal(device.stats.clearHalts, 1);
    assert.equal(model.clears, 1);
    assert.equal(await query(t, '*IDN?'), `${IDN}\n`);
  });

  it('maps claim EBUSY to a busy error, unplug to a device-gone error, absence to E_NOT_FOUND', async () => {
    const model = new EchoModel();
    const busy = new SimUsbtmcDevice(model, { serial: '4518305', busy: true });
    await assert.rejects(
      open(busy),
      (err: Error & { code?: string }) => err.code === 'E_BUSY' && isBusy(err),
    );

    const device = new SimUsbtmcDevice(model, { serial: '4518305' });
    const t = await open(device);
    device.unplug();
    await assert.rejects(
      query(t, '*IDN?'),
      (err: Error & { code?: string }) => err.code === 'E_DISCONNECTED' && isDeviceGone(err),
    );
    await assert.rejects(open(device), (err: Error & { code?: string }) => err.code === 'E_NOT_FOUND');
    device.replug();
    const again = await open(device);
    assert.equal(await query(again, '*IDN?'), `${IDN}\n`);

    const other = new SimUsbtmcDevice(model, { serial: 'OTHER1' });
    await assert.rejects(open(device, { backend: createSimUsbBackend([other]) }), /serial OTHER1/);
  });

  it('matches the serial case-insensitively and works under a ScpiSession via the opener table', async () => {
    const device = new SimUsbtmcDevice(new EchoModel(), { serial: 'ab12cd' });
    const openers = createOpeners({ usb: createSimUsbBackend([device]) });
    const transport = await openMessage(openers, parseVisaResource('usb0::1510::8833::AB12CD::instr'));
    const session = new ScpiSession(transport, { timeoutMs: 500 });
    opened.push(session);
    assert.equal(await session.query('*IDN?'), IDN);
    await assert.rejects(
      session.write(':VOLT 25'),
      (err: Error & { deviceCode?: number }) => err.deviceCode === -222,
    );
  });
});
