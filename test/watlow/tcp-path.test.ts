/**
 * A Watlow controller behind a serial device server (`tcp://host:port`), end to end: the real
 * opener table's `tcp` entry, acquireSerialBus (protocol-only claim on network paths), the
 * controller's Std Bus and Modbus clients, a simulated bus served over loopback TCP.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ResourceRegistry } from '../../src/core/registry';
import { serveBusAsDeviceServer } from '../../src/sim/modbus/device-server';
import type { SimDeviceServer } from '../../src/sim/modbus/device-server';
import { SimulatedWatlowBus } from '../../src/sim/watlow/bus';
import { acquireSerialBus } from '../../src/transport/acquire';
import { createOpeners } from '../../src/transport/default-openers';
import { DEFAULT_SERIAL_SETTINGS } from '../../src/transport/types';
import { WatlowController, validateControllerConfig } from '../../src/watlow/controller';
import { WatlowManager } from '../../src/watlow/manager';

describe('Watlow on a tcp:// device server', () => {
  let bus: SimulatedWatlowBus;
  let server: SimDeviceServer;

  before(async () => {
    bus = new SimulatedWatlowBus('tcp-path-test', { addresses: [1, 2] });
    server = await serveBusAsDeviceServer(bus);
  });

  after(async () => {
    await server.close();
  });

  test('acquireSerialBus + WatlowController read and write over Modbus RTU through the device server', async () => {
    const registry = new ResourceRegistry({ graceMs: 0, log: () => undefined });
    const lease = acquireSerialBus(registry, createOpeners(), {
      path: server.url,
      settings: DEFAULT_SERIAL_SETTINGS,
      protocol: 'modbus',
      holder: 'tcp path test',
    });
    const controller = new WatlowController(
      lease,
      validateControllerConfig({ name: 'Oven', protocol: 'modbus', address: 1 }),
      { replyTimeoutMs: 500 },
    );
    try {
      bus.controller(1).set('setPoint', 61.5);
      assert.equal((await controller.read('setPoint')).value, 61.5);
      await controller.write('setPoint', 42.25);
      assert.equal(bus.controller(1).get('setPoint'), 42.25);
    } finally {
      controller.close();
      await registry.closeAll();
    }
  });

  test('WatlowManager on a tcp:// port: Std Bus controllers, one connection, baud rate not part of the claim', async () => {
    const registry = new ResourceRegistry({ graceMs: 0, log: () => undefined });
    const manager = new WatlowManager({ registry, openers: createOpeners() });
    try {
      manager.add('a', { port: server.url, protocol: 'stdbus', address: 1 });
      // Another baud rate on a device server is not a conflict: the server sets the line, not us.
      manager.add('b', {
        port: server.url.toUpperCase(),
        protocol: 'stdbus',
        address: 2,
        serial: { baudRate: 9600 },
      });
      bus.controller(2).set('setPoint', 75);
      assert.equal((await manager.get('b').read('setPoint')).value, 75);
      await manager.get('a').write('setPoint', 33);
      assert.equal(bus.controller(1).get('setPoint'), 33);
      assert.equal(registry.keys().length, 1, 'one shared connection for both spellings');
      // A second protocol on the same bus is still refused.
      assert.throws(() => manager.add('c', { port: server.url, protocol: 'modbus', address: 2 }), {
        code: 'E_PROTOCOL_CONFLICT',
      });
    } finally {
      await manager.close();
      await registry.closeAll();
    }
  });
});
