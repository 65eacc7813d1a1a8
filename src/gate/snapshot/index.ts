export { recordSnapshot, takeSnapshot } from './record.ts';
export type { SnapshotOptions, SnapshotResult, SnapshotTarget } from './record.ts';
export { REDACTED, redactText, scrub } from './redact.ts';
