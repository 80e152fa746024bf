let counter = 0;

/**
 * A name no other caller in this process gets (prefix, process id, counter): a fresh simulated
 * bus or instrument per test, so tests never share one even when files run side by side.
 */
export function uniqueName(prefix: string): string {
  counter++;
  return `${prefix}${process.pid}x${counter}`;
}
