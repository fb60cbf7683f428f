// Go-JSON: Go's json.Marshal byte for byte, from objects (goMarshal…, go-json.ts) and from the API
// server's bytes (GoJsonPlanner, planner.ts and its parts).
// A leaf of pure functions: it must never do I/O or talk to Kubernetes, and parses nothing but JSON.
export { goEncodeLine, goMarshal, goMarshalIndent } from './go-json.ts';
export { compareGoStrings, sortedMap } from './go-order.ts';
export { parseJson, RawNumber } from './parse-json.ts';
export { GoJsonPlanner } from './planner.ts';
export { skipSpace, skipValue } from './skip-value.ts';
