/** Scenario s13: the modbus node vs a bare modbus-serial loop on the paced PTY line. Registered by being in this folder. */
export { modbusNodePtyScenario as scenario } from '../modbus-node-pty';
