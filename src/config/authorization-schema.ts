import { Environment } from '@marcbachmann/cel-js';
import { z } from 'zod';
import { glob, text } from './primitives.js';

// The `authorization` section (issue 9 item 2; design: docs/adr/0011-authorization-rules-and-cel.md).
// Ordered rules, first match wins, then `default`. Every matcher list is OR within itself; the fields
// of one rule are AND. CEL `when` expressions are parsed here so a syntax error is a config problem
// with its path, never a surprise at the first call.

const patterns = () => z.array(glob()).min(1, { error: 'expected at least one name or glob (omit the key to match any)' });
const claimValue = z.union([z.string(), z.number(), z.boolean()]);

/** Parses a CEL expression the way the authorization policy will, for the config check. */
function celProblem(source: string): string | undefined {
  try {
    new Environment().registerVariable('principal', 'map').registerVariable('target', 'map').registerVariable('args', 'map').parse(source);
    return undefined;
  } catch (err) {
    return (err instanceof Error ? err.message : String(err)).split('\n')[0];
  }
}

const when = z
  .string()
  .min(1)
  .max(4096)
  .superRefine((source, ctx) => {
    const problem = celProblem(source);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: `invalid CEL expression: ${problem}` });
  });

export const authorizationRuleSchema = z
  .strictObject({
    id: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, { error: 'expected a rule id of 1 to 64 of A-Z a-z 0-9 _ . : -' }),
    action: z.enum(['allow', 'deny']),
    // Who: principal ids (globs), any of these roles, any of these scopes, every listed claim equal to one of its values.
    principals: patterns().optional(),
    roles: z.array(text()).min(1).optional(),
    scopes: z.array(text()).min(1).optional(),
    claims: z.record(z.string().min(1), z.union([claimValue, z.array(claimValue).min(1)])).optional(),
    // What: upstream names, client-visible tool and prompt names, resource URIs, JSON-RPC methods (globs).
    upstreams: patterns().optional(),
    tools: patterns().optional(),
    prompts: patterns().optional(),
    resources: patterns().optional(),
    methods: patterns().optional(),
    // CEL over `principal` ({id, kind, roles, scopes, claims}), `target` ({upstream, kind, name, method}) and `args`.
    when: when.optional(),
  })
  .describe('authorization rule');

export const authorizationSchema = z
  .strictObject({
    default: z.enum(['allow', 'deny']).default('deny'),
    rules: z.array(authorizationRuleSchema).default([]),
  })
  .superRefine((section, ctx) => {
    const seen = new Set<string>();
    section.rules.forEach((rule, i) => {
      if (seen.has(rule.id)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'id'], message: `duplicate rule id "${rule.id}"` });
      seen.add(rule.id);
    });
  });
