/**
 * Why a request target is refused before routing (400), or undefined when it is a plain path.
 * The router decodes percent-escapes; a proxy, a log reader or an older check may not, or may
 * also fold `//`, `.`/`..` segments, `;` parameters or backslashes. None of these has a meaning in
 * this API, so a path that holds one is ambiguous and refused whoever asks: only one spelling of a
 * route is served (and percent-encoded letters decode to it). Runs in linear time.
 */
export function ambiguousPath(target: string): string | undefined {
  if (!target.startsWith('/')) return 'the request target must be a path that starts with /';
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  if (path === '/') return undefined;
  if (path.includes('\\')) return 'a backslash in the path';
  if (path.includes(';')) return 'a ; parameter in the path';
  if (path.includes('#')) return 'a # in the path';
  for (const segment of path.slice(1).split('/')) {
    if (segment === '') return 'an empty path segment (// or a trailing /)';
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return 'a malformed percent-escape in the path';
    }
    if (decoded === '.' || decoded === '..') return 'a . or .. segment in the path';
    // eslint-disable-next-line no-control-regex -- control characters are what this refuses
    if (/[/\\;#\u0000-\u001f\u007f]/.test(decoded))
      return 'a percent-encoded /, \\, ;, # or control character in the path';
  }
  return undefined;
}
