export { Inconclusive, isInconclusive } from './inconclusive.ts';
export { formatBytes, formatCpu, parseQuantity } from './quantity.ts';
export { failed, inconclusive, objectName, passed, skipped } from './types.ts';
export type { CheckResult, CheckStatus, Finding } from './types.ts';
export { compareMinor, formatVersion, parseVersion } from './version.ts';
