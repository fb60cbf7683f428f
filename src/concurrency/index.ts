// Owns bounded concurrency: running async work over a list with at most N calls at once.
// A leaf: it knows nothing of Kubernetes, stores or the domain, and imports nothing from src/.
export { mapBounded, runBounded } from './bounded.ts';
