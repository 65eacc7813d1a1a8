import { z } from 'zod';
import { defaultCatalog, mergeCatalog } from '../metrics/catalog.ts';
import { canaryTemplates } from '../metrics/canary/catalog.ts';
import { TemplateError } from '../metrics/errors.ts';

// The `canary` section of the profile: what the canary analysis compares and how strictly. Kept in its
// own file so schema.ts only gains one line; defaults live in canary-defaults.ts.

// A span written as Prometheus does: one or more `<n><unit>` parts (30s, 10m, 1h30m).
const span = z.string().regex(/^(\d+(ms|s|m|h|d))+$/, 'a duration such as 30s, 10m or 1h30m');
const dnsName = z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'a lower-case DNS name');
const openUnit = z.number().gt(0).lt(1);

/**
 * User PromQL templates (override a default by name, or add one), checked with the metrics layer's own
 * rules so a broken template is a profile error naming the template, not a failure at query time.
 */
const metrics = z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
  try {
    mergeCatalog(value, { ...defaultCatalog, ...canaryTemplates });
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err;
    const name = err.template === '(catalog)' ? [] : [err.template];
    ctx.addIssue({ code: 'custom', message: err.message, path: name });
  }
});

export const canarySchema = z.strictObject({
  /** Connection details beyond `prometheus.url`. The token itself never sits in the profile. */
  prometheus: z
    .strictObject({
      /** Name of the environment variable holding a bearer token (sent, never printed or written). */
      bearerTokenEnv: z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name such as PROMETHEUS_TOKEN')
        .optional(),
      /** Extra headers, e.g. X-Scope-OrgID for Mimir/Cortex. */
      headers: z.record(z.string(), z.string()).optional(),
      /** Per-attempt timeout of a query. */
      timeout: span.optional(),
    })
    .optional(),
  /** `source_workload` of the ingress gateway that reports both sides. */
  gatewayWorkload: dnsName,
  /**
   * Namespace of that gateway. Unset: any; two gateways of the same name then make the verdict
   * INCONCLUSIVE (MultipleSeries) instead of silently mixing traffic the migration does not control.
   */
  gatewayNamespace: dnsName.optional(),
  /** Services compared legacy vs mesh; default: every `app.workloads[].service`. */
  services: z.array(dnsName).min(1).optional(),
  /** Window when neither --window nor the VirtualService's last-shift annotation gives one. */
  window: span,
  /** Length of one latency / overflow sample (range-query step). */
  interval: span,
  /**
   * Every series the verdict reads must have a sample this close to the window's end, else the step
   * is INCONCLUSIVE naming the series. Unset: two scrape intervals, as Prometheus reports its
   * configuration (/api/v1/status/config), or 2m when it cannot be read.
   */
  maxStaleness: span.optional(),
  /**
   * Family-wise false-alarm level of a step: the p-values of every statistical test of every metric
   * and service of the step are Holm–Bonferroni adjusted and compared with it.
   */
  familyAlpha: openUnit,
  /**
   * The most recent part of the window, judged as well as the whole (error ratio and latency): its
   * last `intervals` intervals, else the last `fraction` of them (at least 2).
   */
  recent: z.strictObject({
    fraction: z.number().gt(0).max(0.5).optional(),
    intervals: z.number().int().min(2).optional(),
  }),
  errorRatio: z.strictObject({
    /** Smallest increase of the 5xx ratio that must be detected (0.01 = +1 percentage point). */
    minDetectableIncrease: openUnit,
    confidence: openUnit,
    power: openUnit,
    /** Absolute SLO on the mesh side's 5xx ratio, whatever the baseline. */
    maxErrorRatio: z.number().min(0).lt(1).optional(),
    /**
     * A FAIL needs the increase of the 5xx ratio to exceed both margins: `absolute` points of ratio
     * (0.002 = 0.2 pp) and `relative` × the baseline ratio (0.1 = 10 % more than legacy).
     */
    tolerance: z.strictObject({ absolute: z.number().min(0).lt(1), relative: z.number().min(0) }),
  }),
  latency: z.strictObject({
    /** Latency quantile per interval, e.g. 0.99. */
    quantile: openUnit,
    /**
     * Tolerated increase of the mesh's latency quantile over legacy (0.2 = +20 %): per interval
     * (Hodges-Lehmann shift) and over the whole window or its recent part (from histogram counts).
     */
    maxRelativeIncrease: z.number().min(0),
    /** Absolute SLO on the mesh side's median per-interval quantile, in ms. */
    maxP99Ms: z.number().positive().optional(),
    /** Intervals with a value needed per side. */
    minSamples: z.number().int().min(2),
  }),
  overflow: z.strictObject({
    /** Consecutive intervals with circuit-breaker overflow that fail the step. */
    minConsecutive: z.number().int().min(1),
  }),
  /** PromQL template overrides and additions (see src/metrics/catalog.ts for names and variables). */
  metrics: metrics.optional(),
});

export type CanaryProfile = z.infer<typeof canarySchema>;
