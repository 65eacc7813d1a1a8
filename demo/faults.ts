// The faults `npm run demo -- --inject FAULT` can switch on. Each starts when the router sees the
// VirtualService reach the `--at` weight, and changes what one mesh service (the first app workload,
// zamaz-api) or the gateway does — never what meshgate sees directly: the gate has to find it in
// Prometheus. Rates are deterministic (every n-th request), so a short demo window shows the same
// share every run.

export const FAULT_NAMES = ['mesh-5xx', 'overflow', 'plaintext', 'latency', 'stale'] as const;
export type FaultName = (typeof FAULT_NAMES)[number];

export interface FaultDescription {
  /** What changes, in an operator's words. */
  what: string;
  /** What the gate should conclude, and the demo's exit code. */
  expect: string;
  exitCode: 1 | 2;
}

export const FAULTS: Readonly<Record<FaultName, FaultDescription>> = {
  'mesh-5xx': {
    what: 'the mesh deployment of the service answers 5 % of its requests with 500 (an app bug, no Envoy flag)',
    expect: 'FAIL, "the app\'s" 5xx; automatic rollback to 0 % with the mesh Deployments scaled to 0',
    exitCode: 1,
  },
  overflow: {
    what: "the gateway's connection pool to the mesh service is full: 10 % of its requests get 503 with flag UO",
    expect: 'FAIL, "the mesh\'s" 5xx and sustained circuit-breaker overflow; rollback',
    exitCode: 1,
  },
  plaintext: {
    what: 'the gateway sends 20 % of its requests to the mesh service without mTLS',
    expect: 'FAIL on mTLS naming the plaintext source workload; rollback',
    exitCode: 1,
  },
  latency: {
    what: 'the mesh deployment of the service answers 3 × slower (p99 × 3)',
    expect: 'FAIL on latency; rollback',
    exitCode: 1,
  },
  stale: {
    what: "the gateway's stats endpoint stops answering shortly after the step starts (Prometheus' data goes stale)",
    expect: "INCONCLUSIVE, stale data (the gateway's series and their newest sample named): no move, exit 2",
    exitCode: 2,
  },
};

/** Every n-th request: 5 % 500s, 10 % overflow, 20 % plaintext. */
export const EVERY_NTH = { appError: 20, overflow: 10, plaintext: 5 } as const;
export const LATENCY_FACTOR = 3;

/**
 * Which fault is active. The router calls {@link FaultSwitch.observeWeight} on every VirtualService
 * change; stand-ins and the router ask what to do per request.
 */
export class FaultSwitch {
  private activeSince: Date | undefined;
  private readonly counters = { appError: 0, overflow: 0, plaintext: 0 };
  private readonly listeners: Array<(fault: FaultName) => void> = [];

  constructor(
    readonly fault: FaultName | undefined,
    /** Mesh weight (%) at which the fault starts. */
    readonly at: number,
    /** The service the fault hits (its mesh side). */
    readonly service: string,
  ) {}

  get active(): boolean {
    return this.activeSince !== undefined;
  }

  get since(): Date | undefined {
    return this.activeSince;
  }

  onActivate(listener: (fault: FaultName) => void): void {
    this.listeners.push(listener);
  }

  observeWeight(meshWeight: number): void {
    if (this.fault === undefined || this.activeSince !== undefined || meshWeight < this.at) return;
    this.activeSince = new Date();
    for (const l of this.listeners) l(this.fault);
  }

  private is(name: FaultName, service: string): boolean {
    return this.active && this.fault === name && service === this.service;
  }

  private nth(counter: keyof typeof this.counters): boolean {
    this.counters[counter]++;
    return this.counters[counter] % EVERY_NTH[counter] === 0;
  }

  /** The mesh app answers this request with 500. */
  appError(service: string): boolean {
    return this.is('mesh-5xx', service) && this.nth('appError');
  }

  /** The gateway's pool to the mesh service is full for this request (503 UO). */
  overflow(service: string): boolean {
    return this.is('overflow', service) && this.nth('overflow');
  }

  /** The gateway sends this request to the mesh service in plaintext. */
  plaintext(service: string): boolean {
    return this.is('plaintext', service) && this.nth('plaintext');
  }

  latencyFactor(service: string): number {
    return this.is('latency', service) ? LATENCY_FACTOR : 1;
  }
}
