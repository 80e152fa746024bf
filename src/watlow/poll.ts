/**
 * One poll over many controllers: the scheduling rule of watlow-poll (controllers on different ports
 * concurrently, controllers on one port one after another) and the shaping of results into
 * samples and one aggregate error. Used by the WatlowManager and by the watlow-poll node, which
 * holds its controllers through config nodes rather than a manager.
 */
import type { ErrorCode, LabbenchError } from '../core/errors';
import { PollFailedError, toLabbenchError } from '../core/errors';
import type { ReadOutcome, ReadRequest, WatlowReading } from './controller-config';
import type { WatlowProtocol } from './types';

/** One value of a poll (the perPoll sample of watlow-poll, docs/nodes.md). */
export interface PollSample {
  controller: string;
  parameter: string;
  parameterId?: number;
  instance: number;
  value: number | string | null;
  raw: number | string | null;
  units: string;
  timestamp: number;
  protocol: WatlowProtocol;
  error?: { code: ErrorCode; message: string; deviceCode?: number | string };
}

export interface PollItem {
  parameter: string | number;
  instance?: number;
}

/** Poll failure under the 'raise' policy: every failure in `failures`, the good samples in `samples`. */
export class WatlowPollError extends PollFailedError {
  readonly samples: readonly PollSample[];
  constructor(message: string, failures: readonly LabbenchError[], samples: readonly PollSample[]) {
    super(message, failures);
    this.samples = samples;
    // Reported under the contract's name; the subclass only adds the successful samples.
    this.name = 'PollFailedError';
  }
}

/** What a poll needs of a controller. */
export interface PollTarget {
  controller: string;
  protocol: WatlowProtocol;
  /** Canonical key of the port: targets with the same key are polled one after another. */
  portKey: string;
  readMany(items: readonly ReadRequest[]): Promise<ReadOutcome[]>;
}

/** `<controller>/<parameter>` with `/<instance>` when the instance is not 1 (the watlow-poll topic, docs/nodes.md). */
export function sampleTopic(s: { controller: string; parameter: string; instance: number }): string {
  return `${s.controller}/${s.parameter}${s.instance !== 1 ? `/${s.instance}` : ''}`;
}

export function sampleOf(reading: WatlowReading): PollSample {
  return {
    controller: reading.controller,
    parameter: reading.parameter,
    parameterId: reading.parameterId,
    instance: reading.instance,
    value: reading.value,
    raw: reading.raw,
    units: reading.units,
    timestamp: reading.timestamp,
    protocol: reading.protocol,
  };
}

/** Samples carry a plain {code, message} copy; the error object itself is kept here. */
const sampleErrors = new WeakMap<PollSample, LabbenchError>();

export function failedSample(
  target: { controller: string; protocol: WatlowProtocol },
  item: PollItem,
  err: LabbenchError,
): PollSample {
  const sample: PollSample = {
    controller: target.controller,
    parameter: String(item.parameter),
    instance: item.instance ?? 1,
    value: null,
    raw: null,
    units: '',
    timestamp: Date.now(),
    protocol: target.protocol,
    error: { code: err.code, message: err.message },
  };
  if (err.deviceCode !== undefined) sample.error!.deviceCode = err.deviceCode;
  sampleErrors.set(sample, err);
  return sample;
}

/** The error behind a failed sample. */
export function errorOfSample(sample: PollSample): LabbenchError | undefined {
  if (!sample.error) return undefined;
  return sampleErrors.get(sample) ?? toLabbenchError(new Error(sample.error.message));
}

/**
 * Reads `items` from every target. Ports run concurrently, targets sharing a port run in order
 * (the port's FIFO lock would serialise them anyway; doing it here keeps one controller's reads
 * together). Every read is attempted; samples come in target-then-item order, failures as
 * samples with `error`.
 */
export async function pollTargets(
  targets: readonly PollTarget[],
  items: readonly PollItem[],
): Promise<PollSample[]> {
  const requests = items.map((i) => ({ parameter: i.parameter, instance: i.instance ?? 1 }));
  const byPort = new Map<string, PollTarget[]>();
  for (const target of targets) {
    const group = byPort.get(target.portKey);
    if (group) group.push(target);
    else byPort.set(target.portKey, [target]);
  }
  const results = new Map<PollTarget, PollSample[]>();
  await Promise.all(
    [...byPort.values()].map(async (group) => {
      for (const target of group) {
        try {
          const readings = await target.readMany(requests);
          results.set(
            target,
            readings.map((r, i) => (r.ok ? sampleOf(r.reading) : failedSample(target, items[i]!, r.error))),
          );
        } catch (err) {
          const e = toLabbenchError(err);
          results.set(
            target,
            items.map((item) => failedSample(target, item, e)),
          );
        }
      }
    }),
  );
  return targets.flatMap((t) => results.get(t) ?? []);
}

function withoutFinalPeriod(text: string): string {
  return text.endsWith('.') ? text.slice(0, -1) : text;
}

/** One WatlowPollError listing every failed sample, or undefined when all succeeded. */
export function pollError(samples: readonly PollSample[], goodWhere = 'read'): WatlowPollError | undefined {
  const failed = samples.filter((s) => s.error);
  if (failed.length === 0) return undefined;
  const good = samples.filter((s) => !s.error);
  // Each failure's message is a sentence of its own; its final period would double the list's.
  const lines = failed.map(
    (s) => `${sampleTopic(s)}: ${s.error!.code} ${withoutFinalPeriod(s.error!.message)}`,
  );
  return new WatlowPollError(
    `Watlow poll: ${failed.length} of ${samples.length} reads failed — ${lines.join('; ')}${good.length ? ` — the other ${good.length} values were ${goodWhere}` : ''}.`,
    failed.map((s) => errorOfSample(s)!),
    good,
  );
}
