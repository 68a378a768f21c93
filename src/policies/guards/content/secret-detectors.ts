/** A kind of secret or personal data the content guard detects. */
export type SecretKind =
  | 'aws-access-key' | 'aws-secret-key' | 'gcp-api-key' | 'azure-storage-key' | 'github-token' | 'gitlab-token'
  | 'slack-token' | 'slack-webhook' | 'stripe-key' | 'openai-key' | 'anthropic-key' | 'npm-token' | 'private-key'
  | 'jwt' | 'card-number' | 'email'; // prettier-ignore

/** Every kind, in the order they are tried (longer and more specific first). */
export const SECRET_KINDS: readonly SecretKind[] = [
  'private-key', 'jwt', 'aws-access-key', 'aws-secret-key', 'gcp-api-key', 'azure-storage-key', 'github-token', 'gitlab-token',
  'slack-token', 'slack-webhook', 'stripe-key', 'anthropic-key', 'openai-key', 'npm-token', 'card-number', 'email',
]; // prettier-ignore

interface Detector {
  /** A cheap test the text must pass before the pattern runs (most texts hold no `@`, `eyJ`, `AKIA`, …). */
  readonly hint: string | RegExp;
  readonly pattern: RegExp;
  /** A second look at a match (checksum, structure) that keeps look-alikes out. */
  readonly valid?: (match: string) => boolean;
}

/**
 * One pattern per kind (sticky to word boundaries, so a key inside a longer token is not cut out of it),
 * plus a validator where a structure can be checked: Luhn and card prefixes for card numbers, a decodable
 * JSON header with `alg` for JWTs, mixed character classes for the context-free AWS secret.
 */
export const DETECTORS: Readonly<Record<SecretKind, Detector>> = {
  'private-key': {
    hint: 'PRIVATE KEY',
    pattern:
      /-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----|$)/g,
  },
  jwt: { hint: 'eyJ', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/g, valid: jwtHeader },
  'aws-access-key': { hint: /A(?:KIA|SIA|BIA|CCA|3T)/, pattern: /\b(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z2-7]{16}\b/g },
  'aws-secret-key': {
    hint: /secret/i,
    pattern: /(?<=\baws_?secret_?(?:access_?)?key\b["']?\s*[:=]\s*["']?)[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])/gi,
  },
  'gcp-api-key': { hint: 'AIza', pattern: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g },
  'azure-storage-key': { hint: 'AccountKey=', pattern: /(?<=AccountKey=)[A-Za-z0-9+/]{86}==/g },
  'github-token': { hint: /gh[pousr]_|github_pat_/, pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{82})\b/g },
  'gitlab-token': { hint: 'glpat-', pattern: /\bglpat-[A-Za-z0-9_-]{20}\b/g },
  'slack-token': { hint: 'xox', pattern: /\bxox[abposre]-[A-Za-z0-9-]{10,}/g },
  'slack-webhook': {
    hint: 'hooks.slack.com',
    pattern: /https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]{6,}\/B[A-Z0-9]{6,}\/[A-Za-z0-9]{20,}/g,
  },
  'stripe-key': { hint: /[sr]k_(?:live|test)_/, pattern: /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{24,}\b/g },
  'anthropic-key': { hint: 'sk-ant-', pattern: /\bsk-ant-(?:api|admin)[0-9]{2}-[A-Za-z0-9_-]{80,}/g },
  'openai-key': {
    hint: 'sk-',
    pattern: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}T3BlbkFJ[A-Za-z0-9_-]{20,}|\bsk-proj-[A-Za-z0-9_-]{80,}/g,
  },
  'npm-token': { hint: 'npm_', pattern: /\bnpm_[A-Za-z0-9]{36}\b/g },
  'card-number': { hint: /\d{4}/, pattern: /(?<![\d.-])(?:\d[ -]?){12,18}\d(?![\d-])/g, valid: cardNumber },
  email: { hint: '@', pattern: /\b[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,24}\b/g },
};

/** A card number: 13–19 digits (separators one kind only), a known network prefix, the Luhn checksum. */
function cardNumber(match: string): boolean {
  const separators = new Set(match.replace(/\d/g, ''));
  if (separators.size > 1) return false;
  const digits = match.replace(/\D/g, '');
  if (digits.length < 13 || digits.length > 19 || /^(\d)\1+$/.test(digits)) return false;
  if (!/^(?:4|5[1-5]|2[2-7]|3[47]|3[0689]|6(?:011|5|4[4-9]|22)|35|62|50|5[6-9]|6[0-9])/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** A JWT's first segment decodes to a JSON object naming an algorithm. */
function jwtHeader(match: string): boolean {
  try {
    const header = JSON.parse(Buffer.from(match.split('.')[0]!, 'base64url').toString('utf8')) as unknown;
    return typeof header === 'object' && header !== null && typeof (header as { alg?: unknown }).alg === 'string';
  } catch {
    return false;
  }
}
