import { badRequest } from './api-errors.ts';
import type { JsonObject } from './json.ts';
import { objectName, objectNamespace, type KubeObject } from './kube-object.ts';

interface ContinueToken {
  v: 'meta.k8s.io/v1';
  rv: number;
  start: string;
}

/** (namespace, name) as one string that sorts like the tuple: NUL sorts before every name character. */
const keyOf = (o: KubeObject) => `${objectNamespace(o)}\u0000${objectName(o)}`;

/**
 * An opaque continue token as the API server issues it: base64 of a small JSON document naming the
 * last key returned. Pages continue after that key against the current objects.
 */
function encode(token: ContinueToken): string {
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

function decode(text: string): ContinueToken {
  try {
    const parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<ContinueToken>;
    if (parsed.v === 'meta.k8s.io/v1' && typeof parsed.start === 'string' && typeof parsed.rv === 'number') {
      return { v: parsed.v, rv: parsed.rv, start: parsed.start };
    }
  } catch {
    // fall through to the error below
  }
  throw badRequest(
    'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
  );
}

export interface Page {
  items: KubeObject[];
  metadata: JsonObject;
}

/**
 * Applies `limit`/`continue` to objects already sorted by (namespace, name). remainingItemCount is
 * reported only for unfiltered lists, as the API server does (it cannot count ahead through a selector).
 */
export function paginate(
  objects: readonly KubeObject[],
  query: URLSearchParams,
  resourceVersion: string,
  filtered: boolean,
): Page {
  let rest = [...objects];
  const cont = query.get('continue');
  if (cont !== null && cont !== '') {
    const token = decode(cont);
    rest = rest.filter((o) => keyOf(o) > token.start);
  }
  const limitText = query.get('limit');
  const limit = limitText === null ? 0 : Number(limitText);
  const metadata: JsonObject = { resourceVersion };
  if (!Number.isInteger(limit) || limit <= 0 || rest.length <= limit) return { items: rest, metadata };
  const items = rest.slice(0, limit);
  const last = items[items.length - 1];
  if (last !== undefined) {
    metadata.continue = encode({ v: 'meta.k8s.io/v1', rv: Number(resourceVersion), start: keyOf(last) });
    if (!filtered) metadata.remainingItemCount = rest.length - limit;
  }
  return { items, metadata };
}
