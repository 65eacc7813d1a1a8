import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, badRequest, gone } from './api-errors.ts';
import type { WatchFault } from './fault-injector.ts';
import type { JsonObject } from './json.ts';
import type { KubeObject } from './kube-object.ts';
import type { ObjectStore, StoreEvent, WatchEventType } from './object-store.ts';

export interface WatchOptions {
  store: ObjectStore;
  /** Whether an object belongs to this watch (kind, namespace, name and selectors). */
  matches: (object: KubeObject) => boolean;
  /** Renders an object for the wire (apiVersion of the request, Table rows...). */
  render: (object: KubeObject, first: boolean) => JsonObject;
  /** Current matching objects, for a watch without resourceVersion (or "0"). */
  initial: () => KubeObject[];
  query: URLSearchParams;
  /** A ClusterProfile watch fault to apply to this stream. */
  fault?: WatchFault | undefined;
}

/**
 * Translates a store event for a filtered watch: an object that starts matching a selector arrives
 * as ADDED, one that stops matching as DELETED, as the API server's watch cache reports them.
 */
function translate(event: StoreEvent, matches: (o: KubeObject) => boolean): WatchEventType | undefined {
  const now = matches(event.object);
  const before = event.previous !== undefined && matches(event.previous);
  switch (event.type) {
    case 'ADDED':
      return now ? 'ADDED' : undefined;
    case 'DELETED':
      return now || before ? 'DELETED' : undefined;
    case 'MODIFIED':
      if (now && before) return 'MODIFIED';
      if (now) return 'ADDED';
      return before ? 'DELETED' : undefined;
  }
  return undefined;
}

/**
 * Streams `{"type":..,"object":..}` lines over a chunked 200 response until the client goes away,
 * `timeoutSeconds` passes, or the returned stop function is called (simulator shutdown). A watch
 * fault ends, breaks, silences or expires the stream after some events or some time.
 */
export function streamWatch(req: IncomingMessage, res: ServerResponse, options: WatchOptions): () => void {
  const { store, matches, render, query, fault } = options;
  const rvText = query.get('resourceVersion');
  let backlog: Array<{ type: WatchEventType; object: KubeObject }>;
  let failure: JsonObject | undefined;
  if (rvText === null || rvText === '' || rvText === '0') {
    backlog = options.initial().map((object) => ({ type: 'ADDED' as const, object }));
  } else {
    if (!/^\d+$/.test(rvText)) throw badRequest(`invalid resource version "${rvText}"`);
    backlog = [];
    try {
      for (const event of store.eventsSince(Number(rvText))) {
        const type = translate(event, matches);
        if (type !== undefined) backlog.push({ type, object: event.object });
      }
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      // Too old: the API server answers 200 and one ERROR event carrying a 410 Status.
      failure = error.toStatus();
    }
  }

  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  let first = true;
  let sent = 0;
  // A silenced stream sends nothing more, bookmarks and events alike, but stays open.
  let silent = false;
  const send = (type: string, object: JsonObject) => {
    if (silent) return;
    res.write(`${JSON.stringify({ type, object })}\n`);
  };
  const sendObject = (type: WatchEventType, object: KubeObject) => {
    if (stopped || silent) return;
    send(type, render(object, first));
    first = false;
    sent++;
    if (fault?.afterEvents !== undefined && sent >= fault.afterEvents) strike();
  };

  let stopped = false;
  const unsubscribe = store.subscribe((event) => {
    const type = translate(event, matches);
    if (type !== undefined) sendObject(type, event.object);
  });
  const stop = () => {
    if (stopped) return;
    stopped = true;
    unsubscribe();
    clearTimeout(timer);
    clearTimeout(faultTimer);
    res.end();
  };
  const strike = () => {
    if (stopped || silent || fault === undefined) return;
    switch (fault.action) {
      case 'close':
        stop();
        return;
      case 'reset':
        stopped = true;
        unsubscribe();
        clearTimeout(timer);
        clearTimeout(faultTimer);
        res.destroy();
        return;
      case 'silent':
        silent = true;
        clearTimeout(faultTimer);
        return;
      case 'expire':
        send('ERROR', gone(`too old resource version: ${rvText ?? '0'} (injected fault)`).toStatus());
        stop();
        return;
    }
  };
  const timeoutSeconds = Number(query.get('timeoutSeconds') ?? '0');
  // A silenced stream ignores timeoutSeconds too: it is a connection that stopped talking.
  const timer = setTimeout(
    () => (silent ? undefined : stop()),
    timeoutSeconds > 0 ? timeoutSeconds * 1000 : 2 ** 31 - 1,
  );
  // An open watch must not be what keeps the process alive; the server (or the client) ends it.
  timer.unref();
  const faultTimer = setTimeout(strike, fault?.afterMs ?? 2 ** 31 - 1);
  faultTimer.unref();
  req.on('close', stop);
  res.on('close', stop);

  if (failure !== undefined) {
    send('ERROR', failure);
    stop();
    return stop;
  }
  // A fault that names neither a count nor a time strikes at once, before any event.
  if (fault?.afterEvents === 0 || (fault && fault.afterEvents === undefined && fault.afterMs === undefined))
    strike();
  for (const { type, object } of backlog) sendObject(type, object);
  return stop;
}
