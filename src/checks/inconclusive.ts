/**
 * Thrown when a check could not see what it needs (forbidden, unreachable, not found where
 * required, no data). Reported as INCONCLUSIVE: never as a pass, never as "saw a failure".
 */
export class Inconclusive extends Error {
  override readonly name = 'Inconclusive';
  constructor(
    message: string,
    /** What to do so the check can see, e.g. the RBAC rule to grant. */
    readonly hint = '',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isInconclusive(err: unknown): err is Inconclusive {
  return err instanceof Error && err.name === 'Inconclusive';
}
