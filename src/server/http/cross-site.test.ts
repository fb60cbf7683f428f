import { describe, expect, it } from 'vitest';
import { crossSiteRefusal, loopbackHosts } from './cross-site.ts';

const PORT = 8085;
const insecure = { loopbackListenHost: '127.0.0.1' };
const req = (method: string, headers: Record<string, string>) => ({ method, headers, localPort: PORT });

describe('crossSiteRefusal with --insecure-no-auth', () => {
  it.each([
    ['127.0.0.1:8085', undefined],
    ['localhost:8085', undefined],
    ['LOCALHOST:8085', undefined],
    ['[::1]:8085', undefined],
    ['127.0.0.1:8085', 'http://127.0.0.1:8085'],
    ['localhost:8085', 'http://localhost:8085'],
  ])('serves Host %s, Origin %s', (host, origin) => {
    const headers: Record<string, string> = { host };
    if (origin !== undefined) headers['origin'] = origin;
    for (const method of ['GET', 'POST'])
      expect(crossSiteRefusal(req(method, headers), insecure)).toBeUndefined();
  });

  it.each([
    [{ host: 'evil.example' }, /Host/],
    [{ host: 'evil.example:8085' }, /Host/],
    [{ host: '127.0.0.1' }, /Host/], // the wrong port: another server's page
    [{ host: '127.0.0.1:9999' }, /Host/],
    [{ host: 'localhost.:8085' }, /Host/],
    [{ host: '127.0.0.2:8085' }, /Host/],
    [{}, /Host/],
    [{ host: '127.0.0.1:8085', origin: 'http://evil.example' }, /Origin/],
    [{ host: '127.0.0.1:8085', origin: 'null' }, /Origin/],
    [{ host: '127.0.0.1:8085', origin: 'http://localhost:8085' }, /Origin/], // another origin
    [{ host: '127.0.0.1:8085', origin: 'https://127.0.0.1:8085' }, /Origin/],
    [{ host: '127.0.0.1:8085', origin: 'http://127.0.0.1:3000' }, /Origin/],
    [{ host: '127.0.0.1:8085', 'sec-fetch-site': 'cross-site' }, /Sec-Fetch-Site/],
    [{ host: '127.0.0.1:8085', 'sec-fetch-site': 'same-site' }, /Sec-Fetch-Site/],
  ])('refuses %o', (headers, why) => {
    for (const method of ['GET', 'HEAD', 'POST', 'OPTIONS'])
      expect(crossSiteRefusal(req(method, headers), insecure)).toMatch(why);
  });

  it('accepts the listen host itself and refuses when the port is unknown', () => {
    const listen = { loopbackListenHost: '127.0.0.5' };
    expect(crossSiteRefusal(req('GET', { host: '127.0.0.5:8085' }), listen)).toBeUndefined();
    expect(
      crossSiteRefusal(
        { method: 'GET', headers: { host: '127.0.0.1:8085' }, localPort: undefined },
        insecure,
      ),
    ).toMatch(/Host/);
  });

  it('lists the loopback names with the port (and without it on port 80)', () => {
    expect(loopbackHosts('::1', 1234)).toEqual(['127.0.0.1:1234', 'localhost:1234', '[::1]:1234']);
    expect(loopbackHosts('127.0.0.1', 80)).toContain('localhost');
  });
});

describe('crossSiteRefusal with a token', () => {
  const token = {};
  it('lets reads and same-origin or Origin-less writes through, whatever the Host', () => {
    expect(crossSiteRefusal(req('GET', { host: 'x', origin: 'http://evil.example' }), token)).toBeUndefined();
    expect(crossSiteRefusal(req('POST', { host: 'lifeboat.svc:8085' }), token)).toBeUndefined();
    expect(
      crossSiteRefusal(req('POST', { host: 'lifeboat.example', origin: 'https://lifeboat.example' }), token),
    ).toBeUndefined();
    expect(
      crossSiteRefusal(
        req('POST', { host: 'lb:8085', origin: 'http://lb:8085', 'sec-fetch-site': 'same-origin' }),
        token,
      ),
    ).toBeUndefined();
  });

  it.each<Record<string, string>>([
    { host: 'lb:8085', origin: 'http://evil.example' },
    { host: 'lb:8085', origin: 'http://lb:8086' },
    { host: 'lb:8085', origin: 'null' },
    { host: 'lb:8085', origin: 'file://lb:8085' },
    { host: 'lb/x', origin: 'http://lb' },
    { origin: 'http://lb:8085' },
    { host: 'lb:8085', 'sec-fetch-site': 'cross-site' },
  ])('refuses a cross-site write %o', (headers) => {
    for (const method of ['POST', 'PUT', 'DELETE'])
      expect(crossSiteRefusal(req(method, headers), token)).toMatch(/refused/);
  });
});
