import { objectPath } from './paths.ts';

/** Kubernetes MicroTime (a Lease's acquireTime and renewTime): RFC 3339 with microseconds. */
export const microTime = (d: Date): string => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

/** The REST path of a namespace's coordination.k8s.io/v1 Leases, or of one of them. */
export const leasePath = (namespace: string, name?: string): string =>
  objectPath('leases.coordination.k8s.io', 'coordination.k8s.io/v1', namespace, name);
