export { createContentGuard, type ContentGuardConfig } from './content-guard.js';
export { sanitizeHtml, type SanitizeResult } from './html-sanitizer.js';
export { DETECTORS, SECRET_KINDS, type SecretKind } from './secret-detectors.js';
export { redactSecrets, scanSecrets, type SecretMatch } from './secret-scan.js';
