import * as z from 'zod';

/** A DNS label (RFC 1123): what Kubernetes takes as a namespace's name, and lifeboat as a cluster's. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export const ClusterNameSchema = z
  .string()
  .max(63, 'at most 63 characters (a DNS label)')
  .regex(DNS_LABEL, 'lower-case letters, digits and "-" (a DNS label)');
