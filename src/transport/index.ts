export * from './types';
export * from './sim-link';
export * from './serial';
