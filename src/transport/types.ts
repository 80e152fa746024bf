/** Byte streams: what serial ports and simulated links look like to the protocol clients. */
import type { Closeable } from '../core/registry';

export type Parity = 'none' | 'even' | 'odd' | 'mark' | 'space';
export type DataBits = 5 | 6 | 7 | 8;
export type StopBits = 1 | 1.5 | 2;

export interface SerialSettings {
  baudRate: number;
  dataBits: DataBits;
  parity: Parity;
  stopBits: StopBits;
}

export const DEFAULT_SERIAL_SETTINGS: SerialSettings = {
  baudRate: 38400,
  dataBits: 8,
  parity: 'none',
  stopBits: 1,
};

export interface ByteStream extends Closeable {
  readonly label: string;
  readonly isOpen: boolean;
  /** Resolves once the bytes are handed to the OS; rejects with an OS-coded error (EIO…) if gone. */
  write(bytes: Uint8Array): Promise<void>;
  /** Subscribes to received bytes; returns the unsubscribe function. */
  onData(listener: (chunk: Buffer) => void): () => void;
  /** Called once when the stream closes, with the error if it died. */
  onClose(listener: (err?: Error) => void): () => void;
  /** Drops bytes received but not yet read (OS buffer included where the platform allows). */
  flushInput(): Promise<void>;
}

/** Fan-out of listeners that never lets one listener's exception escape into an event loop. */
export class ListenerSet<A extends unknown[]> {
  private readonly listeners = new Set<(...args: A) => void>();

  add(listener: (...args: A) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  emit(...args: A): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(...args);
      } catch (err) {
        console.warn(`[labbench] listener threw: ${String(err)}`);
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }

  get size(): number {
    return this.listeners.size;
  }
}
