import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { LifeboatError } from '../errors/index.ts';

export interface KubeTarget {
  /** Path of a kubeconfig file; default $KUBECONFIG, then ~/.kube/config, then in-cluster. */
  kubeconfig?: string | undefined;
  context?: string | undefined;
}

/** Loads the kubeconfig the operator named, with errors that say which file and context are wrong. */
export function loadKubeConfig(target: KubeTarget): KubeConfig {
  const kc = new KubeConfig();
  const path = target.kubeconfig ?? process.env['KUBECONFIG'] ?? join(homedir(), '.kube', 'config');
  try {
    if (target.kubeconfig !== undefined || existsSync(path)) {
      if (!existsSync(path.split(':')[0] ?? path)) {
        throw new LifeboatError('CONFIG', `kubeconfig file ${path} does not exist`, {
          hint: 'pass --kubeconfig with the path of the cluster’s kubeconfig',
        });
      }
      kc.loadFromFile(path);
    } else if (process.env['KUBERNETES_SERVICE_HOST'] !== undefined) {
      kc.loadFromCluster();
    } else {
      throw new LifeboatError('CONFIG', 'no kubeconfig found (looked at $KUBECONFIG and ~/.kube/config)', {
        hint: 'pass --kubeconfig FILE, or set KUBECONFIG',
      });
    }
  } catch (err) {
    if (err instanceof LifeboatError) throw err;
    throw new LifeboatError('CONFIG', `cannot read kubeconfig ${path}: ${(err as Error).message}`, {
      hint: 'check that the file is a valid kubeconfig (kubectl --kubeconfig FILE config view)',
      cause: err,
    });
  }
  if (target.context !== undefined) {
    if (kc.getContextObject(target.context) === null) {
      throw new LifeboatError('CONFIG', `context '${target.context}' is not in the kubeconfig ${path}`, {
        hint: `known contexts: ${
          kc
            .getContexts()
            .map((c) => c.name)
            .join(', ') || '(none)'
        }`,
      });
    }
    kc.setCurrentContext(target.context);
  }
  if (kc.getCurrentCluster() === null) {
    throw new LifeboatError('CONFIG', `the kubeconfig ${path} has no current cluster`, {
      hint: 'pass --context NAME, or set current-context in the kubeconfig',
    });
  }
  return kc;
}
