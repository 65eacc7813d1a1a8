import {
  alreadyExists,
  conflict,
  forbidden,
  invalid,
  methodNotAllowed,
  notFound,
  STALE_OBJECT,
} from './api-errors.ts';
import { selfSubjectAccessReview, selfSubjectRulesReview, subjectAccessReview } from './access-reviews.ts';
import { crdName, establishedStatus, resourceFromCrd } from './crd-resources.ts';
import { checkFieldLabels, matchesFields, parseFieldSelector } from './field-selector.ts';
import { isDryRun, json, type HandlerResponse, type ResourceContext } from './handler-types.ts';
import { isJsonObject, type JsonObject } from './json.ts';
import { objectLabels, objectName, parseApiVersion, type KubeObject } from './kube-object.ts';
import { matchesLabels, parseLabelSelector } from './label-selector.ts';
import { paginate } from './list-paging.ts';
import { APPLY_PATCH, applyPatch } from './patching.ts';
import { podSecurityViolation } from './pod-security.ts';
import { negotiate, presentObject, renderList, renderSingle } from './presentation.ts';
import { toTable } from './table-output.ts';
import { streamWatch } from './watch-stream.ts';
import { decodeBody, prepareCreate, prepareUpdate } from './write-rules.ts';

function namespaceOf(ctx: ResourceContext): string {
  return ctx.def.namespaced ? (ctx.info.namespace ?? '') : '';
}

/** Namespace, name, labelSelector and fieldSelector of a list, watch or deletecollection. */
function selection(ctx: ResourceContext): { matches: (o: KubeObject) => boolean; filtered: boolean } {
  const labelText = ctx.query.get('labelSelector') ?? '';
  const fieldText = ctx.query.get('fieldSelector') ?? '';
  const labels = parseLabelSelector(labelText);
  const fields = parseFieldSelector(fieldText);
  checkFieldLabels(fields, ctx.def.fields);
  const namespace = ctx.def.namespaced ? ctx.info.namespace : undefined;
  const name = ctx.info.name;
  return {
    matches: (o) =>
      o.kind === ctx.def.kind &&
      parseApiVersion(o.apiVersion).group === ctx.def.group &&
      (namespace === undefined || o.metadata.namespace === namespace) &&
      (name === undefined || objectName(o) === name) &&
      matchesLabels(labels, objectLabels(o)) &&
      matchesFields(fields, o),
    filtered: labels.length > 0 || fields.length > 0,
  };
}

export function existing(ctx: ResourceContext, name: string): KubeObject {
  const found = ctx.state.store.get(ctx.def.group, ctx.def.kind, namespaceOf(ctx), name);
  if (found === undefined) throw notFound(ctx.def.group, ctx.def.resource, name);
  return found;
}

function listObjects(ctx: ResourceContext): HandlerResponse {
  const { matches, filtered } = selection(ctx);
  // The stored objects themselves (no copies): the answer only serialises them.
  const all = ctx.state.store.view(
    ctx.def.group,
    ctx.def.kind,
    ctx.def.namespaced ? ctx.info.namespace : undefined,
  );
  const page = paginate(all.filter(matches), ctx.query, ctx.state.store.resourceVersion, filtered);
  const presentation = negotiate(ctx.accept, ctx.query);
  return json(200, renderList(page.items, ctx.def, ctx.info.version, page.metadata, presentation));
}

function watchObjects(ctx: ResourceContext): HandlerResponse {
  const { matches } = selection(ctx);
  const presentation = negotiate(ctx.accept, ctx.query);
  const { def } = ctx;
  const version = ctx.info.version;
  const render = (object: KubeObject, first: boolean): JsonObject => {
    const presented = presentObject(object, def, version);
    if (presentation.mode !== 'table') return renderSingle(object, def, version, presentation);
    return toTable([presented], def, {
      tableVersion: presentation.metaVersion,
      includeObject: presentation.includeObject,
      listMetadata: { resourceVersion: String(object.metadata.resourceVersion ?? '') },
      omitHeaders: !first,
    });
  };
  const initial = () =>
    ctx.state.store
      .list(def.group, def.kind, def.namespaced ? ctx.info.namespace : undefined)
      .filter(matches);
  return {
    type: 'stream',
    start: (req, res, fault) =>
      streamWatch(req, res, { store: ctx.state.store, matches, render, initial, query: ctx.query, fault }),
  };
}

function checkNamespaceExists(ctx: ResourceContext, namespace: string): void {
  if (ctx.def.namespaced && ctx.state.store.get('', 'Namespace', '', namespace) === undefined) {
    throw notFound('', 'namespaces', namespace);
  }
}

/** CRDs are validated the way apiextensions does the essentials, and come out Established. */
function admitCrd(object: KubeObject): void {
  const def = resourceFromCrd(object);
  const name = objectName(object);
  if (def === undefined) {
    throw invalid('apiextensions.k8s.io', 'CustomResourceDefinition', name, [
      {
        reason: 'FieldValueRequired',
        message: 'Required value',
        field: 'spec.group, spec.names.plural, spec.names.kind, spec.versions',
      },
    ]);
  }
  if (name !== crdName(def)) {
    throw invalid('apiextensions.k8s.io', 'CustomResourceDefinition', name, [
      {
        reason: 'FieldValueInvalid',
        message: `Invalid value: "${name}": must be spec.names.plural+"."+spec.group`,
        field: 'metadata.name',
      },
    ]);
  }
  object.status = establishedStatus(object, def);
}

function createObject(ctx: ResourceContext): HandlerResponse {
  const { def, state } = ctx;
  const decoded = decodeBody(def, ctx.info.version, ctx.body, ctx.info.namespace);
  const object = prepareCreate(def, decoded);
  const namespace = namespaceOf(ctx);
  checkNamespaceExists(ctx, namespace);
  const name = objectName(object);
  if (state.store.get(def.group, def.kind, namespace, name) !== undefined) {
    throw alreadyExists(def.group, def.resource, name);
  }
  if (def.group === '' && def.kind === 'Pod') {
    const violation = podSecurityViolation(state.store.get('', 'Namespace', '', namespace), object);
    if (violation !== undefined) throw forbidden('', 'pods', name, violation);
  }
  if (def.kind === 'CustomResourceDefinition' && def.group === 'apiextensions.k8s.io') admitCrd(object);
  if (isDryRun(ctx.query)) return json(201, presentObject(object, def, ctx.info.version));
  const stored = state.store.create(object);
  return json(201, presentObject(stored, def, ctx.info.version));
}

/** Rejects a write whose object carries a resourceVersion other than the stored one. */
function checkPrecondition(ctx: ResourceContext, current: KubeObject, candidate: KubeObject): void {
  const given = candidate.metadata.resourceVersion;
  if (typeof given === 'string' && given !== '' && given !== current.metadata.resourceVersion) {
    throw conflict(ctx.def.group, ctx.def.resource, objectName(current), STALE_OBJECT);
  }
}

/** Shared tail of update and patch (main resource or /status): precondition, no-op check, store. */
export function commitUpdate(
  ctx: ResourceContext,
  current: KubeObject,
  candidate: KubeObject,
  statusOnly: boolean,
): KubeObject {
  checkPrecondition(ctx, current, candidate);
  const { object, changed } = prepareUpdate(ctx.def, current, candidate, statusOnly);
  if (!changed || isDryRun(ctx.query)) return object;
  if (ctx.def.kind === 'CustomResourceDefinition' && ctx.def.group === 'apiextensions.k8s.io') {
    admitCrd(object);
  }
  return ctx.state.store.update(object);
}

export function updateObject(ctx: ResourceContext, name: string, statusOnly: boolean): HandlerResponse {
  // The body is decoded before the object is looked up, as the API server does (400 before 404).
  const incoming = decodeBody(ctx.def, ctx.info.version, ctx.body, ctx.info.namespace);
  const current = existing(ctx, name);
  const bodyName = objectName(incoming);
  if (bodyName !== '' && bodyName !== name) {
    throw invalid(ctx.def.group, ctx.def.kind, bodyName, [
      {
        reason: 'FieldValueInvalid',
        message: `Invalid value: "${bodyName}": field is immutable`,
        field: 'metadata.name',
      },
    ]);
  }
  const updated = commitUpdate(ctx, current, incoming, statusOnly);
  return json(200, presentObject(updated, ctx.def, ctx.info.version));
}

export function patchObject(ctx: ResourceContext, name: string, statusOnly: boolean): HandlerResponse {
  const { def } = ctx;
  const current = ctx.state.store.get(def.group, def.kind, namespaceOf(ctx), name);
  if (current === undefined) {
    // Server-side apply creates what does not exist yet.
    if (ctx.contentType === APPLY_PATCH && !statusOnly) {
      const body = isJsonObject(ctx.body) ? { ...ctx.body } : {};
      const metadata = isJsonObject(body.metadata) ? body.metadata : {};
      return createObject({ ...ctx, body: { ...body, metadata: { ...metadata, name } } });
    }
    throw notFound(def.group, def.resource, name);
  }
  const presented = presentObject(current, def, ctx.info.version);
  const patched = applyPatch(presented, ctx.body ?? null, ctx.contentType, def.origin === 'native');
  const candidate = decodeBody(def, ctx.info.version, patched, ctx.info.namespace);
  const updated = commitUpdate(ctx, current, candidate, statusOnly);
  return json(200, presentObject(updated, def, ctx.info.version));
}

function checkDeletePreconditions(ctx: ResourceContext, current: KubeObject): void {
  const preconditions = isJsonObject(ctx.body) ? ctx.body.preconditions : undefined;
  if (!isJsonObject(preconditions)) return;
  const name = objectName(current);
  if (typeof preconditions.uid === 'string' && preconditions.uid !== current.metadata.uid) {
    throw conflict(
      ctx.def.group,
      ctx.def.resource,
      name,
      `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${String(current.metadata.uid)}`,
    );
  }
  if (
    typeof preconditions.resourceVersion === 'string' &&
    preconditions.resourceVersion !== current.metadata.resourceVersion
  ) {
    throw conflict(
      ctx.def.group,
      ctx.def.resource,
      name,
      `Precondition failed: ResourceVersion in precondition: ${preconditions.resourceVersion}, ResourceVersion in object meta: ${String(current.metadata.resourceVersion)}`,
    );
  }
}

/**
 * Deletion is immediate: no graceful termination, finalizers are not waited for. Deleting a namespace
 * deletes what is in it; deleting a CRD deletes its custom objects, as the real controllers end up doing.
 */
export function deleteStored(ctx: ResourceContext, current: KubeObject): KubeObject {
  const { def, state } = ctx;
  const name = objectName(current);
  const deleted = state.store.delete(def.group, def.kind, namespaceOf(ctx), name) ?? current;
  if (def.group === '' && def.kind === 'Namespace') {
    for (const inside of state.store.inNamespace(name)) {
      const id = { group: parseApiVersion(inside.apiVersion).group, kind: inside.kind };
      state.store.delete(id.group, id.kind, name, objectName(inside));
    }
  }
  if (def.group === 'apiextensions.k8s.io' && def.kind === 'CustomResourceDefinition') {
    const crdDef = resourceFromCrd(current);
    if (crdDef !== undefined) {
      for (const o of state.store.list(crdDef.group, crdDef.kind)) {
        state.store.delete(crdDef.group, crdDef.kind, String(o.metadata.namespace ?? ''), objectName(o));
      }
    }
  }
  return deleted;
}

function deleteObject(ctx: ResourceContext, name: string): HandlerResponse {
  const current = existing(ctx, name);
  checkDeletePreconditions(ctx, current);
  if (isDryRun(ctx.query)) return json(200, presentObject(current, ctx.def, ctx.info.version));
  const deleted = deleteStored(ctx, current);
  if (ctx.def.group === '' && ctx.def.kind === 'Namespace') {
    const status = isJsonObject(deleted.status) ? deleted.status : {};
    deleted.status = { ...status, phase: 'Terminating' };
  }
  return json(200, presentObject(deleted, ctx.def, ctx.info.version));
}

function deleteCollection(ctx: ResourceContext): HandlerResponse {
  const { matches } = selection(ctx);
  const doomed = ctx.state.store
    .list(ctx.def.group, ctx.def.kind, ctx.def.namespaced ? ctx.info.namespace : undefined)
    .filter(matches);
  const deleted = isDryRun(ctx.query) ? doomed : doomed.map((o) => deleteStored(ctx, o));
  const presentation = negotiate('application/json', ctx.query);
  return json(
    200,
    renderList(
      deleted,
      ctx.def,
      ctx.info.version,
      { resourceVersion: ctx.state.store.resourceVersion },
      presentation,
    ),
  );
}

function review(ctx: ResourceContext): HandlerResponse {
  if (ctx.info.verb !== 'create') throw methodNotAllowed();
  const body = isJsonObject(ctx.body) ? { ...ctx.body } : {};
  body.apiVersion = `${ctx.def.group}/${ctx.info.version}`;
  body.kind = ctx.def.kind;
  switch (ctx.def.resource) {
    case 'selfsubjectaccessreviews':
      return json(201, selfSubjectAccessReview(ctx.state, ctx.subject, body));
    case 'selfsubjectrulesreviews':
      return json(201, selfSubjectRulesReview(ctx.state, ctx.subject, body));
    case 'localsubjectaccessreviews':
      return json(201, subjectAccessReview(ctx.state, body, ctx.info.namespace ?? ''));
    default:
      return json(201, subjectAccessReview(ctx.state, body));
  }
}

/** The main resource's verbs (subresources are routed elsewhere). */
export function handleResource(ctx: ResourceContext): HandlerResponse {
  if (ctx.def.virtual === true) return review(ctx);
  const name = ctx.info.name;
  const needsName = ['get', 'update', 'patch', 'delete'].includes(ctx.info.verb);
  if (needsName && name === undefined) throw methodNotAllowed();
  switch (ctx.info.verb) {
    case 'get': {
      const object = existing(ctx, name ?? '');
      return json(200, renderSingle(object, ctx.def, ctx.info.version, negotiate(ctx.accept, ctx.query)));
    }
    case 'list':
      return listObjects(ctx);
    case 'watch':
      return watchObjects(ctx);
    case 'create':
      if (name !== undefined) throw methodNotAllowed();
      return createObject(ctx);
    case 'update':
      return updateObject(ctx, name ?? '', false);
    case 'patch':
      return patchObject(ctx, name ?? '', false);
    case 'delete':
      return deleteObject(ctx, name ?? '');
    case 'deletecollection':
      return deleteCollection(ctx);
  }
  throw methodNotAllowed();
}
