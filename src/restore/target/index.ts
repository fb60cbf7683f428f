// The target cluster as a restore sees it before applying: what it serves and holds (inspect), and how each planned item compares with what is there (the dry-run and verify).
// It must never write to the cluster nor prepare an item (it reads the prepared ones).
export { compareWithTarget, type ItemVerdict } from './compare.ts';
export { inspectTarget } from './inspect.ts';
