import type { ListedItem } from './route-table.js';

/**
 * Decides at list time which tools may be served (tool-definition pinning, src/policies/pinning, wired by
 * app/). The router only asks; it never knows how the decision is made. Nothing here runs per call.
 */
export interface ToolGate {
  /**
   * Reviews one upstream's freshly fetched tool list; `others` maps every other upstream's tool names
   * (original and exposed) to that upstream. Resolves true when the set of blocked tools changed.
   */
  review(upstream: string, tools: readonly ListedItem[], others: ReadonlyMap<string, string>): Promise<boolean>;
  /** Why the tool is blocked (hidden from lists, calls refused), or undefined when it may be served. */
  blocked(upstream: string, tool: string): string | undefined;
}

/** A tool hidden by the gate, as the dispatcher reports it when it is called. */
export interface BlockedTool {
  readonly upstream: string;
  readonly target: string;
  readonly reason: string;
}
