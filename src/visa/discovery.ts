/**
 * Instrument discovery, on request and in bounded time: what the opener table's backends list by
 * themselves (USBTMC devices, the table's simulated instruments), LAN instruments found by VXI-11
 * portmapper broadcast and by mDNS / DNS-SD, merged into one list (one entry per instrument,
 * whichever methods saw it). Every backend is a parameter; a method whose backend is not given is
 * not run. Never throws: a method that cannot search here says why in its report.
 */
import type { Clock } from '../core/clock';
import { systemClock } from '../core/clock';
import { visaKey } from '../core/identity';
import { listMessageResources } from '../transport/openers';
import type { ListedResource, Openers } from '../transport/openers';
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
import { discoverVxi11 } from './discovery-vxi11';
import type { Vxi11DiscoveryOptions } from './discovery-vxi11';

export type { DiscoveredResource, DiscoveryMethod, MethodReport } from './discovery-types';

export const DEFAULT_DISCOVERY_TIMEOUT_MS = 3000;
/** The editor waits for the answer: more than a minute is a mistake, not a setting. */
export const MAX_DISCOVERY_TIMEOUT_MS = 60000;

export interface DiscoveryOptions {
  /** The opener table whose backends list what they reach (USB, simulators); omitted: not run. */
  openers?: Openers;
  /** VXI-11 portmapper broadcast; omitted: not run. */
  vxi11?: Omit<Vxi11DiscoveryOptions, 'clock'>;
  /** mDNS / DNS-SD; omitted: not run. */
  mdns?: Omit<MdnsDiscoveryOptions, 'clock'>;
  /** How long the network methods listen (and the table's listing may take), ms; default 3000. */
  timeoutMs?: number;
  clock?: Clock;
  /** Called as each entry is found (before the merged result), for progress and tests. */
  onResource?: (resource: DiscoveredResource) => void;
}

export interface DiscoveryResult {
  resources: DiscoveredResource[];
  /** How each method that was asked for went, in the order usb, vxi11, mdns, sim. */
  methods: MethodReport[];
  /** Whether USB could be searched here, and why not (what the editor shows). */
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

/** The table's listings that discovery reports: USB devices and simulated instruments. */
const LISTED_METHODS = ['usb', 'sim'] as const;
type ListedMethod = (typeof LISTED_METHODS)[number];

function fromListing(listed: ListedResource, method: ListedMethod): DiscoveredResource {
  return {
    resource: listed.resource,
    kind: method,
    via: [method],
    manufacturer: listed.manufacturer ?? (method === 'sim' ? 'simulated' : undefined),
    model: listed.model,
    serial: listed.serial,
    note: listed.note,
  };
}

const TIMED_OUT: unique symbol = Symbol('timed out');

/**
 * What the opener table lists, as one report per listed method. The listing is local and quick,
 * but a hung backend must not hold the editor: the deadline ends the wait. Only the USB and SIM
 * backends list anything (the LAN kinds are found by the network methods).
 */
async function listedOutcomes(
  openers: Openers,
  run: MethodRun,
): Promise<Record<ListedMethod, MethodOutcome>> {
  const outcome = (method: ListedMethod, reason?: string): MethodOutcome => ({
    report: { method, searched: reason === undefined, reason, ignored: 0 },
    resources: [],
  });
  let listed: Awaited<ReturnType<typeof listMessageResources>> | typeof TIMED_OUT;
  try {
    listed = await Promise.race([
      listMessageResources(openers),
      run.until.then((): typeof TIMED_OUT => TIMED_OUT),
    ]);
  } catch (err) {
    const reason = errorText(err);
    return { usb: outcome('usb', reason), sim: outcome('sim', reason) };
  }
  if (listed === TIMED_OUT) {
    const reason = 'The listing of USB devices and simulated instruments did not finish in time.';
    return { usb: outcome('usb', reason), sim: outcome('sim', reason) };
  }
  const result = {} as Record<ListedMethod, MethodOutcome>;
  for (const method of LISTED_METHODS) {
    const missing = listed.unavailable.find((u) => u.scheme === method);
    result[method] = outcome(method, missing?.reason);
  }
  for (const entry of listed.resources) {
    if (entry.kind !== 'usb' && entry.kind !== 'sim') continue;
    const found = fromListing(entry, entry.kind);
    result[entry.kind].resources.push(found);
    run.onResource?.(found);
  }
  return result;
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
  const { openers, vxi11, mdns } = options;
  const [listed, lan, dnssd] = await Promise.all([
    openers ? listedOutcomes(openers, run) : undefined,
    vxi11 ? safely('vxi11', () => discoverVxi11({ ...vxi11, clock }, run)) : undefined,
    mdns ? safely('mdns', () => discoverMdns({ ...mdns, clock }, run)) : undefined,
  ]);
  clock.clearTimeout(timer);
  const outcomes = [listed?.usb, lan, dnssd, listed?.sim].filter((o): o is MethodOutcome => o !== undefined);
  const usbReport = listed?.usb.report;
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
