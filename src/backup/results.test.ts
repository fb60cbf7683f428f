import { describe, expect, it } from 'vitest';
import { ResultsCollector } from './results.ts';

describe('ResultsCollector', () => {
  it('files messages of namespaces named like Object.prototype members under their own keys', () => {
    const results = new ResultsCollector();
    for (const namespace of ['constructor', 'toString', '__proto__', 'hasOwnProperty'])
      results.warning({ namespace, resource: 'pods', name: 'p', message: 'm' });
    results.error({ namespace: 'constructor', message: 'e' });
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
