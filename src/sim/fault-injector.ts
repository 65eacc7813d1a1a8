import { parseDuration } from '../core/index.ts';
import { injectedFault, type ApiError } from './api-errors.ts';
import type { FaultRule } from './scenario-schema.ts';

/** How a matched watch stream is broken (ClusterProfile `faults[].watch`), durations resolved. */
export interface WatchFault {
  /** Strike once this many events were sent. */
  afterEvents: number | undefined;
  /** Strike this many milliseconds after the stream opened. */
  afterMs: number | undefined;
  /** close: end the response cleanly; reset: destroy the connection; silent: send nothing more but keep
   * the connection open; expire: send an ERROR event carrying 410 Expired, then end. */
  action: 'close' | 'reset' | 'silent' | 'expire';
}

/** One request a fault rule matched, kept so tests can see when each arrived and what it got. */
export interface FaultLogEntry {
  /** Epoch milliseconds when the request arrived. */
  at: number;
  method: string;
  /** Raw path and query string. */
  path: string;
  /** The status answered or the watch action applied; undefined when the rule's count was used up. */
  fault: number | WatchFault['action'] | undefined;
}

interface ArmedFault {
  pattern: RegExp;
  method: string | undefined;
  status: number | undefined;
  retryAfter: number | undefined;
  watch: WatchFault | undefined;
  remaining: number;
}

/** Entries kept in the fault log; older ones are dropped. */
const LOG_LIMIT = 1_000;

function durationMs(value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number' || /^\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  return parseDuration(value);
}

function isWatchRequest(method: string, pathAndQuery: string): boolean {
  if (method !== 'GET') return false;
  const [path = '', query = ''] = pathAndQuery.split('?', 2);
  const watch = new URLSearchParams(query).get('watch');
  return watch === 'true' || watch === '1' || /\/watch\//.test(path);
}

/**
 * ClusterProfile `faults`: the first `count` requests whose method and path+query match are answered
 * with the fault's status instead (a fault without count fires forever), or, for `watch` faults, the
 * first `count` matching watch streams are broken mid-way. Counters are per simulator.
 */
export class FaultInjector {
  private readonly faults: ArmedFault[];
  private readonly entries: FaultLogEntry[] = [];

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
        retryAfter: rule.retryAfter,
        watch:
          rule.watch === undefined
            ? undefined
            : {
                afterEvents: rule.watch.afterEvents,
                afterMs: durationMs(rule.watch.after),
                action: rule.watch.action,
              },
        remaining: rule.count ?? Number.POSITIVE_INFINITY,
      };
    });
  }

  /** Requests that matched a fault rule, oldest first (at most the last 1 000). */
  get log(): readonly FaultLogEntry[] {
    return this.entries;
  }

  /** The status fault to answer with, if one matches; consumes one of its count. */
  take(method: string, pathAndQuery: string): ApiError | undefined {
    const fault = this.pick(method, pathAndQuery, (f) => f.status !== undefined);
    if (fault?.status === undefined) return undefined;
    return injectedFault(fault.status, fault.retryAfter, pathAndQuery);
  }

  /** The watch fault for a watch stream about to start, if one matches; consumes one of its count. */
  takeWatch(method: string, pathAndQuery: string): WatchFault | undefined {
    if (!isWatchRequest(method, pathAndQuery)) return undefined;
    return this.pick(method, pathAndQuery, (f) => f.watch !== undefined)?.watch;
  }

  private pick(
    method: string,
    pathAndQuery: string,
    kind: (f: ArmedFault) => boolean,
  ): ArmedFault | undefined {
    const matching = this.faults.filter(
      (f) => kind(f) && (f.method === undefined || f.method === method) && f.pattern.test(pathAndQuery),
    );
    if (matching.length === 0) return undefined;
    const fault = matching.find((f) => f.remaining > 0);
    if (fault !== undefined) fault.remaining--;
    this.entries.push({
      at: Date.now(),
      method,
      path: pathAndQuery,
      fault: fault === undefined ? undefined : (fault.status ?? fault.watch?.action),
    });
    if (this.entries.length > LOG_LIMIT) this.entries.shift();
    return fault;
  }
}
