/**
 * Bus scan: which Watlow controllers answer on a port, and who they are. Std Bus addresses 1..16
 * and a Modbus range the caller chooses, optionally at several baud rates.
 *
 * Every probe is ONE short transaction on the port's FIFO (a read of the hardware ID with a short
 * reply timeout and no retry), so the polls already running on the port keep their place and wait
 * at most one probe. A controller that answers is then identified (hardware ID, firmware, serial
 * number, and the part number over Std Bus) in a few more transactions, one at a time.
 *
 * The port is claimed for each protocol scanned, like any other user: a port another protocol holds
 * refuses the scan (E_PROTOCOL_CONFLICT, naming the holder) before anything is sent. Other baud
 * rates need the port reopened with other settings, which is only possible when no other user
 * holds it; otherwise the scan is refused (E_SETTINGS_CONFLICT) before it starts. The scan is
 * bounded (a deadline for the whole) and can be cancelled with an AbortSignal.
 */
import type { Clock } from '../core/clock';
import { systemClock } from '../core/clock';
import { InvalidInputError, TimeoutError, hasErrorCode, toLabbenchError } from '../core/errors';
import type { ResourceKey } from '../core/identity';
import type { ClaimSettings, Lease, ResourceRegistry } from '../core/registry';
import type { ByteStream } from '../transport/types';
import { WatlowController } from './controller';
import type { WatlowProtocol } from './types';

export const STD_BUS_ADDRESSES: readonly number[] = Array.from({ length: 16 }, (_, i) => i + 1);
export const SCAN_BAUD_RATES: readonly number[] = [9600, 19200, 38400];

export interface ScanPlan {
  /** Std Bus addresses to probe (1..16); omitted or empty: Std Bus is not scanned. */
  stdbus?: readonly number[];
  /** Modbus addresses to probe (1..247); omitted or empty: Modbus is not scanned. */
  modbus?: readonly number[];
  /** Baud rates to try (each reopens the port); omitted: the port's own settings only. */
  baudRates?: readonly number[];
}

/** The port the scan works on: how to take a lease on it for a protocol (at a baud rate). */
export interface ScanPort {
  label: string;
  /**
   * A lease claiming the port for `protocol`, at `baudRate` when given (the port's own settings
   * otherwise). Throws the registry's conflict errors.
   */
  acquire(protocol: WatlowProtocol, baudRate?: number): Lease<ByteStream>;
  /** Whether anyone else holds the port now (then other baud rates cannot be tried). */
  heldByOthers(): boolean;
}

export interface FoundController {
  protocol: WatlowProtocol;
  address: number;
  /** The baud rate it answered at (when several were tried). */
  baudRate?: number;
  hardwareId?: number;
  firmwareId?: number;
  partNumber?: string;
  serialNumber?: string;
  /** Modbus: the data map whose registers the controller answers (1 or 2). */
  map?: 1 | 2;
}

export interface ScanProgress {
  probed: number;
  total: number;
  /** What is being probed now. */
  current?: { protocol: WatlowProtocol; address: number; baudRate?: number };
  found: readonly FoundController[];
}

export interface ScanOptions {
  /** Reply timeout of one probe, ms (default 150). */
  probeTimeoutMs?: number;
  /** Bound on the whole scan, ms (default 60 000); past it the scan ends with what it found. */
  deadlineMs?: number;
  signal?: AbortSignal;
  onProgress?(progress: ScanProgress): void;
  clock?: Clock;
}

export interface ScanResult {
  found: FoundController[];
  /** Devices that answered the probe with a refusal: on the bus, but not a Watlow controller (a meter). */
  others: { protocol: WatlowProtocol; address: number; baudRate?: number; reason: string }[];
  probed: number;
  /** True when the deadline ended the scan before every address was probed. */
  truncated: boolean;
}

function checkAddresses(list: readonly number[], max: number, what: string): void {
  for (const a of list)
    if (!Number.isInteger(a) || a < 1 || a > max)
      throw new InvalidInputError(
        `${what} addresses must be whole numbers 1…${max}; got ${JSON.stringify(a)}.`,
      );
}

/** Validates a plan (before anything is claimed or sent). */
export function validateScanPlan(plan: ScanPlan): {
  stdbus: number[];
  modbus: number[];
  baudRates: number[];
} {
  const stdbus = [...new Set(plan.stdbus ?? [])];
  const modbus = [...new Set(plan.modbus ?? [])];
  checkAddresses(stdbus, 16, 'Std Bus');
  checkAddresses(modbus, 247, 'Modbus');
  if (stdbus.length + modbus.length === 0)
    throw new InvalidInputError('Nothing to scan: choose Std Bus, a Modbus address range, or both.');
  const baudRates = [...new Set(plan.baudRates ?? [])];
  for (const b of baudRates)
    if (!SCAN_BAUD_RATES.includes(b))
      throw new InvalidInputError(
        `Scan baud rates are ${SCAN_BAUD_RATES.join(', ')}; got ${JSON.stringify(b)}.`,
      );
  return { stdbus, modbus, baudRates };
}

/** An absent controller: nothing (or only garbage) answered the probe. */
function isSilence(err: unknown): boolean {
  return hasErrorCode(err, 'E_TIMEOUT') || hasErrorCode(err, 'E_PROTOCOL');
}

export async function scanBus(
  port: ScanPort,
  plan: ScanPlan,
  options: ScanOptions = {},
): Promise<ScanResult> {
  const { stdbus, modbus, baudRates } = validateScanPlan(plan);
  const clock = options.clock ?? systemClock;
  const deadline = clock.now() + (options.deadlineMs ?? 60_000);
  const probeTimeoutMs = options.probeTimeoutMs ?? 150;
  const bauds: (number | undefined)[] = baudRates.length > 0 ? baudRates : [undefined];
  if (baudRates.length > 0 && port.heldByOthers())
    throw new InvalidInputError(
      `${port.label} is in use by other nodes, so it cannot be reopened at other baud rates. Scan at the port's own settings, or stop the flows using it first.`,
    );
  const protocols: [WatlowProtocol, number[]][] = [];
  if (stdbus.length > 0) protocols.push(['stdbus', stdbus]);
  if (modbus.length > 0) protocols.push(['modbus', modbus]);
  // Claim every protocol once up front: a conflict refuses the whole scan before any probe.
  for (const [protocol] of protocols) port.acquire(protocol, bauds[0]).release({ immediate: false });

  const total = bauds.length * (stdbus.length + modbus.length);
  const found: FoundController[] = [];
  const others: ScanResult['others'] = [];
  let probed = 0;
  let truncated = false;
  const report = (current?: ScanProgress['current']) => {
    try {
      options.onProgress?.({ probed, total, current, found: [...found] });
    } catch {
      // a progress listener must not stop the scan
    }
  };
  outer: for (const baudRate of bauds) {
    for (const [protocol, addresses] of protocols) {
      const lease = port.acquire(protocol, baudRate);
      try {
        for (const address of addresses) {
          options.signal?.throwIfAborted();
          if (clock.now() >= deadline) {
            truncated = true;
            break outer;
          }
          if (found.some((f) => f.protocol === protocol && f.address === address)) {
            probed++;
            continue;
          }
          report({ protocol, address, baudRate });
          const hit = await probe(lease, protocol, address, probeTimeoutMs, options.signal);
          probed++;
          const at = baudRate === undefined ? {} : { baudRate };
          if (hit && 'reason' in hit) others.push({ protocol, address, ...at, reason: hit.reason });
          else if (hit) found.push({ ...hit, ...at });
          report();
        }
      } finally {
        lease.release({ immediate: baudRate !== undefined });
      }
    }
  }
  return { found, others, probed, truncated };
}

/** One probe, then the identity of what answered; undefined when nothing did. */
async function probe(
  lease: Lease<ByteStream>,
  protocol: WatlowProtocol,
  address: number,
  probeTimeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<FoundController | { reason: string } | undefined> {
  const controller = new WatlowController(
    lease,
    { name: `scan-${protocol}-${address}`, protocol, address, wordOrder: 'lowHigh', map: 1 },
    { replyTimeoutMs: probeTimeoutMs, retries: 0 },
  );
  try {
    await controller.read('hardwareId');
  } catch (err) {
    signal?.throwIfAborted();
    if (isSilence(err)) return undefined;
    // A refusal proves a device at that address, but a Watlow controller has a hardware ID.
    if (hasErrorCode(err, 'E_DEVICE_ERROR')) return { reason: toLabbenchError(err).message };
    throw toLabbenchError(err);
  }
  const hit: FoundController = { protocol, address };
  try {
    const id = await controller.identify({ refresh: true });
    if (id.hardwareId !== undefined) hit.hardwareId = id.hardwareId;
    if (id.firmwareId !== undefined) hit.firmwareId = id.firmwareId;
    if (id.partNumber !== undefined) hit.partNumber = id.partNumber;
    if (id.serialNumber !== undefined) hit.serialNumber = id.serialNumber;
  } catch (err) {
    signal?.throwIfAborted();
    if (!(err instanceof TimeoutError) && !hasErrorCode(err, 'E_DEVICE_ERROR')) throw toLabbenchError(err);
  }
  if (protocol === 'stdbus') return hit;
  // Any Modbus device may have holding registers 0..12 (where the identity lives); an EZ-ZONE
  // also has its process value where data map 1 or 2 puts it, which tells the map too.
  for (const map of [1, 2] as const) {
    const probeMap = new WatlowController(
      lease,
      { name: `scan-modbus-${address}`, protocol, address, wordOrder: 'lowHigh', map },
      { replyTimeoutMs: probeTimeoutMs, retries: 0 },
    );
    try {
      await probeMap.read('processValue');
      return { ...hit, map };
    } catch (err) {
      signal?.throwIfAborted();
      if (!hasErrorCode(err, 'E_DEVICE_ERROR')) return hit;
    }
  }
  return {
    reason: `Modbus unit ${address} answers, but has no EZ-ZONE process value in data map 1 or 2: another Modbus device.`,
  };
}

/** What `registryScanPort` needs to know about the port. */
export interface RegistryScanPortSpec {
  key: ResourceKey;
  label: string;
  /** Who scans, for conflict messages ('the bus scan of "Bench bus"'). */
  holder: string;
  /** The port's own serial settings; undefined on a network path (the device server's business). */
  settings: ClaimSettings | undefined;
  /** Opens the port at a baud rate (undefined = its own settings). */
  open(baudRate?: number): Promise<ByteStream>;
}

/** A ScanPort on a registry: the scan's leases are claims like any other user's. */
export function registryScanPort(registry: ResourceRegistry, spec: RegistryScanPortSpec): ScanPort {
  return {
    label: spec.label,
    acquire: (protocol, baudRate) =>
      registry.acquire<ByteStream>({
        key: spec.key,
        label: spec.label,
        holder: spec.holder,
        claim: {
          protocol,
          settings: baudRate === undefined || !spec.settings ? spec.settings : { ...spec.settings, baudRate },
        },
        open: () => spec.open(baudRate),
      }),
    heldByOthers: () => (registry.get(spec.key)?.leaseCount ?? 0) > 0,
  };
}
