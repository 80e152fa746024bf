export { modbusTcpScenario as scenario } from '../modbus-tcp';
