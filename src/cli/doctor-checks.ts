import type { UpstreamConfig } from '../config/index.js';
import type { PeerStats, UpstreamInfo } from '../upstream/index.js';
import { sandboxWarning } from './doctor-sandbox.js';

/** What doctor learnt of one upstream by starting it. */
export interface UpstreamFacts {
  readonly name: string;
  readonly config: UpstreamConfig;
  /** 'ready', or the state it was left in ('connecting' when the time ran out, 'down' when it failed). */
  readonly state: string;
  /** Why it is not ready, when it is not. */
  readonly error?: string;
  readonly info?: UpstreamInfo;
  readonly tools?: readonly { name: string; description?: string }[];
  /** Why the tool list is missing, when the upstream is ready but listing failed. */
  readonly toolsError?: string;
  readonly stats?: Readonly<PeerStats>;
}

/** Words by which a server shows that it asks its client for something (tool names, descriptions, instructions). */
const CLIENT_FEATURES = /\b(sampl(e|es|ing)|createMessage|elicit\w*|roots?\/list|list_?roots|roots)\b/i;

/**
 * Problems worth a user's attention, one line each. The main one: a shared upstream on a channel that
 * cannot tell callers apart (stdio, legacy SSE) whose server asks its client for input, so calls of
 * concurrent callers get GW_UNATTRIBUTABLE where `isolation: per-session` would serve each.
 */
export function warningsFor(facts: UpstreamFacts): string[] {
  const { config, info } = facts;
  const warnings: string[] = [];
  if (facts.state !== 'ready') {
    warnings.push(`not ready (${facts.state}${facts.error ? `: ${facts.error}` : ''})`);
    return warnings;
  }
  if (facts.toolsError !== undefined) warnings.push(`tools/list failed: ${facts.toolsError}`);
  const uncorrelated = config.transport === 'stdio' || config.transport === 'sse';
  // Only legacy servers push requests and logs; a modern one asks through its results (InputRequiredResult).
  const pushes = info?.era === 'legacy';
  const evidence = clientFeatureEvidence(facts);
  if (uncorrelated && pushes && config.isolation === 'shared' && evidence.length > 0) {
    warnings.push(
      `shared ${config.transport} upstream whose server asks its client for input (${evidence.join('; ')}): with concurrent ` +
        `callers such requests are refused with GW_UNATTRIBUTABLE and logs dropped. Set \`isolation: per-session\`.`,
    );
  }
  if (config.isolation !== 'shared' && !(uncorrelated && pushes))
    warnings.push(
      `isolation: ${config.isolation} on a ${uncorrelated ? 'modern-era' : `${config.transport}`} upstream: its server→client traffic is ` +
        `already attributed per call, so a connection per caller costs memory and start-up for nothing. Use \`isolation: shared\`.`,
    );
  const unboxed = sandboxWarning(facts);
  if (unboxed !== undefined) warnings.push(unboxed);
  return warnings;
}

/** Why one believes the server asks its client for sampling, elicitation or roots; empty when nothing shows it. */
export function clientFeatureEvidence(facts: UpstreamFacts): string[] {
  const evidence: string[] = [];
  const stats = facts.stats;
  if (stats !== undefined && stats.unattributedRequests > 0) evidence.push(`${stats.unattributedRequests} requests already refused`);
  const tools = (facts.tools ?? []).filter((t) => CLIENT_FEATURES.test(t.name) || CLIENT_FEATURES.test(t.description ?? ''));
  if (tools.length > 0) {
    const names = tools.slice(0, 3).map((t) => t.name);
    evidence.push(`tool${tools.length === 1 ? '' : 's'} ${names.join(', ')}${tools.length > 3 ? ` and ${tools.length - 3} more` : ''}`);
  }
  if (typeof facts.info?.instructions === 'string' && CLIENT_FEATURES.test(facts.info.instructions)) evidence.push('its instructions');
  if (evidence.length > 0 && facts.info?.capabilities.logging !== undefined) evidence.push('it sends logs');
  return evidence;
}
