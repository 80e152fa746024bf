/**
 * The editor's bus scan, a thin adapter over the library's `scanBus`:
 *   POST   labbench/scan       {path, baudRate, dataBits, parity, stopBits, stdbus, modbusFrom,
 *                               modbusTo, tryBaudRates} → {id}   (400 with {code, message} if invalid)
 *   GET    labbench/scan/:id   → {state: running|done|failed|cancelled, progress, result?, error?}
 *   DELETE labbench/scan/:id   → cancels (the scan stops at its next probe)
 * Write permission of labbench-serial-port (a scan talks on the bus). Finished scans are kept for
 * a while so the dialog can read the result, then dropped.
 */
import { defaultRegistry, requireInteger, serialKey, toLabbenchError } from '../../src/core';
import type { Openers } from '../../src/transport';
import type { ScanPlan, ScanProgress, ScanResult } from '../../src/watlow';
import { busLabel } from './bus';
import { parseSerialPortConfig } from './config';
import { transportLib, watlowLib } from './libraries';

export const SCAN_PATH = '/labbench/scan';
const KEEP_FINISHED = 8;
/** Bound on one scan from the editor. */
const SCAN_DEADLINE_MS = 120_000;

interface ScanJob {
  state: 'running' | 'done' | 'failed' | 'cancelled';
  progress: ScanProgress | undefined;
  result?: ScanResult;
  error?: { code: string; message: string };
  abort: AbortController;
}

const jobs = new Map<string, ScanJob>();
let nextId = 1;

function forgetOldJobs(): void {
  const finished = [...jobs.entries()].filter(([, j]) => j.state !== 'running');
  for (const [id] of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) jobs.delete(id);
}

/** The plan a request body asks for. */
export function planFromRequest(body: Record<string, unknown>): ScanPlan {
  const plan: ScanPlan = {};
  if (body.stdbus === true) plan.stdbus = watlowLib().STD_BUS_ADDRESSES;
  if (body.modbusFrom !== undefined && body.modbusFrom !== '') {
    const from = requireInteger(body.modbusFrom, 'First Modbus address', { min: 1, max: 247 });
    const to = requireInteger(body.modbusTo ?? from, 'Last Modbus address', { min: from, max: 247 });
    plan.modbus = Array.from({ length: to - from + 1 }, (_, i) => from + i);
  }
  if (body.tryBaudRates === true) plan.baudRates = watlowLib().SCAN_BAUD_RATES;
  return plan;
}

/** Starts a scan; throws on a bad request (before anything is claimed or sent). */
export function startScan(openers: Openers, body: Record<string, unknown>): string {
  const port = parseSerialPortConfig(body);
  const plan = planFromRequest(body);
  watlowLib().validateScanPlan(plan);
  const key = serialKey(port.path);
  const job: ScanJob = { state: 'running', progress: undefined, abort: new AbortController() };
  const id = String(nextId++);
  jobs.set(id, job);
  forgetOldJobs();
  const { registryScanPort, scanBus } = watlowLib();
  const { openStream, portClaimSettings } = transportLib();
  const scanPort = registryScanPort(defaultRegistry, {
    key,
    label: busLabel(port.path),
    holder: `the bus scan of ${busLabel(port.path)} (editor)`,
    settings: portClaimSettings(port.path, port.settings),
    open: (baudRate) =>
      openStream(openers, port.path, { ...port.settings, baudRate: baudRate ?? port.settings.baudRate }),
  });
  scanBus(scanPort, plan, {
    signal: job.abort.signal,
    deadlineMs: SCAN_DEADLINE_MS,
    probeTimeoutMs: Math.min(port.timeout, 200),
    onProgress: (p) => (job.progress = p),
  }).then(
    (result) => {
      job.state = 'done';
      job.result = result;
    },
    (err: unknown) => {
      if (job.abort.signal.aborted) {
        job.state = 'cancelled';
        return;
      }
      const e = toLabbenchError(err);
      job.state = 'failed';
      job.error = { code: e.code, message: e.message };
    },
  );
  return id;
}

type Req = { body?: unknown; params: { id?: string } };
type Res = { status(code: number): Res; json(body: unknown): void };
type Route = (path: string, ...handlers: unknown[]) => void;

export function registerScanEndpoints(
  openers: () => Openers,
  app: { post?: Route; get?: Route; delete?: Route },
  needs: (perm: string) => unknown,
): void {
  if (typeof app.post !== 'function' || typeof app.get !== 'function' || typeof app.delete !== 'function')
    return;
  const write = needs('labbench-serial-port.write');
  app.post(SCAN_PATH, write, (req: Req, res: Res) => {
    try {
      const body =
        typeof req.body === 'object' && req.body !== null ? (req.body as Record<string, unknown>) : {};
      res.json({ id: startScan(openers(), body) });
    } catch (err) {
      const e = toLabbenchError(err);
      res.status(400).json({ code: e.code, message: e.message });
    }
  });
  app.get(`${SCAN_PATH}/:id`, write, (req: Req, res: Res) => {
    const job = jobs.get(String(req.params.id));
    if (!job) {
      res
        .status(404)
        .json({ code: 'E_NOT_FOUND', message: 'No such scan (finished scans are kept for a while).' });
      return;
    }
    res.json({ state: job.state, progress: job.progress, result: job.result, error: job.error });
  });
  app.delete(`${SCAN_PATH}/:id`, write, (req: Req, res: Res) => {
    const job = jobs.get(String(req.params.id));
    if (!job) {
      res.status(404).json({ code: 'E_NOT_FOUND', message: 'No such scan.' });
      return;
    }
    job.abort.abort(new Error('Scan cancelled.'));
    res.json({ state: job.state === 'running' ? 'cancelling' : job.state });
  });
}
