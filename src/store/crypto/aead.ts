import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** AES-256-GCM with a 12-byte random nonce and a 16-byte tag (NIST SP 800-38D; see ADR 0018). */
export interface Sealed {
  readonly nonce: Buffer;
  readonly ciphertext: Buffer;
  readonly tag: Buffer;
}

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/** Thrown when a ciphertext, tag, nonce or associated data does not authenticate. */
export class DecryptError extends Error {
  constructor(what: string) {
    super(`cannot decrypt ${what}: wrong key, or the stored data was altered`);
    this.name = 'DecryptError';
  }
}

/** Encrypts with a fresh random nonce; `aad` binds the ciphertext to its record (name, version, purpose). */
export function seal(key: Buffer, plaintext: Buffer, aad: string): Sealed {
  if (key.length !== KEY_BYTES) throw new Error('AES-256-GCM needs a 32-byte key');
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { nonce, ciphertext, tag: cipher.getAuthTag() };
}

/**
 * Decrypts and authenticates. The tag length is checked here and pinned with `authTagLength`: on Node 20
 * `setAuthTag` alone still accepts truncated tags down to 4 bytes (DEP0182), which would allow forgeries.
 */
export function open(key: Buffer, sealed: Sealed, aad: string, what: string): Buffer {
  if (key.length !== KEY_BYTES || sealed.nonce.length !== NONCE_BYTES || sealed.tag.length !== TAG_BYTES) throw new DecryptError(what);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(sealed.tag);
    return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
  } catch {
    throw new DecryptError(what);
  }
}

/** nonce ‖ ciphertext ‖ tag in one buffer (how wrapped data keys are stored). */
export function pack(s: Sealed): Buffer {
  return Buffer.concat([s.nonce, s.ciphertext, s.tag]);
}

/** The inverse of pack(); a buffer too short to hold nonce and tag fails like a bad tag. */
export function unpack(b: Buffer, what: string): Sealed {
  if (b.length < NONCE_BYTES + TAG_BYTES) throw new DecryptError(what);
  return {
    nonce: b.subarray(0, NONCE_BYTES),
    ciphertext: b.subarray(NONCE_BYTES, b.length - TAG_BYTES),
    tag: b.subarray(b.length - TAG_BYTES),
  };
}
