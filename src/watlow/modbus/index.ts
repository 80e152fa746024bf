/** The EZ-ZONE side of Modbus (pure): where a parameter lives in the register maps, coalescing. */
export * from './registers';
export * from './coalesce';
