/**
 * Objects keyed by names from a backup or a request: a key such as `__proto__` or `constructor` is
 * data, never a way into Object.prototype. Reads see own properties only; writes define them.
 */

/** An empty record without a prototype: `record[name]` is only what was put there. */
export function nullRecord<V>(): Record<string, V> {
  return Object.create(null) as Record<string, V>;
}

/** The own value at `key`, or undefined (never an inherited member like `constructor`). */
export function ownValue(record: object, key: string): unknown {
  return Object.hasOwn(record, key) ? (record as Record<string, unknown>)[key] : undefined;
}

/** Sets an own, enumerable property, even one called `__proto__` (plain assignment would set the prototype). */
export function setOwn(record: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(record, key, { value, writable: true, enumerable: true, configurable: true });
  } else record[key] = value;
}

/** A mapping given as a record (`--namespace-mappings a:b`), own entries only. */
export function mappingOf(record: Readonly<Record<string, string>> | undefined): ReadonlyMap<string, string> {
  return new Map(record === undefined ? [] : Object.entries(record));
}
