/**
 * Merges options over frozen defaults, ignoring keys explicitly set to `undefined` (so a config loader
 * that passes `{ x: undefined }` still gets the default for `x`).
 */
export function withDefaults<D extends object, O extends object>(defaults: D, options: O): D & O {
  const out: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  for (const [k, v] of Object.entries(options)) if (v !== undefined) out[k] = v;
  return out as D & O;
}
