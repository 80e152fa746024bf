/** Scenario s4: Modbus coalescing. Registered by being in this folder. */
import type { Scenario } from '../harness';
import { coalescingFigures } from '../coalescing';

export const scenario: Scenario = {
  id: 's4',
  title: 'Modbus coalescing',
  budgetMs: 30_000,
  run: coalescingFigures,
};
