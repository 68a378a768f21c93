import type { z } from 'zod';
import type { Transport } from './transport.js';

type Kind = 'stdio' | 'http';
type Loose = Record<string, unknown>;

const STDIO_ONLY = ['args', 'env', 'cwd'];
const HTTP_ONLY = ['headers'];

const isRecord = (v: unknown): v is Loose => typeof v === 'object' && v !== null && !Array.isArray(v);
const kindOf = (e: unknown): Kind | undefined =>
  !isRecord(e) ? undefined : e.command !== undefined ? 'stdio' : e.url !== undefined ? 'http' : undefined;
const field = (kind: Kind) => (kind === 'stdio' ? 'command' : 'url');
const isSet = (v: unknown): boolean =>
  v !== undefined && !(Array.isArray(v) && v.length === 0) && !(isRecord(v) && Object.keys(v).length === 0);

/**
 * Reports an upstream or replica that is not exactly one of command (stdio) or url (HTTP), declares a
 * transport its fields contradict, mixes replica kinds, or sets fields its transport would silently ignore.
 * Runs even when other fields failed so every problem is reported at once; hence the defensive reads.
 */
export function checkEndpoint(value: unknown, declared: Transport | undefined, ctx: z.RefinementCtx): void {
  if (!isRecord(value)) return;
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const replicas = Array.isArray(value.replicas) ? (value.replicas as unknown[]) : [];
  if (value.command !== undefined && value.url !== undefined) return issue(['url'], 'set either command (stdio) or url (HTTP), not both');
  const own = kindOf(value);
  if (own === undefined && replicas.length === 0) return issue([], 'expected a command (stdio) or a url (streamable-http, sse)');

  const wanted: Kind | undefined = declared === undefined ? undefined : declared === 'stdio' ? 'stdio' : 'http';
  if (wanted && own && own !== wanted) issue(['transport'], `transport ${declared} needs ${field(wanted)}, not ${field(own)}`);
  const kind = own ?? wanted ?? kindOf(replicas[0]);
  if (kind === undefined) return;
  for (const key of kind === 'http' ? STDIO_ONLY : HTTP_ONLY)
    if (isSet(value[key]))
      issue([key], kind === 'http' ? 'only applies to stdio (command) upstreams' : 'only applies to HTTP (url) upstreams');
  replicas.forEach((replica, i) => {
    const rk = kindOf(replica);
    if (rk && rk !== kind) issue(['replicas', i], `expected a ${field(kind)} replica like the rest of this upstream`);
  });
}
