import { z } from 'zod';
import { parseDuration } from '../core/index.ts';

/**
 * Schemas of the simulator-only kinds (group sim.meshgate.dev/v1alpha1). Specs are strict so a typo in
 * a scenario fails loudly at load time instead of silently doing nothing.
 */
export const SIM_GROUP = 'sim.meshgate.dev';

const labelMap = z.record(z.string(), z.string());

const forbiddenRule = z.strictObject({
  verb: z.string().min(1),
  group: z.string().default(''),
  resource: z.string().min(1),
  subresource: z.string().optional(),
  namespace: z.string().optional(),
  name: z.string().optional(),
});

const durationText = z
  .union([z.string(), z.number().min(0)])
  .refine(
    (v) => typeof v === 'number' || /^\d+(\.\d+)?$/.test(v.trim()) || parseDuration(v) !== undefined,
    'a Go-style duration (500ms, 2s) or a number of milliseconds',
  );

/** What happens to a watch stream a fault matches: it ends, breaks, stops talking, or expires. */
const watchFault = z.strictObject({
  /** Strike after this many events were sent (the initial ADDED events count). */
  afterEvents: z.number().int().min(0).optional(),
  /** Strike this long after the stream opened (whichever of the two comes first). */
  after: durationText.optional(),
  action: z.enum(['close', 'reset', 'silent', 'expire']),
});

const faultRule = z
  .strictObject({
    match: z.string().min(1),
    method: z.string().optional(),
    /** Answer with this status instead of serving the request. */
    status: z.number().int().min(100).max(599).optional(),
    /** Seconds sent as `Retry-After` (and `details.retryAfterSeconds`) with the status. */
    retryAfter: z.number().int().min(0).optional(),
    /** Serve the watch, then break it as described. */
    watch: watchFault.optional(),
    count: z.number().int().min(1).optional(),
  })
  .refine((r) => (r.status === undefined) !== (r.watch === undefined), 'give exactly one of status and watch')
  .refine((r) => r.retryAfter === undefined || r.status !== undefined, 'retryAfter goes with status');

export const clusterProfileSpec = z.strictObject({
  version: z.record(z.string(), z.string()).optional(),
  forbidden: z.array(forbiddenRule).default([]),
  user: z.string().min(1).optional(),
  latency: z.union([z.string(), z.number()]).optional(),
  faults: z.array(faultRule).default([]),
  absentGroups: z.array(z.string()).default([]),
  /** Set by `meshgate snapshot`: this scenario is a recording (see docs/scenarios.md). */
  recorded: z.strictObject({ at: z.string().min(1), from: z.string().optional() }).optional(),
});

export const podEndpointSpec = z
  .strictObject({
    selector: labelMap.optional(),
    pod: z.string().min(1).optional(),
    port: z.number().int().min(1).max(65535).optional(),
    path: z.string().startsWith('/'),
    status: z.number().int().min(100).max(599).default(200),
    body: z.union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())]).default(''),
    contentType: z.string().optional(),
  })
  .refine((s) => s.selector !== undefined || s.pod !== undefined, 'spec.selector or spec.pod is required');

export const podExecSpec = z
  .strictObject({
    selector: labelMap.optional(),
    pod: z.string().min(1).optional(),
    container: z.string().min(1).optional(),
    command: z.array(z.string()).min(1),
    match: z.enum(['exact', 'prefix']).default('exact'),
    stdout: z.string().default(''),
    stderr: z.string().default(''),
    exitCode: z.number().int().min(0).max(255).default(0),
  })
  .refine((s) => s.selector !== undefined || s.pod !== undefined, 'spec.selector or spec.pod is required');

export const scenarioSpec = z.strictObject({
  base: z.string().min(1).optional(),
  remove: z
    .array(
      z.strictObject({
        apiVersion: z.string().optional(),
        kind: z.string().min(1),
        namespace: z.string().optional(),
        name: z.string().min(1),
      }),
    )
    .default([]),
});

export type ForbiddenRule = z.infer<typeof forbiddenRule>;
export type FaultRule = z.infer<typeof faultRule>;
export type WatchFaultRule = z.infer<typeof watchFault>;
export type ScenarioSpec = z.infer<typeof scenarioSpec>;
export type RemoveRef = ScenarioSpec['remove'][number];

/** Parses a spec with a schema, turning zod's error into one line naming the document it came from. */
export function parseSpec<T extends z.ZodType>(schema: T, spec: unknown, where: string): z.infer<T> {
  const result = schema.safeParse(spec ?? {});
  if (!result.success) {
    throw new Error(`${where}: invalid spec: ${z.prettifyError(result.error).replace(/\n/g, '; ')}`);
  }
  return result.data;
}
