import { createWriteStream, type WriteStream } from 'node:fs';
import { decodePath, resolveRequest } from './request-info.ts';

/** The path that answers the counts; it is not counted itself. */
export const REQUEST_COUNTS_PATH = '/debug/requests';

/** One request the simulator answered, as a line of the request log. */
export interface RequestRecord {
  /** When the request arrived (ISO 8601). */
  at: string;
  /** The API verb (`get`, `list`, `watch`, `create`, ...); for a non-resource path, the method, lower-cased. */
  verb: string;
  /** `pods`, `deployments.apps`, `virtualservices.networking.istio.io`; for a non-resource path, the path. */
  resource: string;
  /** `exec`, `proxy`, `status`, ...; '' for none. */
  subresource: string;
  namespace?: string;
  name?: string;
  /** The HTTP status answered (101 for an exec upgrade). */
  status: number;
  /** From arrival to the answer, ms (injected latency included). */
  ms: number;
}

/** How many requests of one verb, resource and subresource the simulator answered. */
// Type aliases, not interfaces, so the counts are JSON values the server can answer with as they are.
export type RequestCount = {
  verb: string;
  resource: string;
  subresource: string;
  count: number;
};

export type RequestCounts = {
  total: number;
  /** Most frequent first; ties by verb, resource, subresource. */
  requests: RequestCount[];
};

/** What a request was, for counting: the API server's request-info view of its method and URL. */
export function describeRequest(
  method: string,
  rawUrl: string,
): Pick<RequestRecord, 'verb' | 'resource' | 'subresource' | 'namespace' | 'name'> {
  const url = new URL(rawUrl, 'https://meshgate-sim.invalid');
  let info: ReturnType<typeof resolveRequest>;
  try {
    info = resolveRequest(method, decodePath(url.pathname), url.searchParams);
  } catch {
    info = undefined;
  }
  if (info?.type !== 'resource') {
    return { verb: method.toLowerCase(), resource: url.pathname, subresource: '' };
  }
  // Exec is authorised as `create` whatever the method (GET for WebSocket), and counted the same way.
  const verb = info.subresource === 'exec' ? 'create' : info.verb;
  const described: ReturnType<typeof describeRequest> = {
    verb,
    resource: info.group === '' ? info.resource : `${info.resource}.${info.group}`,
    subresource: info.subresource ?? '',
  };
  if (info.namespace !== undefined) described.namespace = info.namespace;
  if (info.name !== undefined) described.name = info.name;
  return described;
}

/**
 * Counts every request the simulator answers by verb, resource and subresource, and optionally writes
 * each as a JSON line to a file: what a test or the bench reads to see how many requests a run cost.
 */
export class RequestLog {
  private readonly counts = new Map<string, RequestCount>();
  private readonly out: WriteStream | undefined;
  private total = 0;

  constructor(file?: string) {
    this.out = file === undefined ? undefined : createWriteStream(file, { flags: 'a', mode: 0o600 });
    // A write error (a full disk) must not take the simulator down; the counts stay right.
    this.out?.on('error', () => undefined);
  }

  record(record: RequestRecord): void {
    this.total++;
    const key = `${record.verb} ${record.resource} ${record.subresource}`;
    const count = this.counts.get(key);
    if (count === undefined) {
      this.counts.set(key, {
        verb: record.verb,
        resource: record.resource,
        subresource: record.subresource,
        count: 1,
      });
    } else {
      count.count++;
    }
    this.out?.write(`${JSON.stringify(record)}\n`);
  }

  snapshot(): RequestCounts {
    const requests = [...this.counts.values()]
      .map((c) => ({ ...c }))
      .sort(
        (a, b) =>
          b.count - a.count ||
          a.verb.localeCompare(b.verb) ||
          a.resource.localeCompare(b.resource) ||
          a.subresource.localeCompare(b.subresource),
      );
    return { total: this.total, requests };
  }

  async close(): Promise<void> {
    const out = this.out;
    if (out === undefined || out.closed) return;
    await new Promise<void>((resolve) => out.end(() => resolve()));
  }
}
