#!/usr/bin/env node
/** Stand-alone entry: `node dist/src/sim/watlow/cli-entry.js --serial <path> [...]`. */
import { runWatlowSimulator } from './cli';

runWatlowSimulator(process.argv.slice(2)).catch((err: unknown) => {
  console.error(`labbench-sim watlow: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
