import type { IncomingHttpHeaders } from 'node:http';

/**
 * Refuses requests a browser makes on behalf of another site.
 *
 * With --insecure-no-auth nothing else protects the API, and the operator's browser can reach it:
 * a web page may POST to http://127.0.0.1:PORT, and a hostile domain that re-points its DNS name
 * to 127.0.0.1 (DNS rebinding) may read the answers. So in that mode every request must be
 * addressed to this server by a loopback name (Host `127.0.0.1:PORT`, `localhost:PORT`,
 * `[::1]:PORT` or the listen address), and an `Origin`, when there is one, must be that same
 * origin; a browser's `Sec-Fetch-Site` must say same-origin (or none: typed by the user).
 *
 * With a token (or Kubernetes auth) browsers never attach the credentials on their own, so a
 * cross-site request fails authentication anyway; as defence in depth, state-changing requests
 * (anything but GET and HEAD) whose Origin names another host are refused too. No legitimate
 * client is affected: the API answers no CORS preflight, so a browser page of another origin could
 * never send it the Authorization header.
 */
export interface CrossSitePolicy {
  /** --insecure-no-auth: the listen host, whose loopback names the Host header must use. */
  loopbackListenHost?: string | undefined;
}

export interface CrossSiteRequest {
  method: string;
  headers: IncomingHttpHeaders;
  /** The port the connection came in on (the server's own). */
  localPort: number | undefined;
}

const SAFE_METHODS = new Set(['GET', 'HEAD']);

/** Why the request is refused (403), or undefined. */
export function crossSiteRefusal(req: CrossSiteRequest, policy: CrossSitePolicy): string | undefined {
  const host = req.headers.host?.toLowerCase();
  const origin = req.headers.origin;
  const fetchSite = req.headers['sec-fetch-site'];
  if (policy.loopbackListenHost !== undefined) {
    const allowed = loopbackHosts(policy.loopbackListenHost, req.localPort);
    if (host === undefined || !allowed.includes(host))
      return `this server (--insecure-no-auth) answers only requests addressed to ${allowed.join(', ') || 'its loopback address'}: the Host header names another host (a protection against DNS rebinding)`;
    if (origin !== undefined && origin !== `http://${host}`)
      return 'cross-origin request refused: the Origin header names another site than this server';
    if (fetchSite !== undefined && fetchSite !== 'same-origin' && fetchSite !== 'none')
      return `cross-site request refused (Sec-Fetch-Site: ${fetchSite.slice(0, 20)})`;
    return undefined;
  }
  if (SAFE_METHODS.has(req.method.toUpperCase())) return undefined;
  if (origin !== undefined && !sameHost(origin, host))
    return 'cross-origin request refused: the Origin header names another site than this server';
  if (fetchSite === 'cross-site' || fetchSite === 'same-site')
    return `cross-site request refused (Sec-Fetch-Site: ${fetchSite})`;
  return undefined;
}

/** `127.0.0.1:PORT`, `localhost:PORT`, `[::1]:PORT` and the listen host's, lower-case. */
export function loopbackHosts(listenHost: string, port: number | undefined): string[] {
  if (port === undefined) return [];
  const listen = listenHost.includes(':') ? `[${listenHost.replace(/^\[|\]$/g, '')}]` : listenHost;
  const names = [...new Set(['127.0.0.1', 'localhost', '[::1]', listen.toLowerCase()])];
  return names.flatMap((n) => (port === 80 ? [`${n}:80`, n] : [`${n}:${port}`]));
}

/** Whether an Origin (`scheme://host[:port]`) names the host the request was sent to. */
function sameHost(origin: string, host: string | undefined): boolean {
  if (host === undefined || !/^[a-z0-9.:[\]-]+$/.test(host)) return false;
  try {
    const o = new URL(origin);
    if (o.protocol !== 'http:' && o.protocol !== 'https:') return false;
    // The same default port rule on both sides (a proxy may terminate TLS in front of the server).
    return o.host === new URL(`${o.protocol}//${host}`).host;
  } catch {
    return false; // "null" (sandboxed frames, file:) and garbage are not this server
  }
}
