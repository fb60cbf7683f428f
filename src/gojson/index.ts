// Go's text formats byte for byte: json.Marshal from objects (goMarshal…, go-json.ts) and from the
// API server's bytes (GoJsonPlanner, planner.ts and its parts), time.Duration and metav1.Time (go-duration.ts).
// A leaf of pure functions: it must never do I/O or talk to Kubernetes, and parses nothing but JSON and durations.
export { goEncodeLine, goMarshal, goMarshalIndent } from './go-json.ts';
export { compareGoStrings, sortedMap } from './go-order.ts';
export { parseJson, RawNumber } from './parse-json.ts';
export { GoJsonPlanner } from './planner.ts';
export { skipSpace, skipValue } from './skip-value.ts';
export {
  formatGoDuration,
  formatGoDurationNs,
  goTime,
  InvalidDurationError,
  parseDuration,
  parseDurationNs,
  parseSignedDurationNs,
} from './go-duration.ts';
