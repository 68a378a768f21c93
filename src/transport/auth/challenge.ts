/** Quotes a value for an auth-param (RFC 9110 §11.2): backslash-escapes `"` and `\`. */
function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

/**
 * The `WWW-Authenticate` value of a refusal (RFC 6750 §3, RFC 9728 §5.1): always `Bearer` with the
 * resource metadata URL when there is one; `error` only when a credential was presented (a caller that sent
 * none gets the bare challenge, as RFC 6750 asks); `scope` names what is needed.
 */
export function bearerChallenge(options: {
  readonly metadataUrl?: string | undefined;
  readonly error?: 'invalid_token' | 'invalid_request' | 'insufficient_scope';
  readonly description?: string;
  readonly scope?: readonly string[];
}): string {
  const params: string[] = [];
  if (options.metadataUrl !== undefined) params.push(`resource_metadata=${quoted(options.metadataUrl)}`);
  if (options.error !== undefined) params.push(`error=${quoted(options.error)}`);
  if (options.description !== undefined) params.push(`error_description=${quoted(options.description)}`);
  if (options.scope !== undefined && options.scope.length > 0) params.push(`scope=${quoted(options.scope.join(' '))}`);
  return params.length === 0 ? 'Bearer' : `Bearer ${params.join(', ')}`;
}
