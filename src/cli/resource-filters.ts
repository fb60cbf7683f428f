// The flags that choose what a backup (ad hoc or a schedule's) or a restore takes: namespaces,
// resources, a label selector and cluster-scoped resources, registered and read in one place.
import { type Command, Option } from 'commander';
import { list, tristate } from './flags.ts';

/** The filter flags as commander hands them over. */
export interface ResourceFilterFlags {
  includeNamespaces?: string;
  excludeNamespaces?: string;
  includeResources?: string;
  excludeResources?: string;
  selector?: string;
  includeClusterResources: string;
}

/** The filters as a backup or restore request takes them (Velero's field names). */
export interface ResourceFilters {
  includedNamespaces: string[];
  excludedNamespaces: string[];
  includedResources: string[];
  excludedResources: string[];
  labelSelector: string | undefined;
  includeClusterResources: boolean | undefined;
}

const HELP = {
  backup: {
    includeNamespaces: 'namespaces to include, globs allowed (default: all)',
    excludeNamespaces: 'namespaces to exclude, globs allowed',
    includeResources: 'resources to include, as resource.group (default: all)',
    excludeResources: 'resources to exclude, as resource.group',
    clusterResources: 'cluster-scoped resources: true, false, or auto (only for whole-cluster backups)',
  },
  restore: {
    includeNamespaces: 'namespaces to restore, globs allowed (default: all)',
    excludeNamespaces: 'namespaces not to restore, globs allowed',
    includeResources: 'resources to restore (default: all)',
    excludeResources: 'resources not to restore',
    clusterResources: 'cluster-scoped resources: true, false or auto',
  },
} as const;

/** Adds the filter flags to a command that backs up (`backup`) or restores (`restore`). */
export function addResourceFilterOptions(command: Command, what: keyof typeof HELP): Command {
  const help = HELP[what];
  return command
    .option('--include-namespaces <list>', help.includeNamespaces)
    .option('--exclude-namespaces <list>', help.excludeNamespaces)
    .option('--include-resources <list>', help.includeResources)
    .option('--exclude-resources <list>', help.excludeResources)
    .option('-l, --selector <selector>', 'only items with these labels (kubectl syntax)')
    .addOption(
      new Option('--include-cluster-resources <mode>', help.clusterResources)
        .choices(['true', 'false', 'auto'])
        .default('auto'),
    );
}

/** The filter flags read into a request's filters; a bad --include-cluster-resources is a usage error. */
export function resourceFilters(flags: ResourceFilterFlags): ResourceFilters {
  return {
    includedNamespaces: list(flags.includeNamespaces),
    excludedNamespaces: list(flags.excludeNamespaces),
    includedResources: list(flags.includeResources),
    excludedResources: list(flags.excludeResources),
    labelSelector: flags.selector,
    includeClusterResources: tristate(flags.includeClusterResources, '--include-cluster-resources'),
  };
}
