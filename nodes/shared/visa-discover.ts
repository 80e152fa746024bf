/**
 * The editor's "Discover" action for labbench-visa: POST labbench/visa-discover[?timeout=<ms>]
 * runs one discovery (USBTMC, VXI-11 broadcast, mDNS, simulators) and answers
 *
 *   { outcome: 'found' | 'nothing-found' | 'not-allowed', timeoutMs,
 *     resources: [{ value, label, kind, via }], methods: [{ method, searched, reason?, ignored }] }
 *
 * Only on request (it sends broadcasts and multicast): a POST, guarded by the write permission,
 * never called when a dialog opens. One discovery runs at a time; a request arriving meanwhile
 * gets the running one's answer. `labbenchVisaDiscovery: false` in settings.js switches it off
 * (outcome 'not-allowed'); `labbenchVisaDiscoveryTimeout` sets the default time (ms).
 */
import type { NodeAPI } from 'node-red';
import type { DiscoveredResource, DiscoveryOptions, DiscoveryResult, MethodReport } from '../../src/visa';
import { labbenchBackends } from './backends';
import { visaLib } from './libraries';

export const VISA_DISCOVER_PATH = '/labbench/visa-discover';
export const MIN_DISCOVER_TIMEOUT_MS = 500;
export const MAX_DISCOVER_TIMEOUT_MS = 15000;

export type DiscoverOutcome = 'found' | 'nothing-found' | 'not-allowed';

export interface DiscoverAnswer {
  outcome: DiscoverOutcome;
  timeoutMs: number;
  resources: { value: string; label: string; kind: DiscoveredResource['kind']; via: string[] }[];
  methods: MethodReport[];
}

/** Builds the discovery backends for one request; replaced in tests by loopback ones. */
export type DiscoveryBackends = (timeoutMs: number) => DiscoveryOptions;

/** The real machine: the adapter's opener table (USB, simulators), VXI-11 broadcast and mDNS. */
function systemBackends(RED: NodeAPI): DiscoveryBackends {
  return (timeoutMs) =>
    visaLib().systemDiscoveryOptions({ timeoutMs, openers: labbenchBackends(RED).openers });
}

/** Set in tests; otherwise `systemBackends`. */
let testBackends: DiscoveryBackends | undefined;

/** Tests point discovery at loopback responders; `undefined` restores the real network. */
export function setVisaDiscoveryBackends(fn: DiscoveryBackends | undefined): void {
  testBackends = fn;
}

function label(r: DiscoveredResource): string {
  const what = [r.manufacturer, r.model, r.serial ? `S/N ${r.serial}` : undefined].filter(Boolean).join(' ');
  const how = r.kind === 'sim' ? 'simulated' : r.via.join(' + ');
  return [r.resource, r.name, what, `(${how})`, r.note].filter(Boolean).join(' — ');
}

/** "Nothing found" only when some method could search; simulators alone are not a search. */
export function answerOf(result: DiscoveryResult, timeoutMs: number): DiscoverAnswer {
  const real = result.resources.filter((r) => r.kind !== 'sim');
  const outcome: DiscoverOutcome =
    real.length > 0 ? 'found' : visaLib().anySearched(result) ? 'nothing-found' : 'not-allowed';
  return {
    outcome,
    timeoutMs,
    resources: [...real, ...result.resources.filter((r) => r.kind === 'sim')].map((r) => ({
      value: r.resource,
      label: label(r),
      kind: r.kind,
      via: r.via,
    })),
    methods: result.methods,
  };
}

export function clampTimeout(requested: unknown, fallback: unknown): number {
  const pick = (v: unknown) => (v === undefined || v === '' || v === null ? NaN : Number(v));
  let ms = pick(requested);
  if (!Number.isFinite(ms)) ms = pick(fallback);
  if (!Number.isFinite(ms)) ms = visaLib().DEFAULT_DISCOVERY_TIMEOUT_MS;
  return Math.min(MAX_DISCOVER_TIMEOUT_MS, Math.max(MIN_DISCOVER_TIMEOUT_MS, Math.round(ms)));
}

let running: Promise<DiscoverAnswer> | undefined;

/** One discovery at a time: broadcasts are not something the editor should be able to flood. */
export function runVisaDiscovery(backends: DiscoveryBackends, timeoutMs: number): Promise<DiscoverAnswer> {
  if (running) return running;
  const run = Promise.resolve()
    .then(() => visaLib().discoverVisaResources(backends(timeoutMs)))
    .then((result) => answerOf(result, timeoutMs))
    .catch((err: unknown): DiscoverAnswer => ({
      outcome: 'not-allowed',
      timeoutMs,
      resources: [],
      methods: [{ method: 'usb', searched: false, reason: String(err), ignored: 0 }],
    }))
    .finally(() => {
      running = undefined;
    });
  running = run;
  return run;
}

interface Settings {
  labbenchVisaDiscovery?: unknown;
  labbenchVisaDiscoveryTimeout?: unknown;
}

function setting<K extends keyof Settings>(settings: unknown, key: K): unknown {
  try {
    return (settings as Settings | undefined)?.[key];
  } catch {
    return undefined; // Node-RED's settings object throws for unknown keys in some versions
  }
}

type Req = { query?: Record<string, unknown> };
type Res = { json(body: unknown): void };

/** The request handler (registered by admin.ts behind the write permission). */
export function visaDiscoverHandler(RED: NodeAPI) {
  const settings: unknown = RED.settings;
  return (req: Req, res: Res): void => {
    if (setting(settings, 'labbenchVisaDiscovery') === false) {
      const answer: DiscoverAnswer = {
        outcome: 'not-allowed',
        timeoutMs: 0,
        resources: [],
        methods: [
          {
            method: 'usb',
            searched: false,
            reason: 'instrument discovery is switched off here (labbenchVisaDiscovery: false in settings.js)',
            ignored: 0,
          },
        ],
      };
      res.json(answer);
      return;
    }
    const timeoutMs = clampTimeout(req.query?.timeout, setting(settings, 'labbenchVisaDiscoveryTimeout'));
    void runVisaDiscovery(testBackends ?? systemBackends(RED), timeoutMs).then((answer) => res.json(answer));
  };
}
