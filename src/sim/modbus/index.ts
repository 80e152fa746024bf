/** The generic Modbus simulators: a power meter for the simulated bus, the bus over TCP. */
export { SimulatedPowerMeter, POWER_METER_MODEL } from './power-meter';
export { EXCEPTION as MODBUS_EXCEPTION } from '../../modbus/pdu';
export type { PowerMeterOptions } from './power-meter';
export { serveBusAsDeviceServer } from './device-server';
export type { SimDeviceServer } from './device-server';
export { serveBusAsModbusGateway, GATEWAY_PATH_UNAVAILABLE, GATEWAY_TARGET_FAILED } from './gateway';
export type { GatewayFault, GatewayOptions, SimModbusGateway } from './gateway';
export type { SimListenAddress, SimTcpListener } from '../tcp-listener';
