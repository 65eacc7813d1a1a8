import { createHash } from 'node:crypto';
import { pathNotFound } from './api-errors.ts';
import type { JsonObject } from './json.ts';
import type { ResourceRegistry } from './resource-registry.ts';

/**
 * A skeletal OpenAPI v3: one document per group-version listing each resource's PATCH operation with
 * its GroupVersionKind and the `fieldValidation` parameter, and no schemas. That is what kubectl
 * (apply, create -f) reads to decide it may leave validation to the server; without it kubectl insists
 * on downloading schemas. The simulator accepts `fieldValidation` but validates nothing.
 */
function groupVersionPath(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

function groupVersionDocument(
  registry: ResourceRegistry,
  group: string,
  version: string,
  gitVersion: string,
): JsonObject {
  const paths: JsonObject = {};
  for (const def of registry.resourcesIn(group, version)) {
    if (def.virtual === true) continue;
    const prefix = `/${groupVersionPath(group, version)}`;
    const path = def.namespaced
      ? `${prefix}/namespaces/{namespace}/${def.resource}/{name}`
      : `${prefix}/${def.resource}/{name}`;
    paths[path] = {
      patch: {
        operationId: `patch${def.kind}`,
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': { group, version, kind: def.kind },
        parameters: [
          { name: 'dryRun', in: 'query', schema: { type: 'string', uniqueItems: true } },
          { name: 'fieldManager', in: 'query', schema: { type: 'string', uniqueItems: true } },
          { name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } },
        ],
        responses: { '200': { description: 'OK' } },
      },
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: gitVersion },
    paths,
    components: { schemas: {} },
  };
}

function hashOf(document: JsonObject): string {
  return createHash('sha512').update(JSON.stringify(document)).digest('hex').slice(0, 128).toUpperCase();
}

/** GET /openapi/v3 (the index) and /openapi/v3/{api/v1|apis/g/v}. */
export function openApiV3(registry: ResourceRegistry, path: string, gitVersion: string): JsonObject {
  const groupVersions = registry
    .groups()
    .flatMap((g) => g.versions.map((version) => ({ group: g.name, version })));
  if (path === '/openapi/v3' || path === '/openapi/v3/') {
    const paths: JsonObject = {};
    for (const { group, version } of groupVersions) {
      const key = groupVersionPath(group, version);
      const hash = hashOf(groupVersionDocument(registry, group, version, gitVersion));
      paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${hash}` };
    }
    return { paths };
  }
  const wanted = path.replace(/^\/openapi\/v3\//, '');
  const match = groupVersions.find(({ group, version }) => groupVersionPath(group, version) === wanted);
  if (match === undefined) throw pathNotFound();
  return groupVersionDocument(registry, match.group, match.version, gitVersion);
}
