/** Scenario s12: memory footprint and deploy-to-first-value. Registered by being in this folder. */
export { footprintScenario as scenario } from '../footprint';
