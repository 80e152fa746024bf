/** Scenario s6: Node-RED end to end. Registered by being in this folder (bench/index.ts lists it). */
export { nodeRedScenario as scenario } from '../node-red';
