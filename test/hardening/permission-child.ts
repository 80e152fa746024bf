/**
 * Child process of permission.test.ts: opens one serial port through the registry, as a user the
 * OS refuses, and prints what the open ended in (code, attempts) as one JSON line.
 */
import { serialKey } from '../../src/core/identity';
import { ResourceRegistry } from '../../src/core/registry';
import { openSerialPort } from '../../src/transport/serial';
import { DEFAULT_SERIAL_SETTINGS } from '../../src/transport/types';
import type { ByteStream } from '../../src/transport/types';

async function main(portPath: string): Promise<void> {
  const registry = new ResourceRegistry({ log: () => undefined });
  let attempts = 0;
  const lease = registry.acquire({
    key: serialKey(portPath),
    label: portPath,
    holder: 'permission test',
    open: async (): Promise<ByteStream> => {
      attempts++;
      return openSerialPort(portPath, DEFAULT_SERIAL_SETTINGS);
    },
  });
  const result = await lease.open().then(
    () => ({ opened: true }),
    (err: { code?: string; name?: string; message?: string }) => ({
      code: err.code,
      name: err.name,
      message: err.message,
    }),
  );
  await registry.closeAll();
  process.stdout.write(`${JSON.stringify({ ...result, attempts })}\n`);
}

void main(process.argv[2]!);
