import { globMatcher } from '../../core/index.js';
import type { Principal } from '../../pipeline/index.js';

/** What a decision is about: a call's route and method, or one item of a list. */
export interface AuthzTarget {
  readonly method: string;
  readonly upstream: string;
  readonly kind: 'tool' | 'prompt' | 'resource' | 'completion' | 'list' | 'other';
  /** Client-visible name: namespaced tool or prompt, resource URI or template. */
  readonly name: string;
}

/** The outcome of the rules for one call (or one list item). */
export interface AuthzDecision {
  readonly allowed: boolean;
  /** The deciding rule's id, or `default`. */
  readonly rule: string;
}

/** A compiled CEL `when` condition. */
export interface CompiledCondition {
  readonly source: string;
  /** True when the expression reads `args`: lists cannot know the arguments (see `visible`). */
  readonly usesArgs: boolean;
  readonly evaluate: (activation: Record<string, unknown>) => unknown;
}

/** One rule after compilation: matchers are closures, absent fields match anything. */
export interface CompiledRule {
  readonly id: string;
  readonly allow: boolean;
  /** Undefined when the rule names no principal condition. */
  readonly principal: ((p: Principal) => boolean) | undefined;
  readonly upstream: Matcher | undefined;
  readonly method: Matcher | undefined;
  readonly tools: Matcher | undefined;
  readonly prompts: Matcher | undefined;
  readonly resources: Matcher | undefined;
  readonly when: CompiledCondition | undefined;
}

export type Matcher = (name: string) => boolean;

/** Compiles `*` / `?` globs into one matcher (`*` any run of characters, `?` one). */
export function globs(patterns: readonly string[] | undefined): Matcher | undefined {
  if (patterns === undefined) return undefined;
  if (patterns.includes('*')) return () => true;
  return globMatcher(patterns, 's');
}

/**
 * Whether a rule's target fields (upstreams, methods, tools/prompts/resources) match. A rule naming
 * tools, prompts or resources applies only to those kinds; a completion is about a prompt or a
 * resource template, so either list may match it.
 */
export function targetMatches(rule: CompiledRule, t: AuthzTarget): boolean {
  if (rule.upstream !== undefined && !rule.upstream(t.upstream)) return false;
  if (rule.method !== undefined && !rule.method(t.method)) return false;
  const { tools, prompts, resources } = rule;
  if (tools === undefined && prompts === undefined && resources === undefined) return true;
  switch (t.kind) {
    case 'tool':
      return tools !== undefined && tools(t.name);
    case 'prompt':
      return prompts !== undefined && prompts(t.name);
    case 'resource':
      return resources !== undefined && resources(t.name);
    case 'completion':
      return (prompts !== undefined && prompts(t.name)) || (resources !== undefined && resources(t.name));
    default:
      return false;
  }
}
