/**
 * Editor helper endpoints (the pattern Node-RED's core nodes use): namespaced under the package name, guarded by
 * `RED.auth.needsPermission`, registered once per runtime, and failure-tolerant — a listing that
 * fails (no udevadm, no USB access) still answers 200 with what is known, because the dialogs
 * always accept free text anyway.
 *
 *   GET labbench/serial-ports     → [{ value, label }]  OS serial ports + simulated buses
 *   GET labbench/visa-resources   → [{ value, label }]  discovered VISA resources + simulators
 *   GET labbench/watlow-parameters → [{ value, label, id, writable, units }]  the catalogue
 *   POST labbench/visa-discover   → instruments found on request (see visa-discover.ts)
 */
import type { NodeAPI } from 'node-red';
import { labbenchBackends } from './backends';
import { registerScanEndpoints } from './scan-endpoint';
import { VISA_DISCOVER_PATH, visaDiscoverHandler } from './visa-discover';
import { transportLib, visaLib, watlowLib } from './libraries';

export interface Suggestion {
  value: string;
  label: string;
}

export const SERIAL_PORTS_PATH = '/labbench/serial-ports';
export const VISA_RESOURCES_PATH = '/labbench/visa-resources';
export const WATLOW_PARAMETERS_PATH = '/labbench/watlow-parameters';

/** The Watlow parameter catalogue for the poll/write dialogs' typeahead. */
export function watlowParameterSuggestions(): (Suggestion & {
  id: number;
  writable: boolean;
  units: string;
})[] {
  return watlowLib().PARAMETERS.map((p) => ({
    value: p.name,
    label: `${p.name} (${p.id}) — ${p.label}${p.writable ? '' : ', read-only'}`,
    id: p.id,
    writable: p.writable,
    units: p.units,
  }));
}

const SIM_BUS_EXAMPLES: Suggestion[] = [
  { value: 'sim:bench?addresses=1,2', label: 'simulated Watlow bus "bench", controllers 1 and 2' },
];
const SIM_VISA_EXAMPLES: Suggestion[] = [
  { value: 'SIM::2281S::DEMO01::INSTR', label: 'simulated Keithley 2281S' },
  { value: 'SIM::DMM::DMM01::INSTR', label: 'simulated DMM (any SCPI instrument: scpi node)' },
];

/** Bounded wait: a hung enumeration must not hang the editor dialog. */
function withTimeout<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.catch(() => fallback),
    new Promise<T>((resolve) => {
      timer = setTimeout(() => resolve(fallback), ms);
    }),
  ]).finally(() => {
    if (timer) clearTimeout(timer);
  });
}

export async function listOsSerialPorts(): Promise<Suggestion[]> {
  // The library never throws here: no udevadm (containers) or no binary yields an empty list.
  const { ports } = await transportLib().listSerialPorts();
  return ports.map((p) => ({
    value: p.path,
    label: [p.path, p.manufacturer, p.serialNumber ? `S/N ${p.serialNumber}` : undefined]
      .filter(Boolean)
      .join(' — '),
  }));
}

export type VisaLister = () => Promise<Suggestion[]>;

/** By default the VISA library discovers instruments through the adapter's opener table. */
function discoveringLister(RED: NodeAPI): VisaLister {
  return async () => {
    const found = await visaLib().discoverVisaResources({ openers: labbenchBackends(RED).openers });
    return found.resources.map((r) => {
      const what = [r.manufacturer, r.model, r.serial ? `S/N ${r.serial}` : undefined]
        .filter(Boolean)
        .join(' ');
      return { value: r.resource, label: [r.resource, what, r.note].filter(Boolean).join(' — ') };
    });
  };
}

/** Set in tests; otherwise `discoveringLister`. */
let visaLister: VisaLister | undefined;

export function setVisaLister(fn: VisaLister): void {
  visaLister = fn;
}

function configured(RED: NodeAPI, type: string, prop: string): Suggestion[] {
  const out: Suggestion[] = [];
  try {
    RED.nodes.eachNode((n) => {
      const rec = n as unknown as Record<string, unknown>;
      if (n.type === type && typeof rec[prop] === 'string' && rec[prop] !== '') {
        out.push({
          value: String(rec[prop]),
          label: `${String(rec[prop])} (in use${n.name ? `: ${n.name}` : ''})`,
        });
      }
    });
  } catch {
    // no flows yet
  }
  return out;
}

function unique(list: Suggestion[]): Suggestion[] {
  const seen = new Set<string>();
  return list.filter((s) => (seen.has(s.value) ? false : (seen.add(s.value), true)));
}

const registered = new WeakSet<object>();

/** Registers both endpoints once per runtime (module load); later calls are no-ops. */
export function registerAdminEndpoints(RED: NodeAPI): void {
  const app = RED.httpAdmin as unknown as {
    get?: (path: string, ...handlers: unknown[]) => void;
    post?: (path: string, ...handlers: unknown[]) => void;
    delete?: (path: string, ...handlers: unknown[]) => void;
  };
  if (!app || typeof app.get !== 'function' || registered.has(app)) return;
  registered.add(app);
  const needs = (perm: string) =>
    RED.auth && typeof RED.auth.needsPermission === 'function'
      ? RED.auth.needsPermission(perm)
      : (_req: unknown, _res: unknown, next: () => void) => next();

  type Res = { json(body: unknown): void };
  app.get(SERIAL_PORTS_PATH, needs('labbench-serial-port.read'), (_req: unknown, res: Res) => {
    void withTimeout(listOsSerialPorts(), 3000, [] as Suggestion[]).then((os) => {
      res.json(unique([...os, ...configured(RED, 'labbench-serial-port', 'path'), ...SIM_BUS_EXAMPLES]));
    });
  });
  app.get(VISA_RESOURCES_PATH, needs('labbench-visa.read'), (_req: unknown, res: Res) => {
    void withTimeout(
      Promise.resolve().then(() => (visaLister ?? discoveringLister(RED))()),
      5000,
      [] as Suggestion[],
    ).then((found) => {
      res.json(unique([...found, ...configured(RED, 'labbench-visa', 'resource'), ...SIM_VISA_EXAMPLES]));
    });
  });
  registerScanEndpoints(() => labbenchBackends(RED).openers, app, needs);
  // Discovery sends broadcasts and multicast: an action, so the write permission, and POST only.
  app.post?.(VISA_DISCOVER_PATH, needs('labbench-visa.write'), visaDiscoverHandler(RED));
  app.get(WATLOW_PARAMETERS_PATH, needs('labbench-watlow.read'), (_req: unknown, res: Res) => {
    try {
      res.json(watlowParameterSuggestions());
    } catch {
      res.json([]);
    }
  });
}
