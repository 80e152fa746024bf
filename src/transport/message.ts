/**
 * The message-level link every VISA transport implements: whole program messages out, whole
 * response messages in. The SCPI session (src/visa) builds termination, timeouts and the error
 * queue on top; it lives here so the transports need nothing from the layers above them.
 */
import type { Closeable } from '../core/registry';

export type { Closeable };

/**
 * One message-oriented link to an instrument: raw TCP socket, VXI-11, USBTMC, serial (ASRL) or
 * the in-process simulator link. Exactly one request may be in flight; the session guarantees it.
 */
export interface MessageTransport extends Closeable {
  /** Human form for messages, e.g. "TCPIP0::192.168.1.5::5025::SOCKET". */
  readonly label: string;
  /**
   * Sends one whole program message. `data` already carries the terminator (LF) where the
   * transport needs one; message-based transports (USBTMC, VXI-11) also mark END/EOM.
   * Rejects with an OS-coded error (ECONNRESET, ENODEV, …) or a DisconnectedError when the
   * instrument went away, so `isDeviceGone` classifies it.
   */
  write(data: Buffer, signal?: AbortSignal): Promise<void>;
  /**
   * Reads one whole response message: up to END/EOM (USBTMC, VXI-11) or up to and including the
   * LF terminator (socket, serial, sim). The terminator is NOT stripped here (the session does it).
   * Rejects with TimeoutError when nothing complete arrives within `timeoutMs`; with the
   * signal's reason when `signal` aborts first.
   */
  read(timeoutMs: number, signal?: AbortSignal): Promise<Buffer>;
  /**
   * Device clear (IEEE 488.2 DCL / VXI-11 device_clear / USBTMC INITIATE_CLEAR): empties the
   * instrument's input and output buffers. Transports without a real device clear (socket, serial)
   * drop whatever unread input they hold.
   */
  clear?(): Promise<void>;
  /**
   * True when `clear` reaches the instrument (USBTMC, VXI-11, the simulator link), so no reply to
   * an earlier request can arrive after it. False/absent for byte streams (socket, serial), where
   * a late reply can still come and the session has to count and skip it.
   */
  readonly clearsDevice?: boolean;
  /**
   * Called once when the link dies on its own (socket reset, unplug), with the reason; lets the
   * registry drop a dead handle between transactions. Not called for `close()`.
   */
  onClose?(listener: (err?: Error) => void): () => void;
}
