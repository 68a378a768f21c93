/** The well-known path of RFC 9728 Protected Resource Metadata. */
export const PRM_PATH = '/.well-known/oauth-protected-resource';

export interface ResourceMetadataOptions {
  /** The gateway's canonical resource URL, e.g. `https://mcp.example.com/mcp`. */
  readonly resource: string;
  readonly authorizationServers: readonly string[];
  readonly scopesSupported: readonly string[];
  readonly resourceName: string;
}

/** The metadata document and the paths it is served at (the bare well-known path and the path-suffixed form). */
export interface ResourceMetadata {
  /** Request paths (without query) answered with the document. */
  readonly paths: ReadonlySet<string>;
  /** The URL named in `WWW-Authenticate: Bearer resource_metadata=…`. */
  readonly url: string;
  /** The JSON body, serialised once. */
  readonly body: string;
}

/**
 * RFC 9728 metadata for the gateway as an OAuth resource server. MCP clients look at
 * `/.well-known/oauth-protected-resource<path>` first, then the bare path; both are served. The URL in
 * challenges is the path-suffixed one on the resource's own origin.
 */
export function resourceMetadata(options: ResourceMetadataOptions): ResourceMetadata {
  const resource = new URL(options.resource);
  const suffix = resource.pathname === '/' ? '' : resource.pathname.replace(/\/$/, '');
  const document = {
    resource: options.resource,
    authorization_servers: options.authorizationServers,
    ...(options.scopesSupported.length > 0 && { scopes_supported: options.scopesSupported }),
    bearer_methods_supported: ['header'],
    resource_name: options.resourceName,
  };
  return {
    paths: new Set([PRM_PATH, PRM_PATH + suffix]),
    url: `${resource.origin}${PRM_PATH}${suffix}`,
    body: JSON.stringify(document),
  };
}
