export { canonicalJson, digestTool, pinnedDefinition, type ToolDigest } from './tool-definition.js';
export { scanTool, type PoisonFinding, type ScanContext } from './poison-scan.js';
export type { PinRecord, PinStore } from './pin-store.js';
export { approvePin, rejectPin, short, type PinActionResult } from './pin-actions.js';
export { ToolPinning, type PinEvent, type PinningLog, type PinningRules, type PinnedItem } from './tool-pinning.js';
export { pinDiff } from './pin-diff.js';
