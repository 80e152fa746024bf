/**
 * Factory values of the simulated EZ-ZONE PM, by catalogue name. Parameters computed from the
 * plant (process value, powers, states) are not here: the controller model derives them.
 */
import { findParameter } from '../../watlow/catalogue';

export const DEFAULT_PART_NUMBER = 'PM3C1CC-1AAAAAA';

export function defaultValues(address: number): Record<string, number | string> {
  const code = (name: string, value: string): number => findParameter(name)!.enumCodes![value]!;
  return {
    hardwareId: 28,
    firmwareId: 5678,
    softwareRevision: 12,
    softwareBuild: 3456,
    serialNumber: 24000000 + address,
    manufactureDate: 20240115,
    partNumber: DEFAULT_PART_NUMBER,
    deviceName: 'EZ-ZONE PM',
    deviceStatus: code('deviceStatus', 'ok'),
    serialNumberText: `SIM${String(address).padStart(5, '0')}`,
    displayUnits: code('displayUnits', 'fahrenheit'),
    sensorType: code('sensorType', 'thermocouple'),
    thermocoupleType: code('thermocoupleType', 'j'),
    calibrationOffset: 0,
    inputFilter: 0.5,
    displayPrecision: code('displayPrecision', 'tenths'),
    setPoint: 75,
    manualPower: 0,
    minSetPoint: -1999,
    maxSetPoint: 9999,
    idleSetPoint: 75,
    rampRate: 1,
    controlMode: code('controlMode', 'auto'),
    heatAlgorithm: code('heatAlgorithm', 'pid'),
    coolAlgorithm: code('coolAlgorithm', 'off'),
    timeIntegral: 180,
    timeDerivative: 0,
    deadBand: 0,
    heatProportionalBand: 25,
    heatHysteresis: 3,
    coolProportionalBand: 25,
    coolHysteresis: 3,
    autotuneAggressiveness: code('autotuneAggressiveness', 'critical'),
    autotuneSetPoint: 90,
    autotuneRequest: code('autotuneRequest', 'no'),
    openLoopDetect: code('openLoopDetect', 'no'),
    alarmHighSetPoint: 1500,
    alarmLowSetPoint: 32,
    alarmHysteresis: 1,
    alarmLatched: code('alarmLatched', 'no'),
    alarmSilenced: code('alarmSilenced', 'no'),
    alarmClearRequest: 0,
    alarmSilenceRequest: 0,
    alarmType: code('alarmType', 'off'),
    limitState: code('limitState', 'none'),
    stdBusAddress: Math.min(address, 16),
    modbusAddress: address,
    modbusBaudRate: code('modbusBaudRate', 'b38400'),
    modbusParity: code('modbusParity', 'none'),
    protocol: code('protocol', 'stdbus'),
    modbusWordOrder: code('modbusWordOrder', 'lowHigh'),
    commsUnits: code('commsUnits', 'fahrenheit'),
    nonVolatileSave: code('nonVolatileSave', 'yes'),
  };
}
