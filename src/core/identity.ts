/**
 * Canonical identity of physical resources (docs/design.md). The registry keys every handle by the
 * string these functions return, so two spellings of one port or instrument meet in one place.
 */
import * as fs from 'fs';
import * as path from 'path';
import { InvalidInputError, UnsupportedError } from './errors';

/** A canonical resource key; only the functions of this module make one. */
export type ResourceKey = string & { readonly __resourceKey: true };

export interface SerialKeyOptions {
  platform?: NodeJS.Platform;
  /** Resolves symlinks; defaults to fs.realpathSync (unresolvable paths are kept as given). */
  realpath?: (p: string) => string;
}

const SIM_PREFIX = 'sim:';
const WINDOWS_COM = /^(?:\\\\\.\\)?(COM\d+)$/i;

/** Splits `sim:<bus>?addresses=1,2` into its bus name and options. */
export function parseSimPath(text: string): { bus: string; query: URLSearchParams } | undefined {
  if (typeof text !== 'string' || !text.toLowerCase().startsWith(SIM_PREFIX)) return undefined;
  const rest = text.slice(SIM_PREFIX.length);
  const q = rest.indexOf('?');
  const bus = (q < 0 ? rest : rest.slice(0, q)).trim();
  if (bus === '')
    throw new InvalidInputError(
      `Simulated port "${text}" has no bus name; write it as sim:<bus>, e.g. sim:bench.`,
    );
  return { bus: bus.toLowerCase(), query: new URLSearchParams(q < 0 ? '' : rest.slice(q + 1)) };
}

function defaultRealpath(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    // The device may be unplugged right now; keep the spelling so it still gets a stable key.
    return path.resolve(p);
  }
}

/**
 * The key of a serial port: `serial:<real path>` (symlinks such as /dev/serial/by-id/... resolved),
 * `serial:COMn` for Windows names (any case, with or without the `\\.\` prefix), `sim:<bus>`
 * for simulated buses (options after `?` are not part of the identity), `tcp://host:port` and
 * `modbus-tcp://host:port` for device servers and gateways (see parseNetworkBusPath).
 */
export function serialKey(portPath: string, options: SerialKeyOptions = {}): ResourceKey {
  const text = typeof portPath === 'string' ? portPath.trim() : '';
  if (text === '')
    throw new InvalidInputError('Serial port path is empty; choose a port such as /dev/ttyUSB0 or COM3.');
  const sim = parseSimPath(text);
  if (sim) return `${SIM_PREFIX}${sim.bus}` as ResourceKey;
  const network = parseNetworkBusPath(text);
  if (network) return formatNetworkBusAddress(network) as ResourceKey;
  const com = WINDOWS_COM.exec(text);
  if (com) return `serial:${com[1].toUpperCase()}` as ResourceKey;
  const platform = options.platform ?? process.platform;
  if (platform === 'win32') return `serial:${text.toUpperCase()}` as ResourceKey;
  const resolved = (options.realpath ?? defaultRealpath)(text);
  return `serial:${resolved}` as ResourceKey;
}

/** Serial buses reached over the network instead of a local adapter. */
export type NetworkBusScheme = 'tcp' | 'modbus-tcp';

/**
 * A serial device server (`tcp://host:port`: the serial bytes unchanged over a raw TCP socket) or
 * a Modbus TCP gateway (`modbus-tcp://host[:502]`: MBAP framing, unit id = device address).
 */
export interface NetworkBusAddress {
  readonly scheme: NetworkBusScheme;
  /** Lower-cased; an IPv6 literal without its brackets. */
  readonly host: string;
  readonly port: number;
}

/** The registered Modbus TCP port, used when a `modbus-tcp://` path names none. */
export const MODBUS_TCP_DEFAULT_PORT = 502;

const NETWORK_SCHEME = /^(tcp|modbus-tcp):\/\//i;
const HOST_NAME = /^[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?$/;
const IPV6_LITERAL = /^[0-9a-f:.]+$/;

/** The compressed form (fe80:0:0::1 → fe80::1), so two spellings of one address meet; undefined if invalid. */
function compressIpv6(literal: string): string | undefined {
  try {
    return new URL(`http://[${literal}]/`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
}

function badNetworkPath(text: string, why: string): InvalidInputError {
  return new InvalidInputError(
    `"${text}" is not a usable network serial path: ${why}. Write tcp://host:port for a serial device server (e.g. tcp://192.168.1.20:4001) or modbus-tcp://host[:502] for a Modbus TCP gateway; IPv6 addresses go in brackets (tcp://[fe80::1]:4001).`,
  );
}

/**
 * Parses `tcp://host:port` and `modbus-tcp://host[:port]` (scheme case-insensitive). Returns
 * undefined for anything else (a local port, a `sim:` bus); throws E_INVALID_INPUT when the
 * scheme is one of these but the rest is not a host and a port.
 */
export function parseNetworkBusPath(text: string): NetworkBusAddress | undefined {
  const trimmed = typeof text === 'string' ? text.trim() : '';
  const head = NETWORK_SCHEME.exec(trimmed);
  if (!head) return undefined;
  const scheme = head[1].toLowerCase() as NetworkBusScheme;
  const rest = trimmed.slice(head[0].length);
  let host: string;
  let after: string;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) throw badNetworkPath(trimmed, 'the IPv6 address has no closing "]"');
    const literal = rest.slice(1, close).toLowerCase();
    if (!IPV6_LITERAL.test(literal) || !literal.includes(':'))
      throw badNetworkPath(trimmed, `"[${literal}]" is not an IPv6 address`);
    host = compressIpv6(literal) ?? '';
    if (host === '') throw badNetworkPath(trimmed, `"[${literal}]" is not an IPv6 address`);
    after = rest.slice(close + 1);
  } else {
    const colon = rest.indexOf(':');
    host = (colon < 0 ? rest : rest.slice(0, colon)).toLowerCase();
    after = colon < 0 ? '' : rest.slice(colon);
    if (host === '') throw badNetworkPath(trimmed, 'there is no host');
    if (!HOST_NAME.test(host))
      throw badNetworkPath(
        trimmed,
        `"${host}" is not a host name or IPv4 address (no paths, users or spaces)`,
      );
  }
  if (host === '') throw badNetworkPath(trimmed, 'there is no host');
  let port: number;
  if (after === '') {
    if (scheme === 'tcp')
      throw badNetworkPath(trimmed, 'a device server needs its TCP port (tcp://host:port)');
    port = MODBUS_TCP_DEFAULT_PORT;
  } else {
    const digits = after.slice(1);
    if (!after.startsWith(':') || !/^\d{1,5}$/.test(digits))
      throw badNetworkPath(trimmed, `"${after}" after the host is not ":port"`);
    port = parseInt(digits, 10);
    if (port < 1 || port > 65535) throw badNetworkPath(trimmed, `port ${port} is out of range 1…65535`);
  }
  return { scheme, host, port };
}

/** The canonical spelling, also the registry key: scheme + lower-cased host + port. */
export function formatNetworkBusAddress(address: NetworkBusAddress): string {
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  return `${address.scheme}://${host}:${address.port}`;
}

/** True when `text` names a device server or gateway (whether or not it is well formed). */
export function isNetworkBusPath(text: string): boolean {
  return typeof text === 'string' && NETWORK_SCHEME.test(text.trim());
}

export type VisaResource =
  | { kind: 'usb'; board: number; vendorId: number; productId: number; serial: string; usbInterface: number }
  | { kind: 'socket'; board: number; host: string; port: number }
  | { kind: 'vxi11'; board: number; host: string; device: string }
  | { kind: 'hislip'; board: number; host: string; subAddress: string; port: number }
  | { kind: 'asrl'; board: number; path: string }
  | { kind: 'sim'; model: string; serial: string };

function bad(text: string, why: string): InvalidInputError {
  return new InvalidInputError(
    `"${text}" is not a VISA resource string we can use: ${why}. Examples: USB0::0x05E6::0x2281::4518305::INSTR, TCPIP0::192.168.1.5::5025::SOCKET, TCPIP0::192.168.1.5::inst0::INSTR, ASRL/dev/ttyUSB0::INSTR, SIM::2281S::DEMO01::INSTR.`,
  );
}

/** USB IDs are hex (0x05E6) or decimal (1510); compared as numbers. */
function parseUsbId(field: string, text: string, what: string): number {
  const f = field.trim();
  let n: number;
  // Any number of digits (0x005E6 is 0x5E6); the range check below refuses what is too large.
  if (/^0x[0-9a-f]+$/i.test(f)) n = parseInt(f.slice(2), 16);
  else if (/^\d+$/.test(f)) n = parseInt(f, 10);
  else throw bad(text, `${what} "${field}" must be hex (0x05E6) or decimal (1510)`);
  if (n > 0xffff) throw bad(text, `${what} ${field} is larger than 0xFFFF`);
  return n;
}

function parseBoard(prefix: string, text: string): number {
  if (prefix === '') return 0;
  if (!/^\d+$/.test(prefix)) throw bad(text, `board "${prefix}" must be a number`);
  return parseInt(prefix, 10);
}

const CLASS_WORDS = new Set(['INSTR', 'SOCKET', 'RAW']);

/**
 * Splits a resource string at `::`, except inside `[...]`: an IPv6 literal such as `[fe80::1]`
 * carries `::` itself. Unbalanced brackets are refused.
 */
function splitResource(text: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '[') depth++;
    else if (c === ']') depth--;
    if (depth < 0 || depth > 1) throw bad(text, 'its brackets are unbalanced');
    if (depth === 0 && c === ':' && text[i + 1] === ':') {
      parts.push(text.slice(start, i));
      i++;
      start = i + 1;
    }
  }
  if (depth !== 0) throw bad(text, 'its brackets are unbalanced');
  parts.push(text.slice(start));
  return parts;
}

/**
 * The canonical host of a LAN resource: names and IPv4 addresses lower-cased; IPv6 literals (in
 * brackets in the resource string) in the compressed, lower-case form of RFC 5952 (`[FE80:0:0::1]`
 * → `fe80::1`), with a zone (`%eth0`) kept as written. Returned without brackets, as sockets
 * want it; `formatHost` puts them back.
 */
/**
 * IPv6 check through the WHATWG URL parser rather than `net.isIPv6`, so this module also runs in
 * the editor (the configuration rules are bundled for the browser). The parser accepts exactly the
 * RFC 4291 text forms; only hex digits, ':' and '.' may appear (it would otherwise also take
 * percent-escapes).
 */
function isIPv6Literal(address: string): boolean {
  if (!/^[0-9A-Fa-f:.]+$/.test(address)) return false;
  try {
    new URL(`http://[${address}]/`);
    return true;
  } catch {
    return false;
  }
}

function canonicalHost(field: string, text: string): string {
  const host = field.trim();
  if (!host.startsWith('[')) {
    if (host.includes(':') || host.includes(']'))
      throw bad(text, `host "${host}" looks like an IPv6 address; write it in brackets, e.g. [fe80::1]`);
    return host.toLowerCase();
  }
  if (!host.endsWith(']')) throw bad(text, `IPv6 host "${host}" must end with "]"`);
  const inner = host.slice(1, -1);
  const zoneAt = inner.indexOf('%');
  const address = zoneAt < 0 ? inner : inner.slice(0, zoneAt);
  const zone = zoneAt < 0 ? '' : inner.slice(zoneAt);
  if (address.length > 45 || !isIPv6Literal(address)) throw bad(text, `"${address}" is not an IPv6 address`);
  if (zone !== '' && !/^%[A-Za-z0-9_.-]{1,64}$/.test(zone))
    throw bad(text, `IPv6 zone "${zone}" is not valid`);
  // The WHATWG URL parser serialises IPv6 addresses exactly in the RFC 5952 form.
  const compressed = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  return `${compressed}${zone}`;
}

/** A host as it appears in a resource string: IPv6 addresses in brackets. */
export function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Parses the VISA resource grammar. Interface and class words are case-insensitive. `platform` (default
 * the running one) decides what a numbered `ASRLn` means: COMn on Windows, refused elsewhere.
 */
export function parseVisaResource(
  resource: string,
  options: { platform?: NodeJS.Platform } = {},
): VisaResource {
  const text = typeof resource === 'string' ? resource.trim() : '';
  if (text === '')
    throw new InvalidInputError('VISA resource string is empty; e.g. USB0::0x05E6::0x2281::4518305::INSTR.');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f;]/.test(text)) throw bad(text, 'it contains control characters or ";"');
  const parts = splitResource(text);
  const head = parts[0];
  let cls: string | undefined;
  if (parts.length > 1 && CLASS_WORDS.has(parts[parts.length - 1].toUpperCase())) {
    cls = parts.pop()!.toUpperCase();
  }
  const fields = parts.slice(1);

  const asrl = /^ASRL(.*)$/i.exec(head);
  if (asrl) {
    if (cls !== undefined && cls !== 'INSTR') throw bad(text, 'serial resources end in ::INSTR');
    if (fields.length > 0) throw bad(text, 'write it as ASRL<port>::INSTR');
    const board = asrl[1];
    if (board === '') throw bad(text, 'no serial port after ASRL');
    if (/^\d+$/.test(board)) {
      const n = parseInt(board, 10);
      // ASRLn means COMn on Windows; POSIX has no such numbering convention we could trust.
      if ((options.platform ?? process.platform) === 'win32')
        return { kind: 'asrl', board: n, path: `COM${n}` };
      throw bad(
        text,
        `a numbered serial port only exists on Windows; write the device path, e.g. ASRL/dev/ttyUSB0::INSTR`,
      );
    }
    return { kind: 'asrl', board: 0, path: board };
  }

  const usb = /^USB(\d*)$/i.exec(head);
  if (usb) {
    if (cls === 'SOCKET') throw bad(text, 'USB resources end in ::INSTR');
    if (cls === 'RAW')
      throw new UnsupportedError(
        `"${text}": USB RAW resources are not supported; use the ::INSTR (USBTMC) form.`,
      );
    if (fields.length < 3 || fields.length > 4)
      throw bad(text, 'USB resources are USB[board]::vendor::product::serial[::interface][::INSTR]');
    const [vid, pid, serial, intf] = fields;
    if (serial.trim() === '') throw bad(text, 'the USB serial number is empty');
    let usbInterface = 0;
    if (intf !== undefined) {
      if (!/^\d{1,3}$/.test(intf.trim())) throw bad(text, `USB interface number "${intf}" must be a number`);
      usbInterface = parseInt(intf, 10);
      if (usbInterface > 255) throw bad(text, `USB interface number ${usbInterface} is larger than 255`);
    }
    return {
      kind: 'usb',
      board: parseBoard(usb[1], text),
      vendorId: parseUsbId(vid, text, 'vendor ID'),
      productId: parseUsbId(pid, text, 'product ID'),
      serial: serial.trim(),
      usbInterface,
    };
  }

  const tcp = /^TCPIP(\d*)$/i.exec(head);
  if (tcp) {
    const board = parseBoard(tcp[1], text);
    if ((fields[0] ?? '').trim() === '') throw bad(text, 'no host name or address');
    const host = canonicalHost(fields[0]!, text);
    if (!host.includes(':') && !HOST_NAME.test(host))
      throw bad(
        text,
        `"${fields[0]!.trim()}" is not a host name, an IPv4 address or a bracketed IPv6 address`,
      );
    if (cls === 'SOCKET') {
      if (fields.length !== 2 || !/^\d{1,5}$/.test(fields[1]))
        throw bad(text, 'socket resources are TCPIP[board]::host::port::SOCKET');
      const port = parseInt(fields[1], 10);
      if (port < 1 || port > 65535) throw bad(text, `port ${port} is out of range 1…65535`);
      return { kind: 'socket', board, host, port };
    }
    if (cls === 'RAW') throw bad(text, 'TCPIP resources end in ::INSTR or ::SOCKET');
    if (fields.length > 2) throw bad(text, 'LAN instruments are TCPIP[board]::host[::device][::INSTR]');
    const device = (fields[1] ?? 'inst0').trim().toLowerCase();
    if (device.startsWith('hislip')) return parseHislipDevice(text, board, host, device);
    if (!/^[a-z0-9_,.]+$/.test(device)) throw bad(text, `LAN device name "${fields[1]}" is not valid`);
    return { kind: 'vxi11', board, host, device };
  }

  if (/^SIM$/i.test(head)) {
    if (cls !== undefined && cls !== 'INSTR') throw bad(text, 'simulated instruments end in ::INSTR');
    if (fields.length !== 2 || fields[0].trim() === '' || fields[1].trim() === '') {
      throw bad(text, 'simulated instruments are SIM::<model>::<serial>::INSTR');
    }
    const serial = fields[1].trim().toUpperCase();
    if (!/^[A-Z0-9_.-]+$/.test(serial))
      throw bad(text, `serial "${fields[1]}" may hold letters, digits, "_", "." and "-" only`);
    return { kind: 'sim', model: fields[0].trim().toUpperCase(), serial };
  }

  if (/^GPIB\d*$/i.test(head)) {
    throw new UnsupportedError(
      `"${text}": GPIB needs a vendor GPIB driver, which this package does not use. Connect the instrument over USB or LAN.`,
    );
  }
  throw bad(text, `unknown interface "${head}"`);
}

/** HiSLIP's IANA-registered port, used when the resource names none. */
export const HISLIP_DEFAULT_PORT = 4880;

/** `hislip<n>[,port]`: the sub-address the server is asked for, and the TCP port. */
function parseHislipDevice(text: string, board: number, host: string, device: string): VisaResource {
  const m = /^(hislip\d{1,3})(?:,(\d{1,5}))?$/.exec(device);
  if (!m)
    throw bad(text, `HiSLIP devices are hislip<n>[,port], e.g. hislip0 or hislip0,4880 (got "${device}")`);
  const port = m[2] === undefined ? HISLIP_DEFAULT_PORT : parseInt(m[2], 10);
  if (port < 1 || port > 65535) throw bad(text, `port ${port} is out of range 1…65535`);
  return { kind: 'hislip', board, host, subAddress: m[1], port };
}

function hex4(n: number): string {
  return `0x${n.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** The canonical spelling of a parsed resource (also what status and messages show). */
export function formatVisaResource(r: VisaResource): string {
  switch (r.kind) {
    case 'usb':
      return `USB${r.board}::${hex4(r.vendorId)}::${hex4(r.productId)}::${r.serial.toUpperCase()}::${r.usbInterface}::INSTR`;
    case 'socket':
      return `TCPIP${r.board}::${formatHost(r.host)}::${r.port}::SOCKET`;
    case 'vxi11':
      return `TCPIP${r.board}::${formatHost(r.host)}::${r.device}::INSTR`;
    case 'hislip':
      // The port is always spelled out, so hislip0 and hislip0,4880 share one key.
      return `TCPIP${r.board}::${formatHost(r.host)}::${r.subAddress},${r.port}::INSTR`;
    case 'asrl':
      return `ASRL${r.path}::INSTR`;
    case 'sim':
      return `SIM::${r.model}::${r.serial}::INSTR`;
  }
}

/**
 * The registry key of a VISA resource. An ASRL instrument gets its serial port's key, so it is
 * the same resource as a `labbench-serial-port` on that device (and sharing rule 3 in docs/design.md applies).
 */
export function visaKey(resource: string | VisaResource, options: SerialKeyOptions = {}): ResourceKey {
  const r =
    typeof resource === 'object' && resource !== null ? resource : parseVisaResource(resource, options);
  if (r.kind === 'asrl') return serialKey(r.path, options);
  return formatVisaResource(r) as ResourceKey;
}

/** True when `text` looks like a VISA resource string rather than a serial path. */
export function isVisaResourceString(text: string): boolean {
  if (typeof text !== 'string') return false;
  return /^(USB|TCPIP|ASRL|GPIB|SIM)[^:]*::/i.test(text.trim()) || /^ASRL.+::INSTR$/i.test(text.trim());
}

/** The key of whatever `text` names: a serial path, a `sim:` bus, or a VISA resource string. */
export function resourceKey(text: string, options: SerialKeyOptions = {}): ResourceKey {
  return isVisaResourceString(text) ? visaKey(text, options) : serialKey(text, options);
}
