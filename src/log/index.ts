export * from './logger.ts';
export * from './capture.ts';
