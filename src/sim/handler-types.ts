import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WatchFault } from './fault-injector.ts';
import type { JsonObject, JsonValue } from './json.ts';
import type { Subject } from './rbac.ts';
import type { ResourceRequest } from './request-info.ts';
import type { ResourceDef } from './resource-table.ts';
import type { SimState } from './sim-state.ts';

/** What a handler wants sent back; the server adds latency, headers and encoding. */
export type HandlerResponse =
  | { type: 'json'; status: number; body: JsonObject }
  | { type: 'raw'; status: number; contentType: string; body: string | Buffer }
  | {
      type: 'stream';
      start: (req: IncomingMessage, res: ServerResponse, fault?: WatchFault) => () => void;
    };

export interface ResourceContext {
  state: SimState;
  info: ResourceRequest;
  def: ResourceDef;
  query: URLSearchParams;
  method: string;
  body: JsonValue | undefined;
  /** Media type of the body, lower-cased, without parameters. */
  contentType: string;
  accept: string;
  subject: Subject;
}

export const json = (status: number, body: JsonObject): HandlerResponse => ({ type: 'json', status, body });

export function isDryRun(query: URLSearchParams): boolean {
  return query.getAll('dryRun').includes('All');
}
