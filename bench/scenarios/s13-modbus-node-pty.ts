/** Scenario s13: the modbus node vs a bare modbus-serial loop on the paced PTY line. Registered by being in this folder. */
import type { Scenario } from '../harness';
import { nodeAgainstBareLoop } from '../modbus-node-pty';

export const scenario: Scenario = {
  id: 's13',
  title: 'modbus node vs bare modbus-serial on the paced PTY line',
  isolated: true,
  budgetMs: 90_000,
  run: nodeAgainstBareLoop,
};
