/**
 * DNS-SD records → VISA resource strings (pure: no sockets). The service types instruments
 * announce, and what each one means:
 *
 *   _hislip._tcp     → TCPIP0::host::hislip0[,port]::INSTR  (port from SRV; 4880 is the default)
 *   _vxi-11._tcp     → TCPIP0::host::inst0::INSTR           (VXI-11 finds its port via portmapper)
 *   _lxi._tcp        → TCPIP0::host::inst0::INSTR           (LXI devices must speak VXI-11)
 *   _scpi-raw._tcp   → TCPIP0::host::port::SOCKET           (port from SRV, required)
 *
 * The host is the instance's SRV target resolved to an IPv4 address through A records when one
 * was received (a `.local` name needs an mDNS-aware resolver to open), else the SRV target name.
 * Anything that does not yield a resource string the parser accepts is counted, not listed.
 */
import { HISLIP_DEFAULT_PORT, parseVisaResource } from '../core/identity';
import type { DiscoveredResource } from './discovery-types';

/** One resource record as the DNS codec hands it out (answers and additionals alike). */
export interface DnsRecord {
  name: string;
  type: string;
  data?: unknown;
}

export type InstrumentService = 'hislip' | 'vxi-11' | 'lxi' | 'scpi-raw';

export const INSTRUMENT_SERVICE_TYPES: Readonly<Record<InstrumentService, string>> = {
  hislip: '_hislip._tcp.local',
  'vxi-11': '_vxi-11._tcp.local',
  lxi: '_lxi._tcp.local',
  'scpi-raw': '_scpi-raw._tcp.local',
};

/** The order entries for one host are listed in: the richest protocol first. */
const SERVICE_ORDER: readonly InstrumentService[] = ['hislip', 'vxi-11', 'lxi', 'scpi-raw'];

function lower(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

function serviceOf(name: string): InstrumentService | undefined {
  const n = lower(name);
  return SERVICE_ORDER.find((s) => INSTRUMENT_SERVICE_TYPES[s] === n);
}

interface Srv {
  port: number;
  target: string;
}

function asSrv(data: unknown): Srv | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const { port, target } = data as { port?: unknown; target?: unknown };
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  if (typeof target !== 'string') return undefined;
  return { port, target: lower(target) };
}

/** TXT strings `key=value` (LXI: Manufacturer, Model, SerialNumber), keys case-insensitive. */
function txtPairs(data: unknown): Map<string, string> {
  const out = new Map<string, string>();
  const items = Array.isArray(data) ? data : [data];
  for (const item of items) {
    const text = Buffer.isBuffer(item) ? item.toString('utf8') : typeof item === 'string' ? item : undefined;
    if (text === undefined) continue;
    const eq = text.indexOf('=');
    if (eq > 0) out.set(text.slice(0, eq).toLowerCase(), text.slice(eq + 1));
  }
  return out;
}

/** Printable text only, for labels shown in the editor. */
function printable(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return clean === '' ? undefined : clean.slice(0, 100);
}

function isIpv4(address: unknown): address is string {
  if (typeof address !== 'string') return false;
  const parts = address.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

/** A DNS host name that can stand in a resource field as it is. */
function isHostName(name: string): boolean {
  return name.length > 0 && name.length <= 253 && name.split('.').every((l) => /^[a-z0-9_-]{1,63}$/.test(l));
}

function resourceFor(service: InstrumentService, host: string, port: number): string {
  switch (service) {
    case 'hislip':
      return port === HISLIP_DEFAULT_PORT
        ? `TCPIP0::${host}::hislip0::INSTR`
        : `TCPIP0::${host}::hislip0,${port}::INSTR`;
    case 'vxi-11':
    case 'lxi':
      return `TCPIP0::${host}::inst0::INSTR`;
    case 'scpi-raw':
      return `TCPIP0::${host}::${port}::SOCKET`;
  }
}

function isUsable(resource: string): boolean {
  try {
    parseVisaResource(resource);
    return true;
  } catch {
    return false;
  }
}

/** What a set of DNS-SD records names, plus how many announced instances could not be used. */
export interface DnssdMapping {
  resources: DiscoveredResource[];
  unusable: number;
  /** Instances seen in PTR answers whose SRV record is still missing (worth asking for). */
  missingSrv: string[];
  /** SRV targets without an A record (worth asking for). */
  missingAddress: string[];
}

export function resourcesFromDnssd(records: readonly DnsRecord[]): DnssdMapping {
  const instances = new Map<string, { service: InstrumentService; display: string }>();
  const srv = new Map<string, Srv>();
  const txt = new Map<string, Map<string, string>>();
  const ipv4 = new Map<string, string>();
  for (const r of records) {
    if (typeof r?.name !== 'string') continue;
    const name = lower(r.name);
    if (r.type === 'PTR' && typeof r.data === 'string') {
      const service = serviceOf(name);
      const key = lower(r.data);
      if (service && !instances.has(key)) instances.set(key, { service, display: r.data.replace(/\.$/, '') });
    } else if (r.type === 'SRV') {
      const s = asSrv(r.data);
      if (s) srv.set(name, s);
    } else if (r.type === 'TXT') {
      txt.set(name, txtPairs(r.data));
    } else if (r.type === 'A' && isIpv4(r.data) && !ipv4.has(name)) {
      ipv4.set(name, r.data);
    }
  }
  const resources: DiscoveredResource[] = [];
  const missingSrv: string[] = [];
  const missingAddress = new Set<string>();
  let unusable = 0;
  const ordered = [...instances].sort(
    (a, b) => SERVICE_ORDER.indexOf(a[1].service) - SERVICE_ORDER.indexOf(b[1].service),
  );
  for (const [instance, { service, display }] of ordered) {
    const s = srv.get(instance);
    if (!s) {
      missingSrv.push(instance);
      continue;
    }
    const address = ipv4.get(s.target);
    if (address === undefined) missingAddress.add(s.target);
    const host = address ?? (isHostName(s.target) ? s.target : undefined);
    const resource = host === undefined ? undefined : resourceFor(service, host, s.port);
    if (resource === undefined || !isUsable(resource)) {
      unusable++;
      continue;
    }
    const pairs = txt.get(instance);
    const suffix = `.${INSTRUMENT_SERVICE_TYPES[service]}`;
    resources.push({
      resource,
      kind: 'lan',
      via: ['mdns'],
      name: printable(instance.endsWith(suffix) ? display.slice(0, -suffix.length) : display),
      manufacturer: printable(pairs?.get('manufacturer')),
      model: printable(pairs?.get('model')),
      serial: printable(pairs?.get('serialnumber')),
    });
  }
  return { resources, unusable, missingSrv, missingAddress: [...missingAddress] };
}
