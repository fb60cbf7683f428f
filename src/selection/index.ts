// Selection: which names a backup or restore takes — the request's filters, include/exclude globs, label selectors, the never-restored list.
// A leaf of pure functions: it must never read a cluster or an archive, and imports only model/ and errors/.
export { globListProblem, isGlob } from './glob.ts';
export { checkPatternLists, IncludesExcludes, type NameFilter } from './includes-excludes.ts';
export { formatLabelSelector, matchesLabelSelector, parseLabelSelector } from './label-selector.ts';
export { isNeverRestoredKind, NEVER_RESTORED } from './never-restored.ts';
export { resourceFilters, type ResourceFilters } from './resource-filters.ts';
