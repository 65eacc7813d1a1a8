import { badRequest, conflict, methodNotAllowed, pathNotFound, STALE_OBJECT } from './api-errors.ts';
import { isDryRun, json, type HandlerResponse, type ResourceContext } from './handler-types.ts';
import { getPath, isJsonObject, setPath, type JsonObject } from './json.ts';
import { objectName, type KubeObject } from './kube-object.ts';
import { formatLabelSelector, labelSelectorFromObject } from './label-selector.ts';
import { applyPatch } from './patching.ts';
import { presentObject } from './presentation.ts';
import { proxyToPod } from './pod-proxy.ts';
import { commitUpdate, deleteStored, existing, patchObject, updateObject } from './resource-handlers.ts';
import { SUBRESOURCE_INFO, type ScalePaths, type SubresourceName } from './resource-table.ts';

const pathOf = (jsonPath: string) => jsonPath.replace(/^\./, '').split('.');

function scalePaths(ctx: ResourceContext): ScalePaths {
  if (ctx.def.scale === undefined) throw pathNotFound();
  return ctx.def.scale;
}

/** The selector string the scale subresource reports (what an HPA uses to find the pods). */
function scaleSelector(ctx: ResourceContext, object: KubeObject, paths: ScalePaths): string {
  if (ctx.def.origin === 'crd') {
    const value =
      paths.labelSelectorPath === undefined ? undefined : getPath(object, pathOf(paths.labelSelectorPath));
    return typeof value === 'string' ? value : '';
  }
  const selector = getPath(object, ['spec', 'selector']);
  if (!isJsonObject(selector)) return '';
  // ReplicationControllers use a bare label map; the apps kinds a metav1.LabelSelector.
  const asSelector =
    selector.matchLabels !== undefined || selector.matchExpressions !== undefined
      ? selector
      : { matchLabels: selector };
  return formatLabelSelector(labelSelectorFromObject(asSelector));
}

function scaleOf(ctx: ResourceContext, object: KubeObject): JsonObject {
  const paths = scalePaths(ctx);
  const specReplicas = getPath(object, pathOf(paths.specReplicasPath));
  const statusReplicas = getPath(object, pathOf(paths.statusReplicasPath));
  const metadata: JsonObject = {};
  for (const field of ['name', 'namespace', 'uid', 'resourceVersion', 'creationTimestamp']) {
    const value = object.metadata[field];
    if (value !== undefined) metadata[field] = value;
  }
  const status: JsonObject = { replicas: typeof statusReplicas === 'number' ? statusReplicas : 0 };
  const selector = scaleSelector(ctx, object, paths);
  if (selector !== '') status.selector = selector;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata,
    // Built-in workloads default spec.replicas to 1 when it is absent.
    spec: { replicas: typeof specReplicas === 'number' ? specReplicas : ctx.def.origin === 'native' ? 1 : 0 },
    status,
  };
}

function writeScale(ctx: ResourceContext, current: KubeObject, scale: JsonObject): HandlerResponse {
  const replicas = getPath(scale, ['spec', 'replicas']);
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw badRequest('spec.replicas must be a non-negative integer');
  }
  const given = getPath(scale, ['metadata', 'resourceVersion']);
  if (typeof given === 'string' && given !== '' && given !== current.metadata.resourceVersion) {
    throw conflict(ctx.def.group, ctx.def.resource, objectName(current), STALE_OBJECT);
  }
  const candidate = structuredClone(current);
  setPath(candidate, pathOf(scalePaths(ctx).specReplicasPath), replicas);
  const updated = isDryRun(ctx.query) ? candidate : commitUpdate(ctx, current, candidate, false);
  return json(200, scaleOf(ctx, updated));
}

function handleScale(ctx: ResourceContext, name: string): HandlerResponse {
  const current = existing(ctx, name);
  switch (ctx.info.verb) {
    case 'get':
      return json(200, scaleOf(ctx, current));
    case 'update':
      if (!isJsonObject(ctx.body)) throw badRequest('the body of the request must be a Scale');
      return writeScale(ctx, current, ctx.body);
    case 'patch':
      // Scale is a built-in type, so even custom resources accept a strategic merge patch here.
      return writeScale(
        ctx,
        current,
        applyPatch(scaleOf(ctx, current), ctx.body ?? null, ctx.contentType, true),
      );
    default:
      throw methodNotAllowed();
  }
}

function handleStatus(ctx: ResourceContext, name: string): HandlerResponse {
  switch (ctx.info.verb) {
    case 'get':
      return handleGet(ctx, name);
    case 'update':
      return updateObject(ctx, name, true);
    case 'patch':
      return patchObject(ctx, name, true);
    default:
      throw methodNotAllowed();
  }
}

function handleGet(ctx: ResourceContext, name: string): HandlerResponse {
  return json(200, presentObject(existing(ctx, name), ctx.def, ctx.info.version));
}

/** Evicting a pod deletes it at once (no PodDisruptionBudget accounting). */
function handleEviction(ctx: ResourceContext, name: string): HandlerResponse {
  if (ctx.info.verb !== 'create') throw methodNotAllowed();
  const current = existing(ctx, name);
  if (!isDryRun(ctx.query)) deleteStored(ctx, current);
  return json(201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
}

/** Routes `{resource}/{name}/{subresource}` for the subresources the simulator implements. */
export function handleSubresource(ctx: ResourceContext): HandlerResponse {
  const sub = ctx.info.subresource as SubresourceName;
  const name = ctx.info.name ?? '';
  if (!ctx.def.subresources.includes(sub)) throw pathNotFound();
  const verbs = SUBRESOURCE_INFO[sub].verbs;
  // Connect subresources (exec, proxy) accept any method; others only their declared verbs.
  if (sub !== 'proxy' && sub !== 'exec' && !verbs.includes(ctx.info.verb)) throw methodNotAllowed();
  switch (sub) {
    case 'scale':
      return handleScale(ctx, name);
    case 'status':
      return handleStatus(ctx, name);
    case 'log':
      // No containers run, so there is nothing to show; the pod must still exist.
      existing(ctx, name);
      return { type: 'raw', status: 200, contentType: 'text/plain', body: '' };
    case 'eviction':
      return handleEviction(ctx, name);
    case 'exec':
      existing(ctx, name);
      throw badRequest('Upgrade request required');
    case 'proxy': {
      const answer = proxyToPod(ctx.state, ctx.info.namespace ?? '', name, ctx.method, ctx.info.subpath);
      return { type: 'raw', status: answer.status, contentType: answer.contentType, body: answer.body };
    }
  }
  throw pathNotFound();
}
