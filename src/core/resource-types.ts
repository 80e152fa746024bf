/**
 * The vocabulary of the shared-resource registry: what a user asks for (`ResourceSpec`, its
 * protocol claim), what it can observe (`ResourceState`), and the registry's knobs.
 */
import type { Clock } from './clock';
import { systemClock } from './clock';
import type { LabbenchError } from './errors';
import type { ResourceKey } from './identity';

export interface Closeable {
  close(): Promise<void>;
}

/** Handles that can tell us they died between transactions (serial ports, sockets). */
export interface CloseObservable {
  onClose(listener: (err?: Error) => void): () => void;
}

export function observesClose(handle: unknown): handle is CloseObservable {
  return typeof (handle as Partial<CloseObservable> | null)?.onClose === 'function';
}

export type ClaimSettings = Readonly<Record<string, string | number | boolean>>;

export interface ProtocolClaim {
  /** `stdbus`, `modbus`, `scpi`… The first lease fixes it for the port. */
  protocol: string;
  settings?: ClaimSettings;
}

export interface ResourceSpec<H extends Closeable> {
  key: ResourceKey;
  /** Human form of the resource for messages and status, e.g. "/dev/ttyUSB0". */
  label: string;
  /** Who asks, for messages, e.g. 'labbench-watlow "Oven 1"'. */
  holder: string;
  claim?: ProtocolClaim;
  /** Opens the OS handle. Busy errors are retried on the registry's schedule. */
  open: () => Promise<H>;
}

export type ResourceState = 'closed' | 'opening' | 'open' | 'closing';
/** `reason` says why the resource left `open` (its `code` is one of the package's error codes). */
export type StateListener = (state: ResourceState, reason?: LabbenchError) => void;

export interface RegistryOptions {
  clock?: Clock;
  /** Delay between the last release and the close; 0 closes at once. */
  graceMs?: number;
  /** Transactions allowed to wait behind the one in flight. */
  maxQueue?: number;
  /** Default per-transaction timeout; a safety net above the protocols' own reply timeouts. */
  transactionTimeoutMs?: number;
  /** Waits between open attempts while the device reports busy. */
  openRetryDelaysMs?: readonly number[];
  /** Where teardown errors go (they are never thrown). */
  log?: (message: string) => void;
}

export interface TransactOptions {
  timeoutMs?: number;
  /** What the transaction does, for messages: "read 4001 from address 1". */
  label?: string;
}

export interface ClearReport {
  drivers: number;
  closed: string[];
  kept: string[];
}

export const DEFAULT_OPEN_RETRY_DELAYS_MS: readonly number[] = [200, 500, 1000, 2000];

export type ResolvedRegistryOptions = Required<RegistryOptions>;

export function resolveRegistryOptions(options: RegistryOptions = {}): ResolvedRegistryOptions {
  return {
    clock: options.clock ?? systemClock,
    graceMs: options.graceMs ?? 0,
    maxQueue: options.maxQueue ?? 64,
    transactionTimeoutMs: options.transactionTimeoutMs ?? 30_000,
    openRetryDelaysMs: options.openRetryDelaysMs ?? DEFAULT_OPEN_RETRY_DELAYS_MS,
    log: options.log ?? ((message) => console.warn(`[labbench] ${message}`)),
  };
}
