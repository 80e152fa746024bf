/**
 * POST labbench/visa-discover through a real Node-RED runtime, with discovery pointed at loopback
 * responders (UDP portmapper and mDNS on 127.0.0.1) and a simulated USBTMC device: the three
 * outcomes, one entry per instrument, and GET refused (discovery is an action, not a listing).
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { createSimUsbBackend, SimUsbtmcDevice } from '../../src/sim/visa/usbtmc-device';
import type { DiscoveryOptions } from '../../src/visa/discovery';
import type { DiscoverAnswer } from '../../nodes/shared/visa-discover';
import { setVisaDiscoveryBackends } from '../../nodes/shared/visa-discover';
import {
  MdnsResponder,
  PortmapperResponder,
  loopbackMdns,
  loopbackSocket,
} from '../visa/discovery-responders';
import { EchoModel } from '../visa/echo-model';
import { simulatedOpenersWith } from '../support/backends';
import type { Harness } from './harness';
import { PACKAGE_NODES } from './harness';

type Agent = {
  post(url: string): { expect(status: number): Promise<{ body: unknown }> };
  get(url: string): { expect(status: number): Promise<{ body: unknown }> };
};

/** Loopback responders standing in for one LAN instrument seen by VXI-11 and by mDNS. */
export async function loopbackInstrument(): Promise<{
  backends: (timeoutMs: number) => DiscoveryOptions;
  silent: (timeoutMs: number) => DiscoveryOptions;
  refused: (timeoutMs: number) => DiscoveryOptions;
  queries: () => number;
  close: () => Promise<void>;
}> {
  const pm = await PortmapperResponder.start(['vxi11']);
  const quiet = await PortmapperResponder.start(['silent']);
  const md = await MdnsResponder.start((q) =>
    q.some((x) => x.type === 'PTR')
      ? [
          {
            answers: [{ name: '_hislip._tcp.local', type: 'PTR', data: 'Bench DMM._hislip._tcp.local' }],
            additionals: [
              {
                name: 'Bench DMM._hislip._tcp.local',
                type: 'SRV',
                data: { port: 4880, target: 'dmm.local', priority: 0, weight: 0 },
              },
              { name: 'dmm.local', type: 'A', data: '127.0.0.1' },
              { name: 'Bench DMM._hislip._tcp.local', type: 'TXT', data: [Buffer.from('Model=DMM7510')] },
            ],
          },
        ]
      : [],
  );
  const usb = createSimUsbBackend([new SimUsbtmcDevice(new EchoModel(), { serial: '4518305' })]);
  const withDevice = simulatedOpenersWith(usb, ['2281S']).openers;
  const empty = simulatedOpenersWith(createSimUsbBackend([]), ['2281S']).openers;
  const noAccess = simulatedOpenersWith(
    { getDevices: () => Promise.reject(new Error('/sys/bus/usb/devices/ not found')) },
    [],
  ).openers;
  const openSocket = () => loopbackSocket();
  return {
    backends: (timeoutMs) => ({
      timeoutMs,
      openers: withDevice,
      vxi11: { openSocket, targets: [{ address: '127.0.0.1', port: pm.port }] },
      mdns: { create: loopbackMdns, target: { address: '127.0.0.1', port: md.port } },
    }),
    silent: (timeoutMs) => ({
      timeoutMs,
      openers: empty,
      vxi11: { openSocket, targets: [{ address: '127.0.0.1', port: quiet.port }] },
    }),
    refused: (timeoutMs) => ({
      timeoutMs,
      openers: noAccess,
      vxi11: {
        openSocket: () => Promise.reject(new Error('EPERM')),
        targets: [{ address: '127.0.0.1', port: 9 }],
      },
    }),
    queries: () => pm.calls.length + md.queries.length,
    close: async () => {
      await Promise.all([pm.close(), quiet.close(), md.destroy()]);
    },
  };
}

export function discoverCases(h: () => Harness): void {
  describe('POST labbench/visa-discover', () => {
    let lan: Awaited<ReturnType<typeof loopbackInstrument>>;
    before(async () => {
      lan = await loopbackInstrument();
    });
    after(async () => {
      setVisaDiscoveryBackends(undefined);
      await lan.close();
    });

    async function discover(): Promise<DiscoverAnswer> {
      await h().helper.load(PACKAGE_NODES, [
        { id: 'v', type: 'labbench-visa', resource: 'SIM::2281S::DEMO01::INSTR' },
      ]);
      const agent = h().helper.request() as unknown as Agent;
      const res = await agent.post('/labbench/visa-discover?timeout=500').expect(200);
      return res.body as DiscoverAnswer;
    }

    it('found: the USB device, the VXI-11 host, the HiSLIP service from mDNS, then the simulators', async () => {
      setVisaDiscoveryBackends(lan.backends);
      const answer = await discover();
      assert.equal(answer.outcome, 'found');
      assert.equal(answer.timeoutMs, 500);
      assert.deepEqual(
        answer.resources.map((r) => r.value),
        [
          'USB0::0x05E6::0x2281::4518305::INSTR',
          'TCPIP0::127.0.0.1::inst0::INSTR',
          'TCPIP0::127.0.0.1::hislip0::INSTR',
          'SIM::2281S::DEMO01::INSTR',
        ],
      );
      assert.match(answer.resources[2].label, /Bench DMM.*DMM7510.*mdns/);
    });

    it('nothing found: the search ran, no instrument answered, simulators still listed', async () => {
      setVisaDiscoveryBackends(lan.silent);
      const answer = await discover();
      assert.equal(answer.outcome, 'nothing-found');
      assert.deepEqual(
        answer.resources.map((r) => r.value),
        ['SIM::2281S::DEMO01::INSTR'],
      );
    });

    it('not allowed here: no method could search, each says why', async () => {
      setVisaDiscoveryBackends(lan.refused);
      const answer = await discover();
      assert.equal(answer.outcome, 'not-allowed');
      assert.deepEqual(answer.resources, []);
      const reasons = answer.methods.filter((m) => !m.searched).map((m) => `${m.method}: ${m.reason}`);
      assert.equal(reasons.length, 2, reasons.join('; '));
      assert.match(reasons.join('; '), /usb: .*no USB access.*vxi11: .*EPERM/);
    });

    it('GET does not discover (an action, not a listing), and loading the editor sends nothing', async () => {
      setVisaDiscoveryBackends(lan.backends);
      const before = lan.queries();
      await h().helper.load(PACKAGE_NODES, [
        { id: 'v', type: 'labbench-visa', resource: 'SIM::2281S::DEMO01::INSTR' },
      ]);
      const agent = h().helper.request() as unknown as Agent;
      await agent.get('/labbench/visa-discover').expect(404);
      await agent.get('/labbench/visa-resources').expect(200);
      assert.equal(lan.queries(), before);
    });
  });
}
