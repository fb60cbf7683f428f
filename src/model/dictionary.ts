/**
 * Dictionaries keyed by outside names (namespaces, resources, classes, label keys, config keys, JSON
 * keys): objects that inherit nothing, so `constructor`, `toString` and `__proto__` are keys like any
 * other. `nullObject` is what the lint rule lifeboat/dictionaries (scripts/eslint/dictionaries.js)
 * asks for wherever a plain `{}` would be typed as a `Record<string, V>`.
 */

/**
 * A null-prototype dictionary: empty, or a copy of a record's own enumerable keys (an own `__proto__`
 * key included), or of entries. JSON.stringify and Object.keys treat it like a plain object.
 */
export function nullObject<V>(
  from?: Readonly<Record<string, V>> | Iterable<readonly [string, V]>,
): Record<string, V> {
  const out = Object.create(null) as Record<string, V>;
  if (from === undefined) return out;
  if (isIterable(from)) {
    for (const [key, value] of from) out[key] = value;
  } else {
    for (const key of Object.keys(from)) out[key] = from[key]!;
  }
  return out;
}

function isIterable<V>(value: object): value is Iterable<readonly [string, V]> {
  return typeof (value as Partial<Iterable<unknown>>)[Symbol.iterator] === 'function';
}

/** The record's own value at key, never an inherited one (`own({}, 'constructor')` is undefined). */
export function own<V>(record: Readonly<Record<string, V>> | undefined, key: string): V | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}
