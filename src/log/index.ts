// Logging: the pino logger every command and the server write through, and the per-operation capture that becomes a backup's or restore's log file.
// It must never log a secret: redaction happens here, before anything is written.
export * from './logger.ts';
export * from './capture.ts';
export { createLogger } from './logger.ts';
