import { strict as assert } from 'node:assert';
import { after, afterEach, describe, it } from 'node:test';
import fc from 'fast-check';
import { FakeClock } from '../../src/core/clock';
import { parseVisaResource } from '../../src/core/identity';
import { createSimUsbBackend, SimUsbtmcDevice } from '../../src/sim/visa/usbtmc-device';
import { PORTMAPPER, DEVICE_CORE, decodeGetPort } from '../../src/transport/vxi11-messages';
import type { UsbBackend } from '../../src/transport/usbtmc-types';
import { anySearched, discoverVisaResources } from '../../src/visa/discovery';
import type { DiscoveredResource, DiscoveryOptions, DiscoveryResult } from '../../src/visa/discovery';
import type { DnsRecord } from '../../src/visa/discovery-dnssd';
import { resourcesFromDnssd } from '../../src/visa/discovery-dnssd';
import { broadcastTargets } from '../../src/visa/discovery-system';
import { decodePortmapperProbeReply, encodePortmapperProbe } from '../../src/visa/discovery-vxi11';
import { AcceptStat, XdrWriter, encodeReply } from '../../src/transport/vxi11-xdr';
import {
  CountingSocketFactory,
  MdnsResponder,
  PortmapperResponder,
  loopbackMdns,
  loopbackSocket,
  sentTo,
} from './discovery-responders';
import type { MdnsQuestion, MdnsReply, PortmapperBehaviour } from './discovery-responders';
import { EchoModel } from './echo-model';
import { simulatedOpenersWith } from '../support/backends';

const TIMEOUT = 3000;

/** Starts a discovery on a fake clock; `finish` moves the clock to the deadline and returns the result. */
/** VXI-11 discovery asking only the portmapper on loopback `port`, through `sockets`. */
function portmapperOn(sockets: CountingSocketFactory, port: number, more: { resendAfterMs?: number } = {}) {
  return { openSocket: sockets.open, targets: [{ address: '127.0.0.1', port }], ...more };
}

function start(options: Omit<DiscoveryOptions, 'clock' | 'onResource'>) {
  const clock = new FakeClock();
  const found: DiscoveredResource[] = [];
  const waiters: { pred: (r: DiscoveredResource) => boolean; resolve: () => void }[] = [];
  let settled = false;
  const result = discoverVisaResources({
    ...options,
    timeoutMs: options.timeoutMs ?? TIMEOUT,
    clock,
    onResource: (r) => {
      found.push(r);
      for (const w of waiters.splice(0)) {
        if (w.pred(r)) w.resolve();
        else waiters.push(w);
      }
    },
  }).finally(() => {
    settled = true;
  });
  return {
    clock,
    isSettled: () => settled,
    /** Resolves when an entry matching `pred` has been announced (real socket time, no clock). */
    seen(pred: (r: DiscoveredResource) => boolean): Promise<void> {
      if (found.some(pred)) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ pred, resolve }));
    },
    async finish(): Promise<DiscoveryResult> {
      await clock.advance(options.timeoutMs ?? TIMEOUT);
      return result;
    },
  };
}

function names(result: DiscoveryResult): string[] {
  return result.resources.map((r) => r.resource).sort();
}

afterEach(() => {
  assert.deepEqual(
    sentTo.filter((a) => a !== '127.0.0.1' && a !== '::1'),
    [],
    'a test socket tried to send beyond loopback',
  );
});

describe('discovery: USBTMC', () => {
  it('lists each USBTMC interface as a resource string with maker, model and serial', async () => {
    const usb = createSimUsbBackend([new SimUsbtmcDevice(new EchoModel(), { serial: '4518305' })]);
    const result = await discoverVisaResources({
      openers: simulatedOpenersWith(usb, []).openers,
      clock: new FakeClock(),
    });
    assert.deepEqual(names(result), ['USB0::0x05E6::0x2281::4518305::INSTR']);
    assert.deepEqual(result.resources[0].via, ['usb']);
    assert.equal(result.resources[0].serial, '4518305');
    assert.deepEqual(result.usb, { available: true, reason: undefined });
  });

  it('a serial number a resource string cannot hold is listed as unreadable, with the note', async () => {
    for (const serial of ['AB::CD', 'X\u0001Y', 'A B']) {
      const usb = createSimUsbBackend([new SimUsbtmcDevice(new EchoModel(), { serial })]);
      const { openers } = simulatedOpenersWith(usb, []);
      const result = await discoverVisaResources({ openers, clock: new FakeClock() });
      assert.deepEqual(
        result.resources.map((r) => [r.resource, r.serial]),
        [['USB0::0x05E6::0x2281::?::INSTR', undefined]],
        JSON.stringify(serial),
      );
      assert.match(result.resources[0].note ?? '', /serial number unreadable/);
    }
  });

  it('without USB access: no entries, the reason, and the method marked as not searched', async () => {
    const usb: UsbBackend = {
      getDevices: () => Promise.reject(new Error('/sys/bus/usb/devices/ not found')),
    };
    const result = await discoverVisaResources({
      openers: simulatedOpenersWith(usb, []).openers,
      clock: new FakeClock(),
    });
    assert.deepEqual(result.resources, []);
    assert.equal(result.methods[0].searched, false);
    assert.match(result.methods[0].reason ?? '', /no USB access.*\/sys\/bus\/usb/);
    assert.equal(anySearched(result), false);
  });

  it('a USB backend that never answers is given up at the deadline, not waited for', async () => {
    const usb: UsbBackend = { getDevices: () => new Promise(() => undefined) };
    const run = start({ openers: simulatedOpenersWith(usb, []).openers });
    await run.clock.advance(TIMEOUT - 1);
    assert.equal(run.isSettled(), false);
    const result = await run.finish();
    assert.deepEqual(result.resources, []);
    assert.match(result.methods[0].reason ?? '', /did not finish in time/);
  });

  it('simulated instruments are listed with the real ones', async () => {
    const { openers, simulators } = simulatedOpenersWith(createSimUsbBackend([]), ['DMM']);
    simulators.dmm('D1');
    const result = await discoverVisaResources({ openers, clock: new FakeClock() });
    assert.deepEqual(names(result), ['SIM::DMM::D1::INSTR']);
    assert.equal(result.resources[0].kind, 'sim');
  });
});

describe('discovery: VXI-11 portmapper broadcast (loopback responder)', () => {
  const responders: PortmapperResponder[] = [];
  after(async () => Promise.all(responders.map((r) => r.close())));

  async function responder(...b: PortmapperBehaviour[]): Promise<PortmapperResponder> {
    const r = await PortmapperResponder.start(b);
    responders.push(r);
    return r;
  }

  it('sends GETPORT(DEVICE_CORE v1, TCP) and lists a host that answers with a port', async () => {
    const pm = await responder('vxi11');
    const sockets = new CountingSocketFactory();
    const run = start({
      vxi11: portmapperOn(sockets, pm.port),
    });
    await run.seen((r) => r.resource === 'TCPIP0::127.0.0.1::inst0::INSTR');
    const result = await run.finish();
    assert.deepEqual(names(result), ['TCPIP0::127.0.0.1::inst0::INSTR']);
    assert.deepEqual(result.resources[0].via, ['vxi11']);
    assert.equal(pm.calls.length, 1);
    const call = pm.calls[0];
    assert.deepEqual(
      [call.prog, call.vers, call.proc],
      [PORTMAPPER.PROG, PORTMAPPER.VERS, PORTMAPPER.PROC_GETPORT],
    );
    assert.deepEqual(decodeGetPort(call.args), {
      prog: DEVICE_CORE.PROG,
      vers: 1,
      prot: PORTMAPPER.PROTO_TCP,
    });
    assert.equal(anySearched(result), true);
  });

  it('garbage, a portmapper without VXI-11 and a reply to another call: no entry, no crash, all counted', async () => {
    const pm = await responder('garbage', 'no-vxi11', 'wrong-xid');
    const sockets = new CountingSocketFactory();
    const run = start({
      vxi11: portmapperOn(sockets, pm.port),
    });
    await sockets.handledAtLeast(3);
    const result = await run.finish();
    assert.deepEqual(result.resources, []);
    assert.equal(result.methods[0].searched, true);
    assert.equal(result.methods[0].ignored, 3);
  });

  it('nothing answers: an empty list once the time is up, and the search counted as done', async () => {
    const silent = await responder('silent');
    const sockets = new CountingSocketFactory();
    const run = start({
      vxi11: portmapperOn(sockets, silent.port, { resendAfterMs: 1000 }),
    });
    await run.clock.advance(TIMEOUT - 1);
    assert.equal(run.isSettled(), false, 'must listen for the whole time');
    const result = await run.finish();
    assert.deepEqual(result.resources, []);
    assert.deepEqual(
      result.methods.map((m) => [m.method, m.searched]),
      [['vxi11', true]],
    );
    assert.equal(run.clock.pendingTimers, 0, 'the resend timer is cancelled');
  });

  it('asks again after resendAfterMs (a lost datagram), and lists the host once', async () => {
    const pm = await responder('vxi11');
    const sockets = new CountingSocketFactory();
    const run = start({
      vxi11: portmapperOn(sockets, pm.port, { resendAfterMs: 1000 }),
    });
    await sockets.handledAtLeast(1);
    await run.clock.advance(1000);
    await sockets.handledAtLeast(2);
    const result = await run.finish();
    assert.equal(pm.calls.length, 2);
    assert.deepEqual(names(result), ['TCPIP0::127.0.0.1::inst0::INSTR']);
  });

  it('no socket (e.g. not allowed here): not searched, with the reason', async () => {
    const run = start({
      vxi11: {
        openSocket: () => Promise.reject(new Error('EACCES')),
        targets: [{ address: '127.0.0.1', port: 9 }],
      },
    });
    const result = await run.finish();
    assert.equal(result.methods[0].searched, false);
    assert.match(result.methods[0].reason ?? '', /EACCES/);
    assert.equal(anySearched(result), false);
  });

  it('probe codec: only a success reply to our xid with a real port counts', () => {
    const port = (n: number) => new XdrWriter().uint(n).toBuffer();
    assert.equal(decodePortmapperProbeReply(encodeReply(7, AcceptStat.SUCCESS, port(1024)), 7), 1024);
    assert.equal(decodePortmapperProbeReply(encodeReply(8, AcceptStat.SUCCESS, port(1024)), 7), undefined);
    assert.equal(decodePortmapperProbeReply(encodeReply(7, AcceptStat.SUCCESS, port(0)), 7), undefined);
    assert.equal(decodePortmapperProbeReply(encodeReply(7, AcceptStat.SUCCESS, port(70000)), 7), undefined);
    assert.equal(decodePortmapperProbeReply(encodeReply(7, AcceptStat.PROG_UNAVAIL), 7), undefined);
    assert.equal(decodePortmapperProbeReply(encodePortmapperProbe(7), 7), undefined, 'a call is not a reply');
    assert.equal(decodePortmapperProbeReply(Buffer.alloc(3), 7), undefined);
  });

  it('broadcast targets: each external IPv4 subnet plus the limited broadcast, port 111', () => {
    const targets = broadcastTargets({
      lo: [
        { address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', internal: true, mac: '', cidr: null },
      ],
      eth0: [
        {
          address: '192.168.7.23',
          netmask: '255.255.255.0',
          family: 'IPv4',
          internal: false,
          mac: '',
          cidr: null,
        },
        {
          address: 'fe80::1',
          netmask: 'ffff:ffff:ffff:ffff::',
          family: 'IPv6',
          internal: false,
          mac: '',
          cidr: null,
          scopeid: 2,
        },
      ],
      tun0: [
        {
          address: '10.8.0.6',
          netmask: '255.255.255.255',
          family: 'IPv4',
          internal: false,
          mac: '',
          cidr: null,
        },
      ],
      eth1: [
        {
          address: '10.20.30.40',
          netmask: '255.255.240.0',
          family: 'IPv4',
          internal: false,
          mac: '',
          cidr: null,
        },
      ],
    });
    assert.deepEqual(targets, [
      { address: '192.168.7.255', port: 111 },
      { address: '10.20.31.255', port: 111 },
      { address: '255.255.255.255', port: 111 },
    ]);
  });
});

const HOST = 'bench-dmm.local';
const ptr = (service: string, instance: string): DnsRecord => ({
  name: `_${service}._tcp.local`,
  type: 'PTR',
  data: `${instance}._${service}._tcp.local`,
});
const srv = (service: string, instance: string, port: number, target = HOST): DnsRecord => ({
  name: `${instance}._${service}._tcp.local`,
  type: 'SRV',
  data: { port, target, priority: 0, weight: 0 },
});
const a = (name = HOST, address = '127.0.0.1'): DnsRecord => ({ name, type: 'A', data: address });
const txt = (service: string, instance: string, pairs: string[]): DnsRecord => ({
  name: `${instance}._${service}._tcp.local`,
  type: 'TXT',
  data: pairs.map((p) => Buffer.from(p)),
});

describe('discovery: DNS-SD records to resource strings', () => {
  it('maps each service type, resolving the SRV target through its A record', () => {
    const { resources, unusable } = resourcesFromDnssd([
      ptr('scpi-raw', 'DMM'),
      ptr('hislip', 'DMM'),
      ptr('vxi-11', 'DMM'),
      ptr('hislip', 'Scope'),
      srv('scpi-raw', 'DMM', 5025),
      srv('hislip', 'DMM', 4880),
      srv('vxi-11', 'DMM', 111),
      srv('hislip', 'Scope', 4881, 'scope.local'),
      a(),
      txt('hislip', 'DMM', ['Manufacturer=Keysight', 'Model=34465A', 'SerialNumber=MY123']),
    ]);
    assert.equal(unusable, 0);
    assert.deepEqual(
      resources.map((r) => r.resource),
      [
        'TCPIP0::127.0.0.1::hislip0::INSTR',
        'TCPIP0::scope.local::hislip0,4881::INSTR',
        'TCPIP0::127.0.0.1::inst0::INSTR',
        'TCPIP0::127.0.0.1::5025::SOCKET',
      ],
    );
    assert.deepEqual(
      [resources[0].name, resources[0].manufacturer, resources[0].model, resources[0].serial],
      ['DMM', 'Keysight', '34465A', 'MY123'],
    );
  });

  it('refuses what cannot make a valid resource string and reports what is missing', () => {
    const m = resourcesFromDnssd([
      ptr('scpi-raw', 'NoSrv'),
      ptr('scpi-raw', 'BadTarget'),
      srv('scpi-raw', 'BadTarget', 5025, 'evil::host'),
      ptr('scpi-raw', 'ZeroPort'),
      srv('scpi-raw', 'ZeroPort', 0),
      ptr('printer', 'NotAnInstrument'),
      srv('printer', 'NotAnInstrument', 631),
      { name: 'x', type: 'SRV', data: 'not an object' },
      { name: 'y', type: 'A', data: '999.1.1.1' },
      null as unknown as DnsRecord,
    ]);
    assert.deepEqual(m.resources, []);
    assert.equal(m.unusable, 1, 'the SRV target with "::"');
    assert.deepEqual(m.missingSrv.sort(), ['nosrv._scpi-raw._tcp.local', 'zeroport._scpi-raw._tcp.local']);
  });
});

describe('discovery: decoders under arbitrary input', () => {
  it('the portmapper reply decoder never throws and only yields real ports', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.nat(), (bytes, xid) => {
        const port = decodePortmapperProbeReply(Buffer.from(bytes), xid);
        return port === undefined || (Number.isInteger(port) && port >= 1 && port <= 65535);
      }),
    );
  });

  it('the DNS-SD mapper never throws and lists only resource strings the parser accepts', () => {
    const service = fc.constantFrom(
      '_hislip._tcp.local',
      '_vxi-11._tcp.local',
      '_lxi._tcp.local',
      '_scpi-raw._tcp.local',
      'x',
    );
    const name = fc.oneof(
      fc.constantFrom('i', 'h.local', 'i._hislip._tcp.local'),
      fc.string({ maxLength: 20 }),
    );
    const record = fc.oneof(
      fc.record({ name: service, type: fc.constant('PTR'), data: name }),
      fc.record({
        name,
        type: fc.constant('SRV'),
        data: fc.oneof(fc.record({ port: fc.integer({ min: -5, max: 70000 }), target: name }), fc.anything()),
      }),
      fc.record({ name, type: fc.constant('A'), data: fc.oneof(fc.ipV4(), fc.string()) }),
      fc.record({ name, type: fc.constant('TXT'), data: fc.anything() }),
      fc.record({ name: fc.anything(), type: fc.string(), data: fc.anything() }),
    );
    fc.assert(
      fc.property(fc.array(record, { maxLength: 12 }), (records) => {
        const m = resourcesFromDnssd(records as DnsRecord[]);
        for (const r of m.resources) parseVisaResource(r.resource);
        return true;
      }),
    );
  });
});

describe('discovery: mDNS (unicast on 127.0.0.1, multicast off)', () => {
  const responders: MdnsResponder[] = [];
  after(async () => Promise.all(responders.map((r) => r.destroy())));

  async function responder(answer: (q: MdnsQuestion[]) => MdnsReply[]): Promise<MdnsResponder> {
    const r = await MdnsResponder.start(answer);
    responders.push(r);
    return r;
  }

  it('asks for the four instrument services, follows up a missing SRV, and lists what answers', async () => {
    const r = await responder((questions) => {
      if (questions.some((q) => q.type === 'PTR'))
        return [
          {
            answers: [ptr('hislip', 'DMM'), ptr('scpi-raw', 'DMM'), ptr('lxi', 'DMM')],
            additionals: [srv('hislip', 'DMM', 4880), srv('lxi', 'DMM', 80), a()],
          },
        ];
      if (questions.some((q) => q.type === 'SRV' && q.name === 'dmm._scpi-raw._tcp.local'))
        return [{ answers: [srv('scpi-raw', 'DMM', 5025)] }];
      return [];
    });
    const run = start({ mdns: { create: loopbackMdns, target: { address: '127.0.0.1', port: r.port } } });
    await run.seen((x) => x.resource === 'TCPIP0::127.0.0.1::5025::SOCKET');
    const result = await run.finish();
    assert.deepEqual(names(result), [
      'TCPIP0::127.0.0.1::5025::SOCKET',
      'TCPIP0::127.0.0.1::hislip0::INSTR',
      'TCPIP0::127.0.0.1::inst0::INSTR',
    ]);
    assert.deepEqual(r.queries[0].map((q) => `${q.type} ${q.name}`).sort(), [
      'PTR _hislip._tcp.local',
      'PTR _lxi._tcp.local',
      'PTR _scpi-raw._tcp.local',
      'PTR _vxi-11._tcp.local',
    ]);
  });

  it('garbage packets and unusable records: no crash, no false entry', async () => {
    const r = await responder((questions) =>
      questions.some((q) => q.type === 'PTR')
        ? [
            Buffer.from('this is not a DNS packet'),
            Buffer.alloc(12, 0xff),
            {
              answers: [ptr('scpi-raw', 'Bad'), ptr('printer', 'Laser')],
              additionals: [srv('scpi-raw', 'Bad', 5025, 'a::b'), srv('printer', 'Laser', 631), a()],
            },
            { answers: [ptr('hislip', 'Good')], additionals: [srv('hislip', 'Good', 4880), a()] },
          ]
        : [],
    );
    const run = start({ mdns: { create: loopbackMdns, target: { address: '127.0.0.1', port: r.port } } });
    await run.seen((x) => x.resource === 'TCPIP0::127.0.0.1::hislip0::INSTR');
    const result = await run.finish();
    assert.deepEqual(names(result), ['TCPIP0::127.0.0.1::hislip0::INSTR']);
    assert.ok(result.methods[0].ignored >= 2, `ignored ${result.methods[0].ignored}`);
  });

  it('nothing answers: empty once the time is up', async () => {
    const r = await responder(() => []);
    const run = start({ mdns: { create: loopbackMdns, target: { address: '127.0.0.1', port: r.port } } });
    await run.clock.advance(TIMEOUT - 1);
    assert.equal(run.isSettled(), false);
    const result = await run.finish();
    assert.deepEqual(result.resources, []);
    assert.equal(result.methods[0].searched, true);
  });
});

describe('discovery: all methods together', () => {
  it('one instrument seen by VXI-11 and by mDNS is one entry with both methods', async () => {
    const pm = await PortmapperResponder.start(['vxi11']);
    const md = await MdnsResponder.start((q) =>
      q.some((x) => x.type === 'PTR')
        ? [{ answers: [ptr('vxi-11', 'Supply')], additionals: [srv('vxi-11', 'Supply', 111), a()] }]
        : [],
    );
    const usb = createSimUsbBackend([new SimUsbtmcDevice(new EchoModel(), { serial: '4518305' })]);
    const sockets = new CountingSocketFactory();
    const run = start({
      openers: simulatedOpenersWith(usb, ['2281S']).openers,
      vxi11: portmapperOn(sockets, pm.port),
      mdns: { create: loopbackMdns, target: { address: '127.0.0.1', port: md.port } },
    });
    const lanEntry = 'TCPIP0::127.0.0.1::inst0::INSTR';
    await run.seen((r) => r.resource === lanEntry && r.via.includes('vxi11'));
    await run.seen((r) => r.resource === lanEntry && r.via.includes('mdns'));
    const result = await run.finish();
    await Promise.all([pm.close(), md.destroy()]);
    assert.deepEqual(names(result), [
      'SIM::2281S::DEMO01::INSTR',
      'TCPIP0::127.0.0.1::inst0::INSTR',
      'USB0::0x05E6::0x2281::4518305::INSTR',
    ]);
    const lan = result.resources.find((r) => r.kind === 'lan')!;
    assert.deepEqual([...lan.via].sort(), ['mdns', 'vxi11']);
    assert.equal(lan.name, 'Supply');
    assert.deepEqual(
      result.methods.map((m) => m.method),
      ['usb', 'vxi11', 'mdns', 'sim'],
    );
  });

  it('a loopback socket helper really refuses other destinations', async () => {
    const s = await loopbackSocket();
    const before = sentTo.length;
    assert.throws(() => s.send(Buffer.from('x'), 9, '192.0.2.1'), /refused/);
    sentTo.splice(before); // the refused attempt is not a leak: nothing was sent
    await new Promise<void>((resolve) => s.close(() => resolve()));
  });
});
