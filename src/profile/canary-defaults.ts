import type { CanaryProfile } from './canary-schema.ts';

/** Canary analysis defaults: detect +1 pp of 5xx at 95 % confidence with 80 % power; p99 within +20 %. */
export const defaultCanary: CanaryProfile = {
  gatewayWorkload: 'istio-ingressgateway',
  window: '10m',
  interval: '1m',
  errorRatio: { minDetectableIncrease: 0.01, confidence: 0.95, power: 0.8 },
  latency: { quantile: 0.99, maxRelativeIncrease: 0.2, minSamples: 5 },
  overflow: { minConsecutive: 3 },
};
