import type { CanaryProfile } from './canary-schema.ts';

/**
 * Canary analysis defaults: detect +1 pp of 5xx at 95 % confidence with 80 % power; p99 within +20 %;
 * FAIL only beyond 0.2 pp (and 10 % of the baseline ratio) at a 0.5 % family-wise false-alarm level per
 * step. docs/canary.md justifies each value with the bench's figures.
 */
export const defaultCanary: CanaryProfile = {
  gatewayWorkload: 'istio-ingressgateway',
  window: '10m',
  interval: '1m',
  familyAlpha: 0.005,
  recent: { fraction: 0.25 },
  errorRatio: {
    minDetectableIncrease: 0.01,
    confidence: 0.95,
    power: 0.8,
    tolerance: { absolute: 0.002, relative: 0.1 },
  },
  latency: { quantile: 0.99, maxRelativeIncrease: 0.2, minSamples: 5 },
  overflow: { minConsecutive: 3 },
};
