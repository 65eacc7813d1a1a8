// Leaf utilities every layer may import: time, durations, cancellation. Imports nothing of meshgate.
export { Interrupted, RunController, isInterrupted, throwIfInterrupted } from './cancel.ts';
export type { InterruptCause } from './cancel.ts';
export { systemClock } from './clock.ts';
export type { Clock } from './clock.ts';
export { DurationError, formatDuration, parseDuration, requireDuration } from './duration.ts';
export type { DurationLimits } from './duration.ts';
