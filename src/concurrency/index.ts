// Owns bounded concurrency: running async work over a list with at most N calls at once, or starting it at most N ahead of its in-order consumer.
// A leaf: it knows nothing of Kubernetes, stores or the domain, and imports nothing from src/.
export { mapBounded, runBounded } from './bounded.ts';
export { lookahead } from './lookahead.ts';
