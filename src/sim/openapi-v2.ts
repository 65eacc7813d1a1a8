import { boolField, messageField, stringField } from './protobuf-writer.ts';
import type { ResourceRegistry } from './resource-registry.ts';

/**
 * A skeletal OpenAPI v2 in the protobuf form (gnostic's openapi.v2.Document) that kubectl up to 1.28
 * fetches before `apply`/`create -f`: each resource's PATCH operation with its GroupVersionKind and
 * the `fieldValidation` query parameter, and no schemas. Seeing the parameter, kubectl leaves
 * validation to the server instead of demanding schemas; the simulator accepts `fieldValidation` but
 * validates nothing. Field numbers follow gnostic's OpenAPIv2.proto.
 */
// What kube-openapi answers with ('@' from the Accept header is not valid in a Content-Type).
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

function queryParameter(name: string): Buffer {
  // ParametersItem.parameter(1) → Parameter.non_body_parameter(2) → NonBodyParameter.query_parameter_sub_schema(3)
  const subSchema = messageField(
    3,
    stringField(2, 'query'),
    stringField(4, name),
    stringField(6, 'string'),
    boolField(20, true),
  );
  return messageField(8, messageField(1, messageField(2, subSchema)));
}

function patchOperation(group: string, version: string, kind: string): Buffer {
  const gvk = `group: "${group}"\nkind: ${kind}\nversion: ${version}\n`;
  return messageField(
    8, // PathItem.patch
    stringField(5, `patch${kind}`),
    queryParameter('dryRun'),
    queryParameter('fieldManager'),
    queryParameter('fieldValidation'),
    // Operation.responses(9) → Responses.response_code(1) → NamedResponseValue{name, ResponseValue.response(1){description}}
    messageField(
      9,
      messageField(1, stringField(1, '200'), messageField(2, messageField(1, stringField(1, 'OK')))),
    ),
    // Operation.vendor_extension(13) → NamedAny{name, Any.yaml(2)}
    messageField(13, stringField(1, 'x-kubernetes-action'), messageField(2, stringField(2, 'patch\n'))),
    messageField(13, stringField(1, 'x-kubernetes-group-version-kind'), messageField(2, stringField(2, gvk))),
  );
}

export function openApiV2(registry: ResourceRegistry, gitVersion: string): Buffer {
  const paths: Buffer[] = [];
  for (const group of registry.groups()) {
    for (const version of group.versions) {
      const prefix = group.name === '' ? `/api/${version}` : `/apis/${group.name}/${version}`;
      for (const def of registry.resourcesIn(group.name, version)) {
        if (def.virtual === true) continue;
        const path = def.namespaced
          ? `${prefix}/namespaces/{namespace}/${def.resource}/{name}`
          : `${prefix}/${def.resource}/{name}`;
        // Paths.path(2) → NamedPathItem{name(1), value(2): PathItem}
        paths.push(
          messageField(
            2,
            stringField(1, path),
            messageField(2, patchOperation(group.name, version, def.kind)),
          ),
        );
      }
    }
  }
  return Buffer.concat([
    stringField(1, '2.0'),
    messageField(2, stringField(1, 'Kubernetes'), stringField(2, gitVersion)),
    messageField(8, ...paths),
  ]);
}
