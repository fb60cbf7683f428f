// Output: progress models and the text / JSON / YAML printers of each operation's result.
// It must never perform an operation; it formats what it is given.
export { type Column, formatOutput, OUTPUT_FORMATS, type OutputFormat, renderTable } from './format.ts';
export {
  createProgress,
  formatBytes,
  JSON_PROGRESS_INTERVAL_MS,
  type ProgressSink,
  throttledByPhase,
} from './progress.ts';
