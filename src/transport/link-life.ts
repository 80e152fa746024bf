/**
 * The end of a message transport's life, one of two ways and only once: the link dies under us
 * (the close listeners — the registry — hear why, once) or its owner closes it (nobody is told:
 * the owner knows). After either, the other is a no-op, so a death during close() or a second
 * close() never reaches a listener twice.
 */
import { ListenerSet } from './types';

export class LinkLife {
  private readonly listeners = new ListenerSet<[err?: Error]>();
  private ended: 'open' | 'died' | 'closed' = 'open';

  /** Closed by its owner (a death does not count: the next use reports the death instead). */
  get closed(): boolean {
    return this.ended === 'closed';
  }

  onClose(listener: (err?: Error) => void): () => void {
    return this.listeners.add(listener);
  }

  /**
   * The link died: true the first time (and not after close), when `cleanup` has run and the
   * listeners have heard `err`; false when the life had already ended.
   */
  die(err: Error, cleanup: () => void): boolean {
    if (this.ended !== 'open') return false;
    this.ended = 'died';
    cleanup();
    this.listeners.emit(err);
    this.listeners.clear();
    return true;
  }

  /** The owner closes: true the first time (listeners dropped untold); false after that. */
  close(): boolean {
    if (this.ended === 'closed') return false;
    this.ended = 'closed';
    this.listeners.clear();
    return true;
  }
}
