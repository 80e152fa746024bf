/** Std Bus codec (pure): frames, payloads, typed values, streaming receiver. */
export * from './frame';
export * from './payload';
export * from './values';
export * from './scanner';
export * from './reader';
