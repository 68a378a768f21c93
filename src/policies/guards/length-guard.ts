import type { GuardEntryConfig } from '../../config/index.js';
import { ALLOW, deny, type Guard } from './guard.js';

type LengthConfig = Extract<GuardEntryConfig, { type: 'length' }>;

/** Per-argument size limits: a string longer than `maxLength` characters or an array with more than `maxItems` items. */
export function createLengthGuard(config: Pick<LengthConfig, 'maxLength' | 'maxItems'>): Guard {
  const { maxLength, maxItems } = config;
  return {
    kind: 'length',
    check({ value }) {
      if (typeof value === 'string' && maxLength !== undefined && value.length > maxLength)
        return deny('length.max-length', `longer than ${maxLength} characters`);
      if (Array.isArray(value) && maxItems !== undefined && value.length > maxItems)
        return deny('length.max-items', `more than ${maxItems} items`);
      return ALLOW;
    },
  };
}
