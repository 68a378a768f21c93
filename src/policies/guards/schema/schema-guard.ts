import type { ErrorObject } from 'ajv';
import { ALLOW, deny, type Guard, type GuardVerdict } from '../guard.js';
import type { CompiledSchema } from './schema-compiler.js';

/** ajv's message for an error: ajv never quotes the checked value (`const`/`enum` quote the schema, not the data). */
const describe = (e: ErrorObject): string => e.message ?? 'is invalid';

/**
 * Validation of a value against a tool's schema (`inputSchema` for arguments, `outputSchema` for
 * `structuredContent`). The rule is `schema.<keyword>`; `at` names the failing property. A schema that could
 * not be compiled allows or denies every value, as `onInvalidSchema` says.
 */
export function createSchemaGuard(compiled: CompiledSchema, onInvalidSchema: 'allow' | 'deny', label = 'inputSchema'): Guard {
  if (!compiled.ok) {
    const verdict =
      onInvalidSchema === 'deny' ? deny('schema.invalid-schema', `the tool's ${label} cannot be used: ${compiled.reason}`) : ALLOW;
    return { kind: 'schema', check: () => verdict };
  }
  const validate = compiled.validate;
  return {
    kind: 'schema',
    check({ value }): GuardVerdict {
      if (validate(value)) return ALLOW;
      const e = validate.errors?.[0];
      if (!e) return deny('schema.invalid', `does not match the tool's ${label}`);
      const at =
        e.keyword === 'required'
          ? `${e.instancePath}/${String((e.params as { missingProperty?: unknown }).missingProperty)}`
          : e.keyword === 'additionalProperties'
            ? `${e.instancePath}/${String((e.params as { additionalProperty?: unknown }).additionalProperty)}`
            : e.instancePath;
      return deny(`schema.${e.keyword}`, `${describe(e)} (the tool's ${label})`, at);
    },
  };
}
