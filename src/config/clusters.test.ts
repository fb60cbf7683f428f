import { describe, expect, it } from 'vitest';
import { LifeboatError } from '../errors/index.ts';
import { parseConfig } from './config-file.ts';
import { addClusterEntry, findCluster, removeClusterEntry } from './clusters.ts';

const header = 'apiVersion: lifeboat.io/v1alpha1\nkind: Config\n';

function problem(yaml: string): string {
  try {
    parseConfig(header + yaml, '/c.yaml');
  } catch (err) {
    if (err instanceof LifeboatError) return err.message;
    throw err;
  }
  return 'parsed';
}

describe('clusters in the config file', () => {
  it('reads entries with labels, standby, location and prefix, and a fleet', () => {
    const config = parseConfig(
      `${header}clusters:
  - name: mgmt
    kubeconfig: /k/mgmt
    uid: u-1
  - name: prod-a
    kubeconfig: prod-a.kubeconfig
    context: admin
    labels: { env: prod, example.com/tier: gold }
    standby: { kubeconfig: /k/standby, context: s }
    location: s3
    prefix: /fleet/prod-a/
fleet:
  managementCluster: mgmt
  discover: { secretSelector: lifeboat.io/cluster=true }
`,
      '/c.yaml',
    );
    expect(config.clusters?.map((c) => c.name)).toEqual(['mgmt', 'prod-a']);
    expect(config.clusters?.[1]?.prefix).toBe('fleet/prod-a');
    expect(config.clusters?.[1]?.labels?.['example.com/tier']).toBe('gold');
    expect(config.fleet?.discover).toEqual({ clusterApi: true, secretSelector: 'lifeboat.io/cluster=true' });
  });

  it('refuses bad names, labels, prefixes, duplicates and an unknown management cluster, naming the field', () => {
    expect(problem('clusters: [{ name: Prod, kubeconfig: /k }]')).toMatch(/clusters\.0\.name: .*DNS label/);
    expect(problem('clusters: [{ name: a, kubeconfig: /k, labels: { "bad key!": x } }]')).toMatch(
      /clusters\.0\.labels\.bad key!: 'bad key!' is not a label key/,
    );
    expect(problem('clusters: [{ name: a, kubeconfig: /k, prefix: "x/../y" }]')).toMatch(
      /clusters\.0\.prefix/,
    );
    expect(problem('clusters: [{ name: a, kubeconfig: /k, unknown: 1 }]')).toMatch(/clusters\.0/);
    expect(problem('clusters: [{ name: a, kubeconfig: /k }, { name: a, kubeconfig: /j }]')).toMatch(
      /listed twice/,
    );
    expect(
      problem('clusters: [{ name: a, kubeconfig: /k, uid: u }, { name: b, kubeconfig: /j, uid: u }]'),
    ).toMatch(/'a' and 'b' are the same cluster/);
    expect(
      problem('clusters: [{ name: a, kubeconfig: /k }, { name: b, kubeconfig: /j, prefix: clusters/a }]'),
    ).toMatch(/clusters\.1\.prefix: clusters 'a' and 'b' would share the prefix clusters\/a/);
    expect(problem('clusters: [{ name: a, kubeconfig: /k }]\nfleet: { managementCluster: m }')).toMatch(
      /fleet\.managementCluster: 'm' is not one of clusters/,
    );
  });

  it('adds, finds and removes entries; the same identity under another name is refused with its name', () => {
    const config = { path: '/c.yaml', clusters: [{ name: 'a', kubeconfig: '/k', uid: 'u-1' }] };
    const added = addClusterEntry(config, { name: 'b', kubeconfig: '/j', uid: 'u-2' });
    expect(findCluster(added, 'b').uid).toBe('u-2');
    expect(() => addClusterEntry(config, { name: 'renamed', kubeconfig: '/k2', uid: 'u-1' })).toThrow(
      /already added as 'a'/,
    );
    expect(() => addClusterEntry(config, { name: 'a', kubeconfig: '/x' })).toThrow(/already exists/);
    expect(removeClusterEntry(added, 'a').clusters?.map((c) => c.name)).toEqual(['b']);
    expect(() => findCluster(config, 'zz')).toThrow(
      expect.objectContaining({ code: 'NOT_FOUND', hint: 'known clusters: a' }),
    );
  });
});
