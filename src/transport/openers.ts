/**
 * The one table of openers: for every address scheme, the function that opens it, or the reason it
 * cannot be opened here. Nothing is installed by importing a module — whoever owns the process
 * (the Node-RED adapter, a library user, a test, the benchmark) builds a table and passes it down,
 * as serialport passes its binding and pyvisa-py registers a session class per interface.
 *
 * Two families: byte streams (a serial path, `sim:<bus>`, `tcp://host:port`,
 * `modbus-tcp://host:port` — framing sits above the stream) and message transports (the VISA
 * resource kinds: USB, SOCKET, VXI-11, HiSLIP, ASRL, SIM). A scheme with no opener fails with
 * E_UNSUPPORTED saying why ("USB unavailable: the usb package could not load: …").
 */
import { UnsupportedError } from '../core/errors';
import { formatVisaResource } from '../core/identity';
import type { VisaResource } from '../core/identity';
import type { MessageTransport } from './message';
import type { ByteStream, SerialSettings } from './types';

// --- byte streams ----------------------------------------------------------------------------------

export type StreamScheme = 'serial' | 'sim' | 'tcp' | 'modbus-tcp';

/** Opens one byte-stream address (the user's spelling, query included) with these settings. */
export type StreamOpener = (address: string, settings: SerialSettings) => Promise<ByteStream>;

/** Which stream scheme an address belongs to; anything without a known prefix is an OS serial path. */
export function streamSchemeOf(address: string): StreamScheme {
  const head = address.trimStart().slice(0, 14).toLowerCase();
  if (head.startsWith('sim:')) return 'sim';
  if (head.startsWith('tcp://')) return 'tcp';
  if (head.startsWith('modbus-tcp://')) return 'modbus-tcp';
  return 'serial';
}

// --- message transports ----------------------------------------------------------------------------

/** The VISA resource kinds. */
export type MessageScheme = VisaResource['kind'];

/** The parsed resource a scheme's opener receives. */
export type ResourceOf<S extends MessageScheme> = Extract<VisaResource, { kind: S }>;

export interface MessageOpenContext {
  /** Canonical spelling of the resource, for messages. */
  label: string;
  /** Connect / open / per-RPC timeout, ms. */
  timeoutMs: number;
  /** Serial settings (ASRL). */
  serial: SerialSettings;
  /** Opens a byte stream through the same table (ASRL rides on a serial stream, `sim:` included). */
  openStream: StreamOpener;
}

export type MessageOpener<S extends MessageScheme> = (
  resource: ResourceOf<S>,
  context: MessageOpenContext,
) => Promise<MessageTransport>;

/** What a scheme's backend finds by itself (USB devices, simulated instruments), for discovery. */
export interface ListedResource {
  resource: string;
  kind: MessageScheme;
  manufacturer?: string;
  model?: string;
  serial?: string;
  /** Why the entry may not open as is (e.g. no access to the serial number). */
  note?: string;
}

export interface MessageBackend<S extends MessageScheme> {
  open: MessageOpener<S>;
  /** Lists what this backend can reach; throws (UnsupportedError) when the backend itself is unavailable. */
  list?: () => Promise<ListedResource[]>;
}

// --- the table -------------------------------------------------------------------------------------

/** A scheme that cannot be opened in this table, and why (shown to the user as E_UNSUPPORTED). */
export interface Unavailable {
  readonly unavailable: string;
}

export function unavailable(reason: string): Unavailable {
  return { unavailable: reason };
}

export interface Openers {
  readonly streams: { readonly [S in StreamScheme]: StreamOpener | Unavailable };
  readonly messages: { readonly [S in MessageScheme]: MessageBackend<S> | Unavailable };
}

/** Entries to override when building a table (`{ streams: { sim: … } }`). */
export interface OpenerOverrides {
  streams?: Partial<Openers['streams']>;
  messages?: Partial<Openers['messages']>;
}

/** `base` with `overrides` on top; neither is changed. */
export function withOpeners(base: Openers, overrides: OpenerOverrides = {}): Openers {
  return {
    streams: { ...base.streams, ...overrides.streams },
    messages: { ...base.messages, ...overrides.messages } as Openers['messages'],
  };
}

function isUnavailable(entry: object): entry is Unavailable {
  return typeof (entry as Partial<Unavailable>).unavailable === 'string';
}

const STREAM_NAMES: Record<StreamScheme, string> = {
  serial: 'Serial ports',
  sim: 'Simulated buses (sim:)',
  tcp: 'TCP streams (tcp://)',
  'modbus-tcp': 'Modbus TCP (modbus-tcp://)',
};

const MESSAGE_NAMES: Record<MessageScheme, string> = {
  usb: 'USB',
  socket: 'TCPIP SOCKET',
  vxi11: 'VXI-11',
  hislip: 'HiSLIP',
  asrl: 'ASRL (serial)',
  sim: 'Simulated instruments (SIM::)',
};

/** Opens a byte stream through the table; E_UNSUPPORTED when the scheme is not available. */
export function openStream(openers: Openers, address: string, settings: SerialSettings): Promise<ByteStream> {
  const scheme = streamSchemeOf(address);
  const entry = openers.streams[scheme];
  if (isUnavailable(entry)) {
    return Promise.reject(
      new UnsupportedError(`${address}: ${STREAM_NAMES[scheme]} unavailable: ${entry.unavailable}`, {
        resource: address,
      }),
    );
  }
  return entry(address, settings);
}

export interface MessageOpenOptions {
  timeoutMs?: number;
  serial?: Partial<SerialSettings>;
}

/** SCPI-over-RS-232 default: 9600 8N1 (what most bench instruments ship with). */
export const DEFAULT_ASRL_SETTINGS: SerialSettings = {
  baudRate: 9600,
  dataBits: 8,
  parity: 'none',
  stopBits: 1,
};

/** Opens the MessageTransport a parsed VISA resource names, through the table. */
export function openMessage(
  openers: Openers,
  resource: VisaResource,
  options: MessageOpenOptions = {},
): Promise<MessageTransport> {
  const label = formatVisaResource(resource);
  const entry = openers.messages[resource.kind] as MessageBackend<typeof resource.kind> | Unavailable;
  if (isUnavailable(entry)) {
    return Promise.reject(
      new UnsupportedError(`${label}: ${MESSAGE_NAMES[resource.kind]} unavailable: ${entry.unavailable}`, {
        resource: label,
      }),
    );
  }
  const context: MessageOpenContext = {
    label,
    timeoutMs: options.timeoutMs ?? 5000,
    serial: { ...DEFAULT_ASRL_SETTINGS, ...options.serial },
    openStream: (address, settings) => openStream(openers, address, settings),
  };
  return (entry.open as MessageOpener<typeof resource.kind>)(resource as never, context);
}

export interface ListResult {
  resources: ListedResource[];
  /** Schemes that could not be searched, and why (USB without the `usb` package, no access…). */
  unavailable: { scheme: MessageScheme; reason: string }[];
}

/** Asks every message backend that can list what it finds; one failing backend does not hide the others. */
export async function listMessageResources(openers: Openers): Promise<ListResult> {
  const resources: ListedResource[] = [];
  const missing: ListResult['unavailable'] = [];
  for (const scheme of Object.keys(openers.messages) as MessageScheme[]) {
    const entry = openers.messages[scheme];
    if (isUnavailable(entry)) {
      missing.push({ scheme, reason: entry.unavailable });
      continue;
    }
    if (!entry.list) continue;
    try {
      resources.push(...(await entry.list()));
    } catch (err) {
      missing.push({ scheme, reason: err instanceof Error ? err.message : String(err) });
    }
  }
  return { resources, unavailable: missing };
}
