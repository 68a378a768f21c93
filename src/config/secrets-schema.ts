import { z } from 'zod';
import { text } from './primitives.js';

// `secrets`: where the master key of the encrypted secret store (`${secret:NAME}`, audit checkpoint key)
// comes from. Either or both: keys from the variable come first (the first key found is active).
export const secretsSchema = z.strictObject({
  masterKey: z
    .strictObject({
      // Environment variable holding one or more keys (64 hex digits or base64 of 32 bytes, comma separated).
      env: z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'expected an environment variable name' })
        .default('BREAKWATER_MASTER_KEY'),
      // A file with one key per line (first active), mode 0600; relative to the config file's folder.
      file: text().optional(),
    })
    .prefault({}),
});

/** The `secrets` section, validated. */
export type SecretsConfig = z.output<typeof secretsSchema>;
