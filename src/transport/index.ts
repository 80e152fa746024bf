export * from './types';
export * from './sim-link';
export * from './serial';
export * from './tcp-stream';
export * from './claim-settings';
