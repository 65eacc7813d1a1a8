import { z } from 'zod';
import type { ResourceRef } from './resources.ts';

// Shapes of the custom resources meshgate reads, checked when they arrive. Only the fields checks
// rely on are typed; everything else passes through untouched, so a newer Istio or SPIRE adding
// fields is never rejected. CRDs with x-kubernetes-preserve-unknown-fields let the API server store
// anything: without this, a mistyped weight would surface as a wrong verdict instead of an error.

const labels = z.record(z.string(), z.string());
const selector = z.looseObject({ matchLabels: labels.optional() });
const mtlsMode = z.enum(['UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT']);

const destination = z.looseObject({
  host: z.string(),
  subset: z.string().optional(),
  port: z.looseObject({ number: z.number().int().optional() }).optional(),
});

const virtualService = z.looseObject({
  spec: z.looseObject({
    hosts: z.array(z.string()).optional(),
    gateways: z.array(z.string()).optional(),
    http: z
      .array(
        z.looseObject({
          name: z.string().optional(),
          route: z
            .array(z.looseObject({ destination, weight: z.number().int().min(0).optional() }))
            .optional(),
        }),
      )
      .optional(),
  }),
});

const destinationRule = z.looseObject({
  spec: z.looseObject({
    host: z.string(),
    trafficPolicy: z.looseObject({}).optional(),
    subsets: z.array(z.looseObject({ name: z.string(), labels: labels.optional() })).optional(),
  }),
});

const gateway = z.looseObject({
  spec: z.looseObject({
    selector: labels.optional(),
    servers: z
      .array(
        z.looseObject({
          port: z.looseObject({
            number: z.number().int(),
            name: z.string().optional(),
            protocol: z.string().optional(),
          }),
          hosts: z.array(z.string()),
        }),
      )
      .optional(),
  }),
});

const peerAuthentication = z.looseObject({
  spec: z
    .looseObject({
      selector: selector.optional(),
      mtls: z.looseObject({ mode: mtlsMode.optional() }).optional(),
      portLevelMtls: z.record(z.string(), z.looseObject({ mode: mtlsMode.optional() })).optional(),
    })
    .optional(),
});

const authorizationPolicy = z.looseObject({
  spec: z
    .looseObject({
      selector: selector.optional(),
      action: z.enum(['ALLOW', 'DENY', 'AUDIT', 'CUSTOM']).optional(),
      rules: z.array(z.looseObject({})).optional(),
    })
    .optional(),
});

const clusterSpiffeId = z.looseObject({
  spec: z.looseObject({ spiffeIDTemplate: z.string() }),
  status: z
    .looseObject({
      stats: z
        .looseObject({
          podsSelected: z.number().int().optional(),
          entryFailures: z.number().int().optional(),
          podEntryRenderFailures: z.number().int().optional(),
        })
        .optional(),
    })
    .optional(),
});

const testRun = z.looseObject({
  status: z.looseObject({ stage: z.string().optional() }).optional(),
});

const SCHEMAS: Record<string, z.ZodType> = {
  'networking.istio.io/virtualservices': virtualService,
  'networking.istio.io/destinationrules': destinationRule,
  'networking.istio.io/gateways': gateway,
  'security.istio.io/peerauthentications': peerAuthentication,
  'security.istio.io/authorizationpolicies': authorizationPolicy,
  'spire.spiffe.io/clusterspiffeids': clusterSpiffeId,
  'k6.io/testruns': testRun,
};

/**
 * What is wrong with an object of a custom kind meshgate reads, as "field: problem" lines; empty
 * when it has the shape checks rely on (or the kind has no schema).
 */
export function objectProblems(ref: ResourceRef, obj: unknown): string[] {
  const schema = SCHEMAS[`${ref.group}/${ref.plural}`];
  if (!schema) return [];
  const r = schema.safeParse(obj);
  if (r.success) return [];
  return r.error.issues.map((i) => `${i.path.map(String).join('.') || '(object)'}: ${i.message}`);
}
