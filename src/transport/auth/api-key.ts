import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiKeyRecord } from '../../store/key-store.js';

/** Every Breakwater API key starts with this, so secret scanners (and people) recognise a leaked one. */
export const API_KEY_PREFIX = 'bwk_';

/** `bwk_` + 32 random bytes, base64url (43 characters): 256 bits, never guessable. */
export function generateApiKey(): string {
  return API_KEY_PREFIX + randomBytes(32).toString('base64url');
}

/** True for a string shaped like one of our keys (prefix and 43 base64url characters). */
export function looksLikeApiKey(token: string): boolean {
  return token.length === API_KEY_PREFIX.length + 43 && token.startsWith(API_KEY_PREFIX);
}

/**
 * Hex SHA-256 of a key. A fast hash is right here: the key is 256 random bits, so there is nothing to
 * brute-force and no need for a slow password hash (ADR 0020).
 */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** The public id of a key: the first 12 hex digits of its hash. */
export function keyIdOf(hash: string): string {
  return hash.slice(0, 12);
}

/** Compares two hex hashes in constant time (equal length is checked first; hashes have a fixed length). */
export function sameHash(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
}

/** A new key and its record; the key is shown once and never stored. */
export function issueApiKey(input: {
  readonly name: string;
  readonly roles: readonly string[];
  readonly now: number;
  readonly expiresAt?: number | undefined;
}): { key: string; record: ApiKeyRecord } {
  const key = generateApiKey();
  const hash = hashApiKey(key);
  return {
    key,
    record: {
      id: keyIdOf(hash),
      name: input.name,
      hash,
      roles: [...input.roles],
      createdAt: input.now,
      expiresAt: input.expiresAt,
      revoked: false,
      lastUsedAt: undefined,
    },
  };
}
