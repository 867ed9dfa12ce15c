/**
 * The durable-flow runtime: what generated orchestrators and blueprints import. Everything an
 * orchestrator calls here is deterministic (no clocks, randomness or I/O) so replay stays exact.
 */
export * from './durations';
export * from './errors';
export * from './values';
export * from './workflow';
export * from './window';
export * from './fanout';
export * from './repeat';
export * from './saga';
export * from './steps';
export * from './handlers';
export * from './partition';
export * from './timers';
export * from './retry';
export * from './start';
export * from './management';
export * from './ids';
export * from './registry';
export * from './versions';
export * from './flow/state';
export * from './flow/trace';
export * from './flow/pages';
export * from './late';
