import type { Principal } from '../pipeline/index.js';
import type { Aggregator, ClientList } from '../router/index.js';

/** One list as its `.../list` method serves it. */
export type ServedList = 'tools' | 'prompts' | 'resources' | 'resourceTemplates';

/**
 * Per-caller views of the aggregated lists (the authorization rules: a caller never sees what it may not
 * call). Absent from the dispatcher and the hub when no `authorization` is configured: everyone sees
 * everything, and list_changed goes to everyone.
 */
export interface CallerLists {
  /** The items of one list this principal may see (the aggregate's own array when it sees them all). */
  visible(principal: Principal, list: ServedList, aggregator: Aggregator): readonly unknown[];
  /** Whether the principal may see one tool, prompt (client-visible name) or resource (URI) of an upstream. */
  sees(principal: Principal, kind: 'tool' | 'prompt' | 'resource', upstream: string, name: string): boolean;
  /** A digest of what this principal sees of a client list; a list_changed is due only when it changes. */
  fingerprint(principal: Principal, list: ClientList, aggregator: Aggregator): string;
}
