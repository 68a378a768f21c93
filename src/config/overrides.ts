import { z } from 'zod';

// A policy scope is written in full once (the global `defaults`, where zod fills every default) and
// overridden per upstream and per tool. Overrides must not carry defaults, or a tool scope would silently
// reset its upstream's settings; overridesOf() derives them from the full schema so both stay in step.

type AnyObject = z.ZodObject<z.core.$ZodLooseShape, z.core.$strict>;

/** The override form of one field: optional, no default, objects recursed. */
export type Override<T extends z.core.SomeType> = T extends
  z.ZodDefault<infer I extends z.ZodType> | z.ZodPrefault<infer I extends z.ZodType> | z.ZodOptional<infer I extends z.ZodType>
  ? z.ZodOptional<OverrideOf<I>>
  : z.ZodOptional<OverrideOf<T>>;

/** The override form of a schema: strict objects get every field optional and default-free. */
export type OverrideOf<T extends z.core.SomeType> =
  T extends z.ZodObject<infer S, z.core.$strict> ? z.ZodObject<{ -readonly [K in keyof S]: Override<S[K]> }, z.core.$strict> : T;

function strip(schema: z.ZodType): z.ZodType {
  const def = schema.def as { type: string; innerType?: z.ZodType };
  if ((def.type === 'default' || def.type === 'prefault' || def.type === 'optional') && def.innerType) return strip(def.innerType);
  // Only strict objects are config sections; loose ones (a fallback's result) are data and stay as they are.
  if (schema instanceof z.ZodObject && schema.def.catchall instanceof z.ZodNever) {
    const shape: Record<string, z.ZodType> = {};
    for (const [key, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) shape[key] = strip(field).optional();
    return z.strictObject(shape);
  }
  return schema;
}

/** Derives the default-free, all-optional override schema from a full strict-object schema. */
export function overridesOf<T extends AnyObject>(schema: T): OverrideOf<T> {
  return strip(schema) as OverrideOf<T>;
}
