/** Scenario s8: paced Modbus RTU on a real PTY (simulator pacing bytes at 38400 baud). Registered by being in this folder. */
export { pacedPtyScenario as scenario } from '../paced-pty';
