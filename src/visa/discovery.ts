/**
 * Instrument discovery, on request and in bounded time: USBTMC devices, LAN instruments found by
 * VXI-11 portmapper broadcast and by mDNS / DNS-SD, and the simulated instruments, merged into one
 * list (one entry per instrument, whichever methods saw it). Every backend is a parameter; a
 * method whose backend is not given is not run. Never throws: a method that cannot search here
 * says why in its report.
 */
import type { Clock } from '../core/clock';
import { systemClock } from '../core/clock';
import { visaKey } from '../core/identity';
import type { UsbBackend } from '../transport/usbtmc-types';
import { discoverMdns } from './discovery-mdns';
import type { MdnsDiscoveryOptions } from './discovery-mdns';
import type {
  DiscoveredResource,
  DiscoveryMethod,
  MethodOutcome,
  MethodReport,
  MethodRun,
} from './discovery-types';
import { errorText } from './discovery-types';
import { discoverUsbtmc } from './discovery-usb';
import { discoverVxi11 } from './discovery-vxi11';
import type { Vxi11DiscoveryOptions } from './discovery-vxi11';

export type { DiscoveredResource, DiscoveryMethod, MethodReport } from './discovery-types';

export const DEFAULT_DISCOVERY_TIMEOUT_MS = 3000;
/** The editor waits for the answer: more than a minute is a mistake, not a setting. */
export const MAX_DISCOVERY_TIMEOUT_MS = 60000;

export interface SimulatorListing {
  resource: string;
  model: string;
  serial: string;
}

export interface DiscoveryOptions {
  /** USB devices; omitted: USB is not searched. */
  usb?: UsbBackend;
  /** VXI-11 portmapper broadcast; omitted: not run. */
  vxi11?: Omit<Vxi11DiscoveryOptions, 'clock'>;
  /** mDNS / DNS-SD; omitted: not run. */
  mdns?: Omit<MdnsDiscoveryOptions, 'clock'>;
  /** The simulated instruments installed here. */
  simulators?: () => readonly SimulatorListing[];
  /** How long the network methods listen (and USB may take), ms; default 3000. */
  timeoutMs?: number;
  clock?: Clock;
  /** Called as each entry is found (before the merged result), for progress and tests. */
  onResource?: (resource: DiscoveredResource) => void;
}

export interface DiscoveryResult {
  resources: DiscoveredResource[];
  /** One report per method that was asked for (not for the ones left out). */
  methods: MethodReport[];
  /** Kept for callers that only ask about USB. */
  usb: { available: boolean; reason?: string };
}

function boundedTimeout(ms: number | undefined): number {
  if (ms === undefined || !Number.isFinite(ms)) return DEFAULT_DISCOVERY_TIMEOUT_MS;
  return Math.min(MAX_DISCOVERY_TIMEOUT_MS, Math.max(0, Math.round(ms)));
}

/** One entry per instrument: spellings with one canonical key merge, keeping every method. */
export function mergeDiscovered(lists: readonly DiscoveredResource[][]): DiscoveredResource[] {
  const byKey = new Map<string, DiscoveredResource>();
  for (const list of lists) {
    for (const r of list) {
      let key: string;
      try {
        key = visaKey(r.resource);
      } catch {
        key = r.resource; // e.g. a USB device whose serial is unreadable ("?")
      }
      const seen = byKey.get(key);
      if (!seen) {
        byKey.set(key, { ...r, via: [...r.via] });
        continue;
      }
      for (const m of r.via) if (!seen.via.includes(m)) seen.via.push(m);
      seen.manufacturer ??= r.manufacturer;
      seen.model ??= r.model;
      seen.serial ??= r.serial;
      seen.name ??= r.name;
    }
  }
  return [...byKey.values()];
}

function simulatorOutcome(list: () => readonly SimulatorListing[]): MethodOutcome {
  const report: MethodReport = { method: 'sim', searched: true, ignored: 0 };
  try {
    const resources = list().map((s): DiscoveredResource => ({
      resource: s.resource,
      kind: 'sim',
      via: ['sim'],
      model: s.model,
      serial: s.serial,
      manufacturer: 'simulated',
    }));
    return { report, resources };
  } catch (err) {
    return { report: { ...report, searched: false, reason: String(err) }, resources: [] };
  }
}

/** A method that fails in a way it did not foresee reports it instead of failing the whole search. */
async function safely(method: DiscoveryMethod, body: () => Promise<MethodOutcome>): Promise<MethodOutcome> {
  try {
    return await body();
  } catch (err) {
    return { report: { method, searched: false, reason: errorText(err), ignored: 0 }, resources: [] };
  }
}

/** Runs the requested methods side by side and returns when the time is up (or all are done). */
export async function discoverVisaResources(options: DiscoveryOptions = {}): Promise<DiscoveryResult> {
  const clock = options.clock ?? systemClock;
  const timeoutMs = boundedTimeout(options.timeoutMs);
  let timer: unknown;
  const until = new Promise<void>((resolve) => {
    timer = clock.setTimeout(resolve, timeoutMs);
  });
  const run: MethodRun = {
    until,
    onResource: (r) => {
      try {
        options.onResource?.(r);
      } catch {
        // a progress callback must not stop discovery
      }
    },
  };
  const pending: Promise<MethodOutcome>[] = [];
  if (options.usb) pending.push(safely('usb', () => discoverUsbtmc(options.usb!, run)));
  if (options.vxi11) pending.push(safely('vxi11', () => discoverVxi11({ ...options.vxi11!, clock }, run)));
  if (options.mdns) pending.push(safely('mdns', () => discoverMdns({ ...options.mdns!, clock }, run)));
  if (options.simulators) pending.push(Promise.resolve(simulatorOutcome(options.simulators)));
  const outcomes = await Promise.all(pending);
  clock.clearTimeout(timer);
  const usbReport = outcomes.find((o) => o.report.method === 'usb')?.report;
  return {
    resources: mergeDiscovered(outcomes.map((o) => o.resources)),
    methods: outcomes.map((o) => o.report),
    usb: usbReport
      ? { available: usbReport.searched, reason: usbReport.reason }
      : { available: false, reason: 'USB was not searched.' },
  };
}

/** Just the list (what the editor's resource picker asks for). */
export async function listResources(options: DiscoveryOptions = {}): Promise<DiscoveredResource[]> {
  return (await discoverVisaResources(options)).resources;
}

/** Whether any method could search at all: "nothing found" versus "not possible here". */
export function anySearched(
  result: DiscoveryResult,
  methods: readonly DiscoveryMethod[] = ['usb', 'vxi11', 'mdns'],
): boolean {
  return result.methods.some((m) => methods.includes(m.method) && m.searched);
}
