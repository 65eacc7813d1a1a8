import { describe, expect, it } from 'vitest';
import {
  checkCircuitBreakerStats,
  checkEnvoyClusterLimits,
  checkProxyIdentities,
  checkProxyVersions,
  checkScrapeAnnotations,
  checkSidecarResources,
  checkSpireTemplate,
  controlPlane,
} from '../../src/checks/mesh/index.ts';
import type { CheckResult } from '../../src/checks/types.ts';
import { defaultProfile as profile } from '../../src/profile/index.ts';

describe('mesh checks over proxies, with no injected pod to look at', () => {
  it.each<[string, CheckResult]>([
    ['sidecar resources', checkSidecarResources([], profile)],
    ['spire template', checkSpireTemplate([], profile)],
    ['scrape annotations', checkScrapeAnnotations([], profile)],
    ['proxy identities', checkProxyIdentities([], profile)],
    ['circuit-breaker stats', checkCircuitBreakerStats([], profile)],
    ['cluster limits', checkEnvoyClusterLimits([], [], profile)],
    ['proxy versions', checkProxyVersions([], controlPlane(undefined, [], [], profile), [], profile)],
  ])('%s: inconclusive, never passed on nothing', (_name, r) => {
    expect(r.status).toBe('inconclusive');
    expect(r.findings[0]?.message).toBe(
      'no injected pods in zamaz-mesh: there is nothing for this check to verify',
    );
  });
});
