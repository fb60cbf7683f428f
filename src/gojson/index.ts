// Go-JSON: Go's json.Marshal byte for byte, from objects (goMarshal…) and from the API server's bytes (GoJsonPlanner).
// A leaf of pure functions: it must never do I/O or talk to Kubernetes, and parses nothing but JSON.
export {
  compareGoStrings,
  goEncodeLine,
  goMarshal,
  goMarshalIndent,
  parseJson,
  RawNumber,
  sortedMap,
} from './go-json.ts';
export { GoJsonPlanner, skipSpace, skipValue } from './go-json-bytes.ts';
