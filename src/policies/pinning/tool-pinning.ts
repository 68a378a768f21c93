import { scanTool } from './poison-scan.js';
import type { PinRecord, PinStore } from './pin-store.js';
import { digestTool } from './tool-definition.js';

/** How one upstream's tools are pinned (docs/adr/0013-tool-definition-pinning.md). */
export interface PinningRules {
  /** A definition that differs from the approved one: hidden and refused (block) or served with a warning (flag). */
  readonly onChange: 'block' | 'flag';
  /** A tool first seen after the upstream's first list: approved on sight (trust) or held for approval (review). */
  readonly newTools: 'trust' | 'review';
  /** A definition with poisoning findings: served with a warning (flag) or held for approval (block). */
  readonly poisoning: 'flag' | 'block';
}

/** A named item as listed by an upstream. */
export interface PinnedItem {
  readonly name: string;
  readonly [key: string]: unknown;
}

/** A list-time pinning decision worth recording (audit, metrics, alerts): never per call. */
export interface PinEvent {
  readonly upstream: string;
  readonly tool: string;
  /** `pin.changed`, `pin.new-held`, `pin.poisoned`, `pin.renamed`, `pin.rejected`, `pin.restored`. */
  readonly rule: string;
  readonly blocked: boolean;
  readonly approvedHash: string | null;
  readonly servedHash: string;
}

/** The minimal logger pinning reports to. */
export interface PinningLog {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/**
 * Trust-on-first-use pinning of tool definitions (rug-pull protection). `review` runs when an upstream's
 * tool list is fetched (never per call): it hashes each tool, compares with the store, records what is new
 * or changed, and keeps the verdicts in memory, where the route table reads them synchronously with
 * `blocked`. A blocked tool is hidden from tools/list and its calls are refused.
 */
export class ToolPinning {
  /** Per upstream: tool name → why it is blocked. */
  #blocked = new Map<string, Map<string, string>>();
  #version: number | undefined;

  constructor(
    private readonly store: PinStore,
    /** The rules for one upstream; undefined turns pinning off for it. */
    private readonly rules: (upstream: string) => PinningRules | undefined,
    private readonly log: PinningLog,
    private readonly now: () => number = Date.now,
    /** Told of every recorded change (new held tool, changed, poisoned, renamed, restored); not of unchanged lists. */
    private readonly onEvent: (event: PinEvent) => void = () => {},
  ) {}

  /** Why `tool` of `upstream` is blocked, or undefined when it may be served. */
  blocked(upstream: string, tool: string): string | undefined {
    return this.#blocked.get(upstream)?.get(tool);
  }

  /**
   * Reviews one upstream's current tool list against the store; `others` maps the other upstreams' tool
   * names (original and exposed) to their upstream, for the shadowing scan. Resolves true when the set of
   * blocked tools of this upstream changed.
   */
  async review(upstream: string, items: readonly PinnedItem[], others: ReadonlyMap<string, string> = new Map()): Promise<boolean> {
    const rules = this.rules(upstream);
    const before = this.#blocked.get(upstream);
    if (rules === undefined) {
      this.#blocked.delete(upstream);
      return (before?.size ?? 0) > 0;
    }
    const known = await this.store.list(upstream);
    const byName = new Map(known.map((p) => [p.tool, p]));
    const listed = new Set(items.map((i) => i.name));
    const firstSight = known.length === 0;
    const blocked = new Map<string, string>();
    for (const item of items) {
      const reason = await this.#reviewOne(upstream, item, byName, listed, firstSight, rules, others);
      if (reason !== undefined) blocked.set(item.name, reason);
    }
    this.#blocked.set(upstream, blocked);
    return !sameMap(before, blocked);
  }

  /** True when the store changed since the last call (another process approved or rejected a pin). */
  async storeChanged(): Promise<boolean> {
    const version = await this.store.version();
    const changed = this.#version !== undefined && version !== this.#version;
    this.#version = version;
    return changed;
  }

  async #reviewOne(
    upstream: string,
    item: PinnedItem,
    byName: ReadonlyMap<string, PinRecord>,
    listed: ReadonlySet<string>,
    firstSight: boolean,
    rules: PinningRules,
    others: ReadonlyMap<string, string>,
  ): Promise<string | undefined> {
    const digest = digestTool(item);
    const pin = byName.get(item.name);
    const now = this.now();
    const ids = { upstream, tool: item.name, hash: digest.hash };
    const event = (rule: string, blocked: boolean, approvedHash: string | null) =>
      this.onEvent({ upstream, tool: item.name, rule, blocked, approvedHash, servedHash: digest.hash });
    if (pin?.rejectedHash === digest.hash) return 'its definition was rejected by an operator (breakwater pins approve to allow it)';
    if (pin !== undefined && pin.approvedHash === digest.hash) {
      // The upstream went back to the approved definition: nothing is pending any more.
      if (pin.pendingHash !== null) {
        await this.store.put({ ...pin, pendingHash: null, pendingText: null, updatedAt: now });
        event('pin.restored', false, pin.approvedHash);
      }
      return undefined;
    }
    if (pin !== undefined && pin.pendingHash === digest.hash) return this.#heldReason(pin, rules);
    const findings = scanTool(item, { otherUpstreamTools: others }).map((f) => `${f.rule}: ${f.detail}`);
    const suspicious = findings.length > 0;
    if (pin === undefined) {
      const renamed = [...byName.values()].find((p) => p.approvedBodyHash === digest.bodyHash && !listed.has(p.tool));
      const trusted = renamed !== undefined || ((firstSight || rules.newTools === 'trust') && !(suspicious && rules.poisoning === 'block'));
      const record: PinRecord = {
        upstream,
        tool: item.name,
        approvedHash: trusted ? digest.hash : null,
        approvedBodyHash: trusted ? digest.bodyHash : null,
        approvedText: trusted ? digest.text : null,
        pendingHash: trusted ? null : digest.hash,
        pendingText: trusted ? null : digest.text,
        rejectedHash: null,
        findings,
        renamedFrom: renamed?.tool ?? null,
        firstSeen: now,
        updatedAt: now,
      };
      await this.store.put(record);
      if (renamed)
        this.log.warn({ ...ids, renamedFrom: renamed.tool }, 'tool renamed with an identical definition: pinned as the same tool');
      if (suspicious) this.log.warn({ ...ids, findings }, 'tool description looks poisoned');
      if (!trusted) this.log.warn(ids, 'new tool held for approval (breakwater pins approve)');
      if (renamed) event('pin.renamed', false, renamed.approvedHash);
      if (suspicious) event('pin.poisoned', !trusted, record.approvedHash);
      else if (!trusted) event('pin.new-held', true, null);
      return trusted ? undefined : this.#heldReason(record, rules);
    }
    const changed: PinRecord = { ...pin, pendingHash: digest.hash, pendingText: digest.text, findings, updatedAt: now };
    await this.store.put(changed);
    this.log.warn(
      { ...ids, approvedHash: pin.approvedHash, findings },
      rules.onChange === 'block'
        ? 'tool definition changed since approval: blocked until approved'
        : 'tool definition changed since approval',
    );
    const reason = this.#heldReason(changed, rules);
    event(suspicious ? 'pin.poisoned' : 'pin.changed', reason !== undefined, pin.approvedHash);
    return reason;
  }

  /** The block reason of a tool whose served definition is pending (undefined: flagged but served). */
  #heldReason(pin: PinRecord, rules: PinningRules): string | undefined {
    if (pin.approvedHash === null) return 'a new tool awaiting approval (breakwater pins list)';
    if (rules.onChange === 'block') return 'its definition changed since it was approved (breakwater pins diff)';
    if (rules.poisoning === 'block' && pin.findings.length > 0) return `its changed definition looks poisoned (${pin.findings[0]})`;
    return undefined;
  }
}

function sameMap(a: ReadonlyMap<string, string> | undefined, b: ReadonlyMap<string, string>): boolean {
  if ((a?.size ?? 0) !== b.size) return false;
  for (const [k, v] of b) if (a?.get(k) !== v) return false;
  return true;
}
