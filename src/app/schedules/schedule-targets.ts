import { ClusterNameSchema, type ScheduleClusters } from '../../config/index.ts';
import { LifeboatError } from '../../errors/index.ts';
import { nullObject } from '../../model/index.ts';
import { matchesLabelSelector, parseLabelSelector } from '../../selection/index.ts';
import type { Schedule } from './schedule.ts';

/**
 * `schedule create --clusters`: a label selector over the clusters' labels when the text has an
 * operator (`env=prod`, `tier!=bronze`, `env in (prod,staging)`, `!legacy`), else a comma-separated
 * list of cluster names (`prod-a,prod-b`).
 */
export function parseClustersFlag(text: string): ScheduleClusters {
  const trimmed = text.trim();
  if (trimmed === '')
    throw new LifeboatError('USAGE', '--clusters: empty', {
      hint: "name clusters (--clusters prod-a,prod-b) or select them by label (--clusters 'env=prod')",
    });
  if (/[=!()]|\s(in|notin)\s/.test(trimmed)) {
    parseLabelSelector(trimmed);
    return { selector: trimmed };
  }
  const names = trimmed.split(',').map((n) => n.trim());
  for (const name of names)
    if (!ClusterNameSchema.safeParse(name).success)
      throw new LifeboatError('USAGE', `--clusters: '${name}' is not a cluster name`, {
        hint: "cluster names are DNS labels; a label selector needs an operator, e.g. 'env=prod'",
      });
  return { names: [...new Set(names)] };
}

/** How a schedule's clusters are shown: the names, or `selector: <text>`. */
export function formatScheduleClusters(clusters: ScheduleClusters | undefined): string {
  if (clusters === undefined) return '';
  return 'names' in clusters ? clusters.names.join(',') : `selector: ${clusters.selector}`;
}

/**
 * The clusters of the fleet a schedule backs up, in the fleet's order; undefined for a schedule
 * without `clusters` (it backs up the server's own cluster). A named cluster the fleet does not
 * know is left out (the fleet may not have discovered it yet).
 */
export function scheduleTargets<C extends { name: string; labels: Readonly<Record<string, string>> }>(
  schedule: Pick<Schedule, 'clusters'>,
  fleet: readonly C[],
): C[] | undefined {
  const wanted = schedule.clusters;
  if (wanted === undefined) return undefined;
  if ('names' in wanted) {
    const names = new Set(wanted.names);
    return fleet.filter((c) => names.has(c.name));
  }
  const selector = parseLabelSelector(wanted.selector);
  return fleet.filter((c) => matchesLabelSelector(selector, nullObject(c.labels)));
}
