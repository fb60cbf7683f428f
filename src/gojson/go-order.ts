/** Go's order of map keys: bytewise on their UTF-8 encodings, as encoding/json sorts them. */

/** A Go map built from a record: printed with its keys sorted by every encoder here. */
export function sortedMap<V>(record: Record<string, V> | Map<string, V>): Map<string, V> {
  const entries = record instanceof Map ? [...record.entries()] : Object.entries(record);
  return new Map(entries.sort(([a], [b]) => compareGoStrings(a, b)));
}

/** Go's strings.Compare on the UTF-8 encodings of a and b (code point order, not UTF-16 order). */
export function compareGoStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      // Surrogates encode code points above U+FFFF: move them above U+E000..U+FFFF.
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x < y ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}
