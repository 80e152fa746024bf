/** Scenario s10: the scpi node, *IDN? through Node-RED vs runScpiProgram vs a bare socket. Registered by being in this folder. */
export { scpiNodeScenario as scenario } from '../scpi-node';
