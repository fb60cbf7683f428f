import { describe, expect, it } from 'vitest';
import { namespaceMessage, ResultsCollector, veleroMessage } from './collector.ts';
import { itemMessage } from './item-message.ts';

describe('ResultsCollector', () => {
  it('files messages of namespaces named like Object.prototype members under their own keys', () => {
    const results = new ResultsCollector();
    for (const namespace of ['constructor', 'toString', '__proto__', 'hasOwnProperty'])
      results.warning(itemMessage({ namespace, resource: 'pods', name: 'p', message: 'm' }));
    results.error(itemMessage({ namespace: 'constructor', message: 'e' }));
    const file = results.toFile();
    expect(Object.keys(file.warnings.namespaces!)).toEqual([
      'constructor',
      'toString',
      '__proto__',
      'hasOwnProperty',
    ]);
    expect(file.warnings.namespaces!['__proto__']).toEqual([' resource: /pods name: /p message: /m']);
    expect((JSON.parse(JSON.stringify(file)) as typeof file).errors.namespaces).toEqual({
      constructor: [' message: /e'],
    });
    expect(({} as Record<string, unknown>)['0']).toBeUndefined();
  });
});

describe('result messages', () => {
  it('file a namespaced message under its namespace and a cluster-scoped one under cluster', () => {
    const results = new ResultsCollector();
    results.error(namespaceMessage('team-a', 'e1'));
    results.error(namespaceMessage(undefined, 'e2'));
    results.error(namespaceMessage('', 'e3'));
    results.warning(veleroMessage('w1'));
    expect(results.errorCount).toBe(3);
    expect(results.warningCount).toBe(1);
    expect(JSON.parse(JSON.stringify(results.toFile()))).toEqual({
      errors: { namespaces: { 'team-a': ['e1'] }, cluster: ['e2', 'e3'] },
      warnings: { velero: ['w1'] },
    });
  });

  it("keep Velero's item form and send an item without namespace to cluster or velero", () => {
    expect(itemMessage({ resource: 'pods', name: 'p', message: 'm', error: 'x', cluster: true })).toEqual({
      scope: 'cluster',
      text: ' resource: /pods name: /p message: /m error: /x',
    });
    expect(itemMessage({ namespace: '', message: 'm' })).toEqual({ scope: 'velero', text: ' message: /m' });
    expect(itemMessage({ namespace: 'ns', cluster: false, message: 'm' }).scope).toEqual({ namespace: 'ns' });
  });

  it('omit the keys that hold no message', () => {
    expect(new ResultsCollector().toFile()).toEqual({ errors: {}, warnings: {} });
  });
});
