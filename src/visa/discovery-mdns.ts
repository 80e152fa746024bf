/**
 * LAN instruments by mDNS / DNS-SD: PTR questions for the instrument service types, answers
 * collected until the deadline, missing SRV / A records asked for once, then mapped to resource
 * strings (discovery-dnssd). The mDNS implementation is injected: production uses the
 * `multicast-dns` package on 224.0.0.251:5353; tests use it unicast on 127.0.0.1.
 */
import type { Clock } from '../core/clock';
import type { DnsRecord } from './discovery-dnssd';
import { INSTRUMENT_SERVICE_TYPES, resourcesFromDnssd } from './discovery-dnssd';
import type { MethodOutcome, MethodRun } from './discovery-types';
import { errorText } from './discovery-types';

interface Question {
  name: string;
  type: 'PTR' | 'SRV' | 'TXT' | 'A';
}

interface ResponsePacket {
  answers?: DnsRecord[];
  additionals?: DnsRecord[];
  authorities?: DnsRecord[];
}

/** The slice of a `multicast-dns` instance this method uses. */
export interface MdnsLike {
  on(event: 'response', listener: (packet: ResponsePacket) => void): unknown;
  on(event: 'error' | 'warning', listener: (err: Error) => void): unknown;
  query(packet: { questions: Question[] }, rinfo?: { address: string; port: number }): void;
  destroy(callback?: () => void): void;
}

export interface MdnsDiscoveryOptions {
  /** A fresh mDNS endpoint; called once per discovery and destroyed at its end. */
  create: () => MdnsLike;
  /** Where queries go; undefined: the instance's own default (the mDNS multicast group). */
  target?: { address: string; port: number };
  clock: Clock;
  /** When to ask again, in case a datagram was lost (ms after the first; none if omitted). */
  resendAfterMs?: number;
}

/** A responder may flood us; beyond this many records the rest are not kept. */
const MAX_RECORDS = 4096;
/** Follow-up questions (SRV / TXT / A) per discovery: bounded so a hostile answer cannot loop us. */
const MAX_FOLLOW_UPS = 64;

const PTR_QUESTIONS: Question[] = Object.values(INSTRUMENT_SERVICE_TYPES).map((name) => ({
  name,
  type: 'PTR',
}));

function destroy(mdns: MdnsLike): Promise<void> {
  return new Promise((resolve) => {
    try {
      mdns.destroy(() => resolve());
    } catch {
      resolve();
    }
  });
}

export async function discoverMdns(options: MdnsDiscoveryOptions, run: MethodRun): Promise<MethodOutcome> {
  const report = { method: 'mdns' as const, searched: true, ignored: 0 };
  let mdns: MdnsLike;
  let failure: string | undefined;
  try {
    mdns = options.create();
  } catch (err) {
    return {
      report: { ...report, searched: false, reason: `mDNS unavailable: ${errorText(err)}` },
      resources: [],
    };
  }
  const records: DnsRecord[] = [];
  const announced = new Set<string>();
  const asked = new Set<string>();
  let warnings = 0;
  const ask = (questions: Question[]): void => {
    try {
      mdns.query({ questions }, options.target);
    } catch (err) {
      failure ??= errorText(err);
    }
  };
  const followUp = (names: string[], types: Question['type'][]): void => {
    const questions: Question[] = [];
    for (const name of names) {
      if (asked.size >= MAX_FOLLOW_UPS || asked.has(name)) continue;
      asked.add(name);
      for (const type of types) questions.push({ name, type });
    }
    if (questions.length > 0) ask(questions);
  };
  // 'error' is a socket that could not bind (port 5353 taken without address reuse): no search.
  mdns.on('error', (err) => {
    failure ??= errorText(err);
  });
  // 'warning' is an undecodable packet or a membership that failed on one interface.
  mdns.on('warning', () => {
    warnings++;
  });
  mdns.on('response', (packet) => {
    const before = records.length;
    for (const list of [packet?.answers, packet?.additionals, packet?.authorities]) {
      if (!Array.isArray(list)) continue;
      for (const r of list) if (records.length < MAX_RECORDS) records.push(r);
    }
    if (records.length === before) return;
    const mapped = resourcesFromDnssd(records);
    for (const r of mapped.resources) {
      if (announced.has(r.resource)) continue;
      announced.add(r.resource);
      run.onResource?.(r);
    }
    followUp(mapped.missingSrv, ['SRV', 'TXT']);
    followUp(mapped.missingAddress, ['A']);
  });
  ask(PTR_QUESTIONS);
  const resend =
    options.resendAfterMs !== undefined
      ? options.clock.setTimeout(() => ask(PTR_QUESTIONS), options.resendAfterMs)
      : undefined;
  await run.until;
  if (resend !== undefined) options.clock.clearTimeout(resend);
  await destroy(mdns);
  const mapped = resourcesFromDnssd(records);
  report.ignored = warnings + mapped.unusable;
  if (failure !== undefined && mapped.resources.length === 0) {
    return { report: { ...report, searched: false, reason: `mDNS query failed: ${failure}` }, resources: [] };
  }
  return { report, resources: mapped.resources };
}
