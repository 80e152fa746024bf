/**
 * Waiting for a state another party reaches on its own (a server noticing a closed socket, a
 * Node-RED node emitting): the condition is re-checked every few milliseconds and the wait ends
 * the moment it holds. Not a sleep that orders events: nothing is assumed about how long it takes.
 */
export async function until(predicate: () => boolean, what: string, capMs = 8000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > capMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
