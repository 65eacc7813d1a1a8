// How a failed run is told apart: a usage or configuration problem (exit 3, naming the flag or file
// it came from), an interruption (130/143, or INCONCLUSIVE on --timeout), or a meshgate bug.

// Narrow imports: the CLI loads this module on any error, and it must not pull in client-node.
import { KubeconfigError } from '../cluster/errors.ts';
import { DurationError, Interrupted } from '../core/index.ts';
import { MissingCredential } from '../metrics/canary/client-options.ts';
import { WindowError } from '../metrics/canary/window.ts';
import { ProfileError } from '../profile/load.ts';

/**
 * A bad flag, profile value, scenario or state the user must fix: printed as one line
 * (`error: …`), exit 3. `source` names the flag, file or variable it came from.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    readonly source: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type ErrorClass = 'usage' | 'interrupted' | 'bug';

export interface ClassifiedError {
  kind: ErrorClass;
  /** One line, never a stack trace. */
  message: string;
  /** The flag, file or variable to blame, when known. */
  source: string;
}

/** The message of anything thrown, including non-Error values (never "[object Object]"). */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  if (typeof err === 'string') return err;
  if (typeof err === 'object' && err !== null) {
    const m = (err as { message?: unknown }).message;
    if (typeof m === 'string' && m) return m;
    try {
      return JSON.stringify(err);
    } catch {
      return Object.prototype.toString.call(err);
    }
  }
  return String(err);
}

/** Several problems on one line: a CI log greps one line per error. */
const oneLine = (parts: readonly string[]): string => parts.map((p) => p.trim()).join('; ');

/** Sorts an error into the exit-code contract; see {@link ClassifiedError}. */
export function classifyError(err: unknown): ClassifiedError {
  if (err instanceof Interrupted) return { kind: 'interrupted', message: err.message, source: err.trigger };
  if (err instanceof UsageError) return { kind: 'usage', message: err.message, source: err.source };
  if (err instanceof ProfileError)
    return { kind: 'usage', message: `${err.source}: ${oneLine(err.problems)}`, source: err.source };
  if (err instanceof KubeconfigError) return { kind: 'usage', message: err.message, source: 'kubeconfig' };
  if (err instanceof DurationError) return { kind: 'usage', message: err.message, source: err.source };
  if (err instanceof WindowError) {
    const flag = /^(--\w+)/.exec(err.message)?.[1] ?? '--window';
    return { kind: 'usage', message: err.message, source: flag };
  }
  if (err instanceof MissingCredential)
    return { kind: 'usage', message: err.message, source: 'canary.prometheus.bearerTokenEnv' };
  return { kind: 'bug', message: describeError(err), source: 'meshgate' };
}
