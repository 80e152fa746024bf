/**
 * Canonical identity (docs/design.md). Every spelling in one group must give one key; different
 * resources must give different keys; malformed or unsupported strings are refused with a code.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  parseVisaResource,
  resourceKey,
  serialKey,
  visaKey,
  formatVisaResource,
  LabbenchError,
} from '../../src/core';

let dir: string;
let target: string;
let link: string;
let linkToLink: string;
let otherTarget: string;

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'labbench-id-'));
  // Resolve the tmp dir itself too: on some systems /tmp is a symlink.
  dir = fs.realpathSync(dir);
  target = path.join(dir, 'ttyUSB0');
  otherTarget = path.join(dir, 'ttyUSB1');
  fs.writeFileSync(target, '');
  fs.writeFileSync(otherTarget, '');
  fs.mkdirSync(path.join(dir, 'by-id'));
  link = path.join(dir, 'by-id', 'usb-FTDI_FT232R_A12345-if00-port0');
  fs.symlinkSync(target, link);
  linkToLink = path.join(dir, 'alias');
  fs.symlinkSync(path.join('by-id', path.basename(link)), linkToLink); // relative, two hops
});

after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('serialKey: one key per port, whatever the spelling', () => {
  test('symlinks are resolved (absolute, relative, chained) to the device', () => {
    const rows: [string, () => string][] = [
      ['the device itself', () => target],
      ['a by-id symlink', () => link],
      ['a relative symlink to the symlink', () => linkToLink],
      ['with surrounding spaces', () => `  ${link}  `],
      ['a path with /./ and ../ segments', () => path.join(dir, 'by-id', '..', '.', 'ttyUSB0')],
    ];
    for (const [what, spelling] of rows) {
      assert.equal(serialKey(spelling()), `serial:${target}`, what);
    }
    assert.notEqual(serialKey(otherTarget), serialKey(link), 'another device keeps its own key');
  });

  test('an ASRL VISA resource on the same device is the same resource as the port', () => {
    const key = serialKey(target);
    assert.equal(visaKey(`ASRL${target}::INSTR`), key);
    assert.equal(visaKey(`ASRL${link}::INSTR`), key, 'through a symlink');
    assert.equal(resourceKey(`asrl${linkToLink}::instr`), key, 'case-insensitive class, via resourceKey');
    assert.equal(resourceKey(link), key);
    assert.notEqual(visaKey(`ASRL${otherTarget}::INSTR`), key);
  });

  test('an unresolvable path (device unplugged right now) keeps a stable key', () => {
    const gone = path.join(dir, 'ttyUSB9');
    assert.equal(serialKey(gone), `serial:${gone}`);
    assert.equal(serialKey(gone), serialKey(`${gone} `));
  });

  /** Spellings of one port, each with the key they all share, and what else each kind promises. */
  const SPELLINGS: {
    title: string;
    options?: { platform: NodeJS.Platform };
    rows: [string, string][];
    also(): void;
  }[] = [
    {
      title: 'Windows COM ports: any case, with or without the \\\\.\\ prefix',
      options: { platform: 'win32' },
      rows: [
        ['COM3', 'serial:COM3'],
        ['com3', 'serial:COM3'],
        ['Com3', 'serial:COM3'],
        ['\\\\.\\COM3', 'serial:COM3'],
        ['\\\\.\\com3', 'serial:COM3'],
        ['COM12', 'serial:COM12'],
      ],
      also: () =>
        assert.notEqual(serialKey('COM3', { platform: 'win32' }), serialKey('COM31', { platform: 'win32' })),
    },
    {
      title: 'simulated buses: case-insensitive, options after ? are not identity',
      rows: [
        ['sim:bench', 'sim:bench'],
        ['SIM:Bench', 'sim:bench'],
        ['SIM:Bench?addresses=1,2', 'sim:bench'],
        ['sim:bench?addresses=1,2,5&pace=1', 'sim:bench'],
        [' sim:bench ', 'sim:bench'],
        ['sim:oven2', 'sim:oven2'],
      ],
      also: () => assert.equal(resourceKey('SIM:Bench?addresses=1,2'), 'sim:bench'),
    },
  ];
  for (const kind of SPELLINGS) {
    test(kind.title, () => {
      for (const [spelling, key] of kind.rows) assert.equal(serialKey(spelling, kind.options), key, spelling);
      kind.also();
    });
  }

  test('a custom realpath is honoured (how by-id links are resolved is injectable)', () => {
    const realpath = (p: string): string => (p === '/dev/serial/by-id/x' ? '/dev/ttyUSB7' : p);
    assert.equal(serialKey('/dev/serial/by-id/x', { realpath }), 'serial:/dev/ttyUSB7');
    assert.equal(serialKey('/dev/ttyUSB7', { realpath }), 'serial:/dev/ttyUSB7');
  });

  test('refuses empty paths and empty sim bus names', () => {
    for (const bad of ['', '   ', 'sim:', 'sim:?addresses=1']) {
      assert.throws(() => serialKey(bad), { code: 'E_INVALID_INPUT' }, JSON.stringify(bad));
    }
    assert.throws(() => serialKey(undefined as unknown as string), { code: 'E_INVALID_INPUT' });
  });
});

describe('visaKey: one key per instrument, whatever the spelling', () => {
  // Each group: every spelling must give the same key; the groups must give pairwise different keys.
  const groups: { name: string; spellings: string[] }[] = [
    {
      name: 'USB 2281S serial 4518305',
      spellings: [
        'USB0::0x05E6::0x2281::4518305::INSTR',
        'usb::1510::8833::4518305::instr',
        'USB0::0x05e6::0x2281::4518305::0::INSTR',
        'USB::0x05E6::0x2281::4518305',
        'USB0::1510::0x2281::4518305::0',
        'USB0::0x5E6::0X2281::4518305::INSTR',
        'USB0::0x005E6::0x02281::4518305::INSTR',
        ' USB0::0x05E6::0x2281::4518305::INSTR ',
      ],
    },
    {
      name: 'USB serial numbers are compared case-insensitively',
      spellings: ['USB0::0x05E6::0x2281::ab12cd::INSTR', 'USB0::0x05E6::0x2281::AB12CD::INSTR'],
    },
    {
      name: 'USB interface 1',
      spellings: ['USB0::0x05E6::0x2281::4518305::1::INSTR', 'usb0::1510::8833::4518305::1'],
    },
    { name: 'USB board 1', spellings: ['USB1::0x05E6::0x2281::4518305::INSTR'] },
    { name: 'USB other product', spellings: ['USB0::0x05E6::0x2280::4518305::INSTR'] },
    {
      name: 'TCPIP socket',
      spellings: [
        'TCPIP0::192.168.1.5::5025::SOCKET',
        'tcpip::192.168.1.5::5025::socket',
        'TCPIP::192.168.1.5::5025::SOCKET',
      ],
    },
    {
      name: 'TCPIP socket by host name',
      spellings: [
        'TCPIP0::Keithley-2281S.Lab.local::5025::SOCKET',
        'tcpip0::keithley-2281s.lab.local::5025::socket',
      ],
    },
    { name: 'TCPIP socket other port', spellings: ['TCPIP0::192.168.1.5::5026::SOCKET'] },
    {
      name: 'VXI-11 inst0',
      spellings: [
        'TCPIP::1.2.3.4::INSTR',
        'tcpip0::1.2.3.4::inst0::instr',
        'TCPIP0::1.2.3.4',
        'TCPIP0::1.2.3.4::INST0::INSTR',
        'TCPIP0::1.2.3.4::inst0',
      ],
    },
    { name: 'VXI-11 inst1', spellings: ['TCPIP0::1.2.3.4::inst1::INSTR'] },
    {
      name: 'simulated 2281S ABC',
      spellings: ['SIM::2281S::abc::INSTR', 'sim::2281s::ABC::instr', 'SIM::2281S::Abc'],
    },
    { name: 'simulated 2281S DEF', spellings: ['SIM::2281S::DEF::INSTR'] },
  ];

  for (const group of groups) {
    test(`${group.name}: ${group.spellings.length} spelling(s), one key`, () => {
      const keys = group.spellings.map((s) => visaKey(s));
      for (let i = 0; i < keys.length; i++) {
        assert.equal(keys[i], keys[0], `${group.spellings[i]} vs ${group.spellings[0]}`);
        assert.equal(resourceKey(group.spellings[i]), keys[0], `resourceKey(${group.spellings[i]})`);
      }
    });
  }

  test('different instruments get different keys', () => {
    const firstKeys = groups.map((g) => visaKey(g.spellings[0]));
    assert.equal(new Set(firstKeys).size, firstKeys.length, firstKeys.join('\n'));
  });

  test('parsed fields and the canonical spelling', () => {
    assert.deepEqual(parseVisaResource('usb::1510::8833::4518305::instr'), {
      kind: 'usb',
      board: 0,
      vendorId: 0x05e6,
      productId: 0x2281,
      serial: '4518305',
      usbInterface: 0,
    });
    assert.equal(visaKey('usb::1510::8833::4518305::instr'), 'USB0::0x05E6::0x2281::4518305::0::INSTR');
    assert.deepEqual(parseVisaResource('TCPIP1::Host.Example::5025::SOCKET'), {
      kind: 'socket',
      board: 1,
      host: 'host.example',
      port: 5025,
    });
    assert.deepEqual(parseVisaResource('TCPIP::1.2.3.4::INSTR'), {
      kind: 'vxi11',
      board: 0,
      host: '1.2.3.4',
      device: 'inst0',
    });
    assert.equal(visaKey('TCPIP::1.2.3.4::INSTR'), 'TCPIP0::1.2.3.4::inst0::INSTR');
    assert.deepEqual(parseVisaResource('sim::2281s::abc::instr'), {
      kind: 'sim',
      model: '2281S',
      serial: 'ABC',
    });
    assert.deepEqual(parseVisaResource('ASRL/dev/ttyUSB0::INSTR'), {
      kind: 'asrl',
      board: 0,
      path: '/dev/ttyUSB0',
    });
    // The canonical form parses back to itself.
    for (const g of groups) {
      const canonical = formatVisaResource(parseVisaResource(g.spellings[0]));
      assert.equal(formatVisaResource(parseVisaResource(canonical)), canonical);
    }
  });

  test('numbered ASRL ports mean COMn on Windows', () => {
    assert.equal(visaKey('ASRL3::INSTR', { platform: 'win32' }), serialKey('COM3', { platform: 'win32' }));
    assert.equal(visaKey('ASRLcom3::INSTR', { platform: 'win32' }), 'serial:COM3');
    assert.throws(() => visaKey('ASRL3::INSTR', { platform: 'linux' }), { code: 'E_INVALID_INPUT' });
  });
});

describe('parseVisaResource: refusals', () => {
  const invalid: [string, string][] = [
    ['garbage', 'hello world'],
    ['empty', ''],
    ['blank', '   '],
    ['no fields', 'USB0::'],
    ['leading ::', '::INSTR'],
    ['unknown interface', 'PXI0::1::INSTR'],
    ['USB missing serial', 'USB0::0x05E6::0x2281::INSTR'],
    ['USB empty serial', 'USB0::0x05E6::0x2281::::INSTR'],
    ['USB too many fields', 'USB0::0x05E6::0x2281::X::0::7::INSTR'],
    ['USB vendor ID not a number', 'USB0::0xZZZZ::0x2281::X::INSTR'],
    ['USB vendor ID > 0xFFFF (hex)', 'USB0::0x10000::0x2281::X::INSTR'],
    ['USB product ID > 0xFFFF (decimal)', 'USB0::0x05E6::65536::X::INSTR'],
    ['USB vendor ID far > 0xFFFF', 'USB0::99999::0x2281::X::INSTR'],
    ['USB negative ID', 'USB0::-1::0x2281::X::INSTR'],
    ['USB interface not a number', 'USB0::0x05E6::0x2281::X::a::INSTR'],
    ['USB interface out of range', 'USB0::0x05E6::0x2281::X::256::INSTR'],
    ['USB with SOCKET class', 'USB0::0x05E6::0x2281::X::SOCKET'],
    ['board not a number', 'USBx::0x05E6::0x2281::X::INSTR'],
    ['socket port 0', 'TCPIP0::1.2.3.4::0::SOCKET'],
    ['socket port 65536', 'TCPIP0::1.2.3.4::65536::SOCKET'],
    ['socket port 99999', 'TCPIP0::1.2.3.4::99999::SOCKET'],
    ['socket port not a number', 'TCPIP0::1.2.3.4::http::SOCKET'],
    ['socket without port', 'TCPIP0::1.2.3.4::SOCKET'],
    ['TCPIP without host', 'TCPIP0::::INSTR'],
    ['TCPIP too many fields', 'TCPIP0::1.2.3.4::inst0::x::INSTR'],
    ['semicolon inside', 'USB0::0x05E6::0x2281::45;*RST::INSTR'],
    ['semicolon in host', 'TCPIP0::1.2.3.4;x::5025::SOCKET'],
    ['newline inside', 'USB0::0x05E6::0x2281::45\n18305::INSTR'],
    ['carriage return inside', 'TCPIP0::1.2.3.4\r::inst0::INSTR'],
    ['NUL inside', 'SIM::2281S::A\u0000B::INSTR'],
    ['ASRL without port', 'ASRL::INSTR'],
    ['ASRL with extra fields', 'ASRL/dev/ttyUSB0::9600::INSTR'],
    ['ASRL SOCKET', 'ASRL/dev/ttyUSB0::SOCKET'],
    ['SIM without serial', 'SIM::2281S::INSTR'],
    ['SIM bad serial', 'SIM::2281S::a b::INSTR'],
  ];
  for (const [what, text] of invalid) {
    test(`E_INVALID_INPUT: ${what}`, () => {
      assert.throws(
        () => parseVisaResource(text),
        (err: unknown) => {
          assert.ok(err instanceof LabbenchError, String(err));
          assert.equal(err.code, 'E_INVALID_INPUT', `${JSON.stringify(text)} gave ${String(err)}`);
          assert.equal(err.name, 'InvalidInputError');
          return true;
        },
      );
    });
  }

  const unsupported: [string, string][] = [
    ['GPIB', 'GPIB0::5::INSTR'],
    ['GPIB lower case', 'gpib::22::instr'],
    ['USB RAW', 'USB0::0x05E6::0x2281::4518305::RAW'],
  ];
  for (const [what, text] of unsupported) {
    test(`E_UNSUPPORTED: ${what}`, () => {
      assert.throws(() => parseVisaResource(text), { code: 'E_UNSUPPORTED', name: 'UnsupportedError' });
      assert.throws(() => resourceKey(text), { code: 'E_UNSUPPORTED' });
    });
  }

  test('messages say what was wrong and show a correct example', () => {
    assert.throws(() => parseVisaResource('USB0::0x05E6::65536::X::INSTR'), /0xFFFF/);
    assert.throws(() => parseVisaResource('TCPIP0::h::70000::SOCKET'), /out of range/);
    assert.throws(() => parseVisaResource('hello'), /USB0::0x05E6::0x2281::4518305::INSTR/);
    assert.throws(() => parseVisaResource('GPIB0::5::INSTR'), /GPIB/);
  });
});
