/** Scenario s9: free-form SCPI: binary blocks over TCP, 2281S state round trips. Registered by being in this folder. */
export { scpiBlocksScenario as scenario } from '../scpi-blocks';
