import { asciiBytes, keyIs } from './json-bytes.ts';

/** Value spans read from the item's `metadata` while planning ([start, end) of the JSON value; -1 if absent). */
export interface MetadataSpans {
  nameStart: number;
  nameEnd: number;
  namespaceStart: number;
  namespaceEnd: number;
  labelsStart: number;
  labelsEnd: number;
  /** metadata.deletionTimestamp is set (not absent, not null). */
  deleting: boolean;
}

const KEY_NAME = asciiBytes('name');
const KEY_NAMESPACE = asciiBytes('namespace');
const KEY_LABELS = asciiBytes('labels');
const KEY_DELETION = asciiBytes('deletionTimestamp');

export function emptyMetadataSpans(): MetadataSpans {
  return {
    nameStart: -1,
    nameEnd: -1,
    namespaceStart: -1,
    namespaceEnd: -1,
    labelsStart: -1,
    labelsEnd: -1,
    deleting: false,
  };
}

export function clearMetadataSpans(m: MetadataSpans): void {
  m.nameStart = m.nameEnd = m.namespaceStart = m.namespaceEnd = m.labelsStart = m.labelsEnd = -1;
  m.deleting = false;
}

/** Records the member of `metadata` with key [keyStart, keyEnd) and value [valueStart, valueEnd) if it is one of m's. */
export function captureMetadata(
  m: MetadataSpans,
  input: Uint8Array,
  keyStart: number,
  keyEnd: number,
  valueStart: number,
  valueEnd: number,
): void {
  if (keyIs(input, keyStart, keyEnd, KEY_NAME)) {
    m.nameStart = valueStart;
    m.nameEnd = valueEnd;
  } else if (keyIs(input, keyStart, keyEnd, KEY_NAMESPACE)) {
    m.namespaceStart = valueStart;
    m.namespaceEnd = valueEnd;
  } else if (keyIs(input, keyStart, keyEnd, KEY_LABELS)) {
    m.labelsStart = valueStart;
    m.labelsEnd = valueEnd;
  } else if (keyIs(input, keyStart, keyEnd, KEY_DELETION)) {
    m.deleting = input[valueStart] !== 0x6e; // present and not null
  }
}
