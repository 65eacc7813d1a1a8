import { injectedFault, type ApiError } from './api-errors.ts';
import type { FaultRule } from './scenario-schema.ts';

interface ArmedFault {
  pattern: RegExp;
  method: string | undefined;
  status: number;
  remaining: number;
}

/**
 * ClusterProfile `faults`: the first `count` requests whose method and path+query match are answered
 * with the fault's status instead (a fault without count fires forever). Counters are per simulator.
 */
export class FaultInjector {
  private readonly faults: ArmedFault[];

  constructor(rules: readonly FaultRule[]) {
    this.faults = rules.map((rule) => {
      let pattern: RegExp;
      try {
        pattern = new RegExp(rule.match);
      } catch (error) {
        throw new Error(
          `ClusterProfile fault match ${JSON.stringify(rule.match)} is not a regular expression: ${String(error)}`,
        );
      }
      return {
        pattern,
        method: rule.method?.toUpperCase(),
        status: rule.status,
        remaining: rule.count ?? Number.POSITIVE_INFINITY,
      };
    });
  }

  /** The fault to answer with, if one matches; consumes one of its count. */
  take(method: string, pathAndQuery: string): ApiError | undefined {
    const fault = this.faults.find(
      (f) =>
        f.remaining > 0 && (f.method === undefined || f.method === method) && f.pattern.test(pathAndQuery),
    );
    if (fault === undefined) return undefined;
    fault.remaining--;
    return injectedFault(fault.status);
  }
}
