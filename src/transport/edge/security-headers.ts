/** What the security headers say; `hsts` only when the listener speaks TLS. */
export interface SecurityHeaderOptions {
  readonly contentSecurityPolicy: string;
  readonly referrerPolicy: string;
  /** Strict-Transport-Security max-age in seconds; undefined: no HSTS (plain HTTP, where it would be ignored). */
  readonly hstsMaxAgeSec?: number | undefined;
}

/**
 * The headers set on every HTTP response, as [name, value] pairs built once. The gateway serves JSON and
 * event streams, never pages: the CSP forbids everything and every framing, which is right for a response
 * that a browser should never render.
 */
export function securityHeaders(options: SecurityHeaderOptions): readonly (readonly [string, string])[] {
  const headers: [string, string][] = [
    ['content-security-policy', options.contentSecurityPolicy],
    ['x-content-type-options', 'nosniff'],
    ['x-frame-options', 'DENY'],
    ['referrer-policy', options.referrerPolicy],
  ];
  if (options.hstsMaxAgeSec !== undefined)
    headers.push(['strict-transport-security', `max-age=${options.hstsMaxAgeSec}; includeSubDomains`]);
  return headers;
}
