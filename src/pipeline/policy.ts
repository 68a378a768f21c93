import type { CallContext, CallResult } from './call-context.js';

/** The rest of the pipeline after a policy. */
export type Next = (ctx: CallContext) => Promise<CallResult>;

/**
 * One concern of the call path. A policy may call `next` zero, one or many times (retry, hedging),
 * must not outlive `ctx.signal`, and clears its timers and listeners in `finally`.
 */
export interface Policy {
  readonly name: string;
  execute(ctx: CallContext, next: Next): Promise<CallResult>;
}

/** The "off" policy: passes straight through (compose() drops it). */
export const noopPolicy: Policy = { name: 'noop', execute: (ctx, next) => next(ctx) };
