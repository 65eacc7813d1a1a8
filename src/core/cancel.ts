// One way to stop: every run has one AbortSignal whose reason is an Interrupted, so any layer that
// sees the abort (a request, a sleep, a load run, a vitest run) can say why it stopped.

/** Why a run stopped early: a signal from the user or CI, or the run's own deadline. */
export type InterruptCause = 'SIGINT' | 'SIGTERM' | 'deadline' | 'cancelled';

/** Thrown (and used as the AbortSignal's reason) when a run is stopped before it finished. */
export class Interrupted extends Error {
  override readonly name = 'Interrupted';

  constructor(
    readonly trigger: InterruptCause,
    message?: string,
  ) {
    super(message ?? Interrupted.describe(trigger));
  }

  static describe(cause: InterruptCause): string {
    switch (cause) {
      case 'SIGINT':
        return 'interrupted (SIGINT)';
      case 'SIGTERM':
        return 'interrupted (SIGTERM)';
      case 'deadline':
        return 'the run deadline (--timeout) expired';
      default:
        return 'cancelled';
    }
  }

  /** The Interrupted an aborted signal carries, or a generic one when it was aborted some other way. */
  static from(signal: AbortSignal | undefined): Interrupted {
    const r: unknown = signal?.reason;
    if (r instanceof Interrupted) return r;
    return new Interrupted('cancelled', r instanceof Error ? `cancelled: ${r.message}` : undefined);
  }
}

export function isInterrupted(err: unknown): err is Interrupted {
  return err instanceof Interrupted;
}

/** Throws the signal's Interrupted when it has aborted: call it immediately before any write. */
export function throwIfInterrupted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw Interrupted.from(signal);
}

/**
 * A controller for one run: `signal` aborts on `interrupt(cause)` or when the deadline passes,
 * whichever comes first, with an Interrupted as its reason.
 */
export class RunController {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  /** Epoch milliseconds after which the run is out of time; undefined = no deadline. */
  readonly deadlineAt: number | undefined;

  constructor(opts: { timeoutMs?: number | undefined; now?: number; parent?: AbortSignal } = {}) {
    const now = opts.now ?? Date.now();
    this.deadlineAt = opts.timeoutMs !== undefined ? now + opts.timeoutMs : undefined;
    if (opts.timeoutMs !== undefined) {
      this.timer = setTimeout(() => this.interrupt('deadline'), opts.timeoutMs);
      this.timer.unref();
    }
    if (opts.parent) {
      const parent = opts.parent;
      if (parent.aborted) this.controller.abort(Interrupted.from(parent));
      else
        parent.addEventListener('abort', () => this.controller.abort(Interrupted.from(parent)), {
          once: true,
        });
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Milliseconds left before the deadline (Infinity without one). */
  remainingMs(now = Date.now()): number {
    return this.deadlineAt === undefined ? Number.POSITIVE_INFINITY : Math.max(0, this.deadlineAt - now);
  }

  interrupt(cause: InterruptCause): void {
    if (this.controller.signal.aborted) return;
    this.controller.abort(new Interrupted(cause));
  }

  /** Stops the deadline timer once the run is over. */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
