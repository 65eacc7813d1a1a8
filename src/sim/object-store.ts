import { gone } from './api-errors.ts';
import {
  identityKey,
  identityOf,
  objectName,
  objectNamespace,
  parseApiVersion,
  type KubeObject,
} from './kube-object.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: WatchEventType;
  /** The object after the change (for DELETED: its last state, with the deletion's resourceVersion). */
  object: KubeObject;
  /** The object before the change, so a watch can tell when it stops or starts matching a selector. */
  previous: KubeObject | undefined;
  resourceVersion: number;
}

type Listener = (event: StoreEvent) => void;

/** Oldest events are forgotten beyond this, and a watch from before them gets 410 Gone, like etcd compaction. */
const EVENT_HISTORY = 10_000;

function numericRv(object: KubeObject): number {
  const rv = object.metadata.resourceVersion;
  return typeof rv === 'string' && /^\d+$/.test(rv) ? Number(rv) : 0;
}

function groupKindKey(group: string, kind: string): string {
  return `${group}\u0000${kind}`;
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Code-point order on (namespace, name), the order list pages and continue tokens rely on. */
function compareObjects(a: KubeObject, b: KubeObject): number {
  return compareText(objectNamespace(a), objectNamespace(b)) || compareText(objectName(a), objectName(b));
}

export interface ObjectStoreOptions {
  /**
   * Take the given objects as they are instead of copying them: for a caller that hands over objects
   * nobody else holds (the simulator, with a freshly loaded scenario), which saves a deep copy of
   * every object at start.
   */
  adopt?: boolean;
}

/**
 * All objects, one global resourceVersion counter (a decimal string on the wire, increasing on every
 * write), and the event history watches replay. Objects go in and out as deep copies, except through
 * `view`. A stored object is never changed in place: a write stores a fresh copy.
 */
export class ObjectStore {
  private readonly byGroupKind = new Map<string, Map<string, KubeObject>>();
  /** Each group-kind's objects in (namespace, name) order, built on first read after a write. */
  private readonly ordered = new Map<string, readonly KubeObject[]>();
  private readonly history: StoreEvent[] = [];
  private readonly listeners = new Set<Listener>();
  private revision = 0;
  private crdRevision = 0;

  constructor(objects: readonly KubeObject[], options: ObjectStoreOptions = {}) {
    // The loaded objects are the start of history: a watch from resourceVersion "1" sees them ADDED.
    const sorted = [...objects].sort((a, b) => numericRv(a) - numericRv(b));
    for (const object of sorted) {
      const copy = options.adopt === true ? object : structuredClone(object);
      this.put(copy);
      this.revision = Math.max(this.revision, numericRv(copy));
      this.history.push({
        type: 'ADDED',
        object: copy,
        previous: undefined,
        resourceVersion: numericRv(copy),
      });
    }
  }

  /** Bumped whenever a CustomResourceDefinition changes, so the registry knows to rebuild. */
  get crdChanges(): number {
    return this.crdRevision;
  }

  get resourceVersion(): string {
    return String(this.revision);
  }

  get(group: string, kind: string, namespace: string, name: string): KubeObject | undefined {
    const found = this.byGroupKind
      .get(groupKindKey(group, kind))
      ?.get(identityKey({ group, kind, namespace, name }));
    return found === undefined ? undefined : structuredClone(found);
  }

  /** Objects of one group-kind, in one namespace or all, ordered by (namespace, name). */
  list(group: string, kind: string, namespace?: string): KubeObject[] {
    return this.view(group, kind, namespace).map((o) => structuredClone(o));
  }

  /**
   * What `list` returns, without the copies: the stored objects themselves, for readers that only
   * serialise them (a list answer). Never change what this returns. A paged list of 5,000 pods
   * would otherwise deep-copy all 5,000 for each page of 500.
   */
  view(group: string, kind: string, namespace?: string): readonly KubeObject[] {
    const gk = groupKindKey(group, kind);
    let all = this.ordered.get(gk);
    if (all === undefined) {
      all = [...(this.byGroupKind.get(gk)?.values() ?? [])].sort(compareObjects);
      this.ordered.set(gk, all);
    }
    return namespace === undefined ? all : all.filter((o) => objectNamespace(o) === namespace);
  }

  /** Every object in one namespace, whatever its kind (for namespace deletion). */
  inNamespace(namespace: string): KubeObject[] {
    const out: KubeObject[] = [];
    for (const objects of this.byGroupKind.values()) {
      for (const object of objects.values())
        if (objectNamespace(object) === namespace) out.push(structuredClone(object));
    }
    return out.sort(compareObjects);
  }

  create(object: KubeObject): KubeObject {
    return this.write('ADDED', object, undefined);
  }

  update(object: KubeObject): KubeObject {
    const id = identityOf(object);
    const previous = this.get(id.group, id.kind, id.namespace, id.name);
    return this.write('MODIFIED', object, previous);
  }

  delete(group: string, kind: string, namespace: string, name: string): KubeObject | undefined {
    const previous = this.get(group, kind, namespace, name);
    if (previous === undefined) return undefined;
    this.byGroupKind.get(groupKindKey(group, kind))?.delete(identityKey({ group, kind, namespace, name }));
    this.ordered.delete(groupKindKey(group, kind));
    const last = structuredClone(previous);
    last.metadata.resourceVersion = String(++this.revision);
    this.record('DELETED', last, previous);
    return structuredClone(last);
  }

  /** Events after `resourceVersion`, oldest first; 410 Gone when history no longer reaches back that far. */
  eventsSince(resourceVersion: number): StoreEvent[] {
    const oldest = this.history[0];
    if (
      oldest !== undefined &&
      resourceVersion < oldest.resourceVersion - 1 &&
      this.history.length >= EVENT_HISTORY
    ) {
      throw gone(`too old resource version: ${resourceVersion} (${oldest.resourceVersion - 1})`);
    }
    return this.history.filter((e) => e.resourceVersion > resourceVersion);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private put(object: KubeObject): void {
    const id = identityOf(object);
    const gk = groupKindKey(id.group, id.kind);
    const objects = this.byGroupKind.get(gk) ?? new Map<string, KubeObject>();
    objects.set(identityKey(id), object);
    this.byGroupKind.set(gk, objects);
    this.ordered.delete(gk);
  }

  private write(type: WatchEventType, object: KubeObject, previous: KubeObject | undefined): KubeObject {
    const copy = structuredClone(object);
    copy.metadata.resourceVersion = String(++this.revision);
    this.put(copy);
    this.record(type, copy, previous);
    return structuredClone(copy);
  }

  private record(type: WatchEventType, object: KubeObject, previous: KubeObject | undefined): void {
    if (
      object.kind === 'CustomResourceDefinition' &&
      parseApiVersion(object.apiVersion).group === 'apiextensions.k8s.io'
    ) {
      this.crdRevision++;
    }
    const event: StoreEvent = {
      type,
      object: structuredClone(object),
      previous,
      resourceVersion: this.revision,
    };
    this.history.push(event);
    if (this.history.length > EVENT_HISTORY) this.history.shift();
    for (const listener of this.listeners) listener(event);
  }
}
