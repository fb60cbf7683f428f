// Prometheus metrics: the registry and the gauges and counters the server and the stores update.
// It must never import anything from src/ but itself.
export { createMetrics, type LifeboatMetrics } from './metrics.ts';
