/** The lease the PTY integration tests take: a real serial port opened through the registry. */
import { serialKey } from '../../src/core/identity';
import type { Lease, ResourceRegistry } from '../../src/core/registry';
import type { ByteStream } from '../../src/transport/types';
import { DEFAULT_SERIAL_SETTINGS } from '../../src/transport/types';
import { openSerialPort } from '../../src/transport/serial';

/**
 * A lease on the port at `path` (its key canonical, its label the path as spelled), held by an
 * oven controller; `beforeOpen` runs before each open, so a test can count or record the opens.
 */
export function serialLease(
  registry: ResourceRegistry,
  path: string,
  beforeOpen: () => void,
): Lease<ByteStream> {
  return registry.acquire({
    key: serialKey(path),
    label: path,
    holder: 'labbench-watlow "Oven 1"',
    // The spelling given is what gets reopened: after a replug a link may point elsewhere.
    open: async (): Promise<ByteStream> => {
      beforeOpen();
      return openSerialPort(path, DEFAULT_SERIAL_SETTINGS);
    },
  });
}
