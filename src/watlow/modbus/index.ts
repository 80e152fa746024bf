/** Modbus RTU codec (pure): frames, register layout, coalescing, reply reader. */
export * from './rtu';
export * from './registers';
export * from './coalesce';
export * from './reader';
