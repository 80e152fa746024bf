/** Scenario s5: SCPI over TCP loopback, entry-function switching. Registered by being in this folder. */
import type { Scenario } from '../harness';
import { scpiFigures } from '../scpi';

export const scenario: Scenario = {
  id: 's5',
  title: 'SCPI over TCP loopback, entry-function switching',
  budgetMs: 60_000,
  run: scpiFigures,
};
