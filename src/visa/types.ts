/**
 * The small interfaces the VISA layer is built from. Transports move whole messages; the SCPI
 * session (session.ts) adds termination, timeouts, the error queue and recovery on top; simulated
 * instruments implement `ScpiDeviceModel` once and are then reachable over every transport.
 */

export type { Closeable, MessageTransport } from '../transport/message';

/**
 * What a simulated SCPI instrument implements so every transport simulator (in-process link,
 * raw TCP server, VXI-11 server, simulated USBTMC device) can serve it.
 */
export interface ScpiDeviceModel {
  /**
   * Handles one program message (terminator already removed; it may hold several commands
   * separated by ';'). Returns the response text (no terminator) when the message contained a
   * query — a Buffer when it holds binary data such as an IEEE 488.2 block — null when there is
   * nothing to send. Returning null for a query is how a model simulates
   * a reply that never comes. May return a promise to simulate a slow instrument. Throwing
   * simulates an unplugged instrument: throw an error with an OS code such as 'EIO' or 'ENODEV'
   * (the transports then behave as with real hardware: socket reset, USB "device disconnected").
   */
  execute(message: string): ScpiModelReply | Promise<ScpiModelReply>;
  /** Device clear: drop pending input and output, reset the parser (not the settings). */
  deviceClear(): void;
  /** Remote/local (USBTMC REN_CONTROL / GO_TO_LOCAL, VXI-11 device_remote / device_local). */
  setRemote?(remote: boolean): void;
  /**
   * False while the simulated instrument is "unplugged": opening fails with E_NOT_FOUND and an
   * open link fails like a pulled cable. Absent means always connected.
   */
  isConnected?(): boolean;
  /**
   * A link opens onto the instrument (in-process link, TCP connection, VXI-11 create_link, USB
   * claim). Throwing an OS-coded error refuses it: 'EBUSY' makes the link report busy (USB claim
   * "interface is busy", VXI-11 "device locked"), which the registry retries.
   */
  openSession?(): void;
  /** The link opened by `openSession` is gone (called once per successful open). */
  closeSession?(): void;
  /**
   * USB identity for the simulated USBTMC device descriptors. Optional: the simulator falls back
   * to the options it is given (default Keithley VID 0x05E6).
   */
  readonly usbIdentity?: { vendorId: number; productId: number; manufacturer?: string; product?: string };
}

/** What a model answers to one program message: text, bytes (binary blocks), or nothing. */
export type ScpiModelReply = string | Buffer | null;

/** The bytes a transport simulator sends for a model's reply: the reply plus the LF terminator. */
export function modelReplyBytes(reply: string | Buffer): Buffer {
  if (typeof reply === 'string') return Buffer.from(`${reply}\n`, 'latin1');
  const out = Buffer.allocUnsafe(reply.length + 1);
  reply.copy(out, 0);
  out[reply.length] = 0x0a;
  return out;
}

/** Makes the model instance of one simulated instrument (one per serial number). */
export type SimInstrumentFactory = (serial: string) => ScpiDeviceModel;

/** One SCPI error-queue entry, as read from `:SYST:ERR?`. */
export interface ScpiErrorEntry {
  code: number;
  message: string;
}

/** Per-call options of the SCPI session. */
export interface ScpiCallOptions {
  /** Reply timeout for this call; default: the session's timeout. */
  timeoutMs?: number;
  /** Aborts the call (the registry's transaction signal); the transport is then cleared. */
  signal?: AbortSignal;
}

export interface ScpiWriteOptions extends ScpiCallOptions {
  /**
   * Read the error queue right after the write and fail with DeviceError if the instrument refused
   * the command. Default true: it is also what keeps the 2281S parser healthy after a rejected
   * command (see session.ts). Pass false only for batches, and call `checkErrors()` afterwards.
   */
  check?: boolean;
}

/**
 * A parameter of a parameterised command. Numbers must be finite; booleans become ON/OFF;
 * `{ token }` is SCPI character data (POW, DYN, LI_ION4_2: letters, digits, '_');
 * `{ text }` becomes a quoted string (quotes doubled). No form lets ';', line breaks or other
 * control characters through: they are refused before anything is written.
 */
export type ScpiParam = number | boolean | { token: string } | { text: string };
