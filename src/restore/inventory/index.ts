// The inventory: reads a backup's archive once into the facts the plan needs (checking each item against its path), preparing each item once on the way.
// It must never open a store, download or extract (app/restore does), nor talk to the target cluster.
export { crdFacts, itemFacts, pathMismatch } from './facts.ts';
export { type BackupArchive, inventory, pvsToProvision, serviceAccountNames } from './inventory.ts';
export { READ_AHEAD, readAhead, type ReadAheadBounds } from './read-ahead.ts';
