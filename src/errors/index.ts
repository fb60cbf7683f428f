export * from './lifeboat-error.ts';
export * from './redact.ts';
export * from './report.ts';
