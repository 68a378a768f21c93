import { existsSync, statSync } from 'node:fs';
import { isLoopbackHost } from '../config/auth-schema.js';
import { storagePath, type BreakwaterConfig } from '../config/index.js';
import { SqliteKeyStore } from '../store/sqlite/sqlite-key-store.js';

/** One problem `doctor` reports about how the gateway is exposed. */
export interface SecurityFinding {
  readonly severity: 'high' | 'medium' | 'low';
  readonly message: string;
  readonly fix: string;
}

/** Permission bits beyond owner read/write (0600). */
function tooOpen(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const mode = statSync(file).mode & 0o777;
  return (mode & 0o077) !== 0 ? mode : undefined;
}

/**
 * The authentication and edge findings of `breakwater doctor` (issue 9 item 8): anonymous access or plain
 * HTTP on a bind other machines reach, key files readable by others, no rate limit on a public listener,
 * API keys that never expire. Reads files; starts nothing.
 */
export function securityFindings(config: BreakwaterConfig, configFile: string): SecurityFinding[] {
  const findings: SecurityFinding[] = [];
  const host = config.server.host;
  const exposed = !isLoopbackHost(host);
  if (exposed && config.auth?.anonymous === true)
    findings.push({
      severity: 'high',
      message: `anonymous access on ${host}, a bind other machines can reach: anyone who reaches the port can call every permitted tool`,
      fix: 'set auth.anonymous: false and give callers API keys (breakwater keys create) or tokens (auth.jwt), or bind server.host to 127.0.0.1',
    });
  if (exposed && config.server.tls === undefined)
    findings.push({
      severity: 'high',
      message: `TLS is off on ${host}: credentials and tool traffic cross the network in clear text`,
      fix: 'set server.tls.certFile and server.tls.keyFile, or terminate TLS at a proxy on this host and bind server.host to 127.0.0.1',
    });
  if (exposed && (config as { rateLimits?: unknown }).rateLimits === undefined)
    findings.push({
      severity: 'medium',
      message: `no rate limit on the public listener ${host}: one caller can use all upstream capacity`,
      fix: 'add a rateLimits section, e.g. rateLimits: { principal: { perMinute: 60, perHour: 1000, burst: 10 } }',
    });
  const tlsKey = config.server.tls?.keyFile;
  const tlsMode = tlsKey === undefined ? undefined : tooOpen(tlsKey);
  if (tlsKey !== undefined && tlsMode !== undefined)
    findings.push({
      severity: 'high',
      message: `TLS key ${tlsKey} is readable by others (mode ${tlsMode.toString(8).padStart(4, '0')})`,
      fix: `chmod 600 ${tlsKey}`,
    });
  const keysDb = storagePath(config, configFile, 'keys.db');
  const keysMode = tooOpen(keysDb);
  if (keysMode !== undefined)
    findings.push({
      severity: 'high',
      message: `API key store ${keysDb} is readable by others (mode ${keysMode.toString(8).padStart(4, '0')})`,
      fix: `chmod 600 ${keysDb}`,
    });
  if (config.auth?.apiKeys.enabled === true && existsSync(keysDb)) {
    const store = new SqliteKeyStore(keysDb);
    try {
      const forever = store.list().filter((k) => !k.revoked && k.expiresAt === undefined);
      if (forever.length > 0)
        findings.push({
          severity: 'low',
          message: `${forever.length} API key(s) never expire (${forever.map((k) => `${k.id} ${k.name}`).join(', ')})`,
          fix: 'rotate them with an expiry: breakwater keys rotate ID --expires 90d --grace 1h',
        });
    } finally {
      store.close();
    }
  }
  return findings;
}
