// Endpoints of every Service, from the ready pods (emitted last: every Service is known by then).
import { registry, endpointsFor } from '../workloads.mjs';
import { emitList, nsDir } from '../model.mjs';

// ---------------------------------------------------------------- Endpoints
const byNs = new Map();
for (const svc of registry.services) {
  const ns = svc.metadata.namespace;
  if (!byNs.has(ns)) byNs.set(ns, []);
  byNs.get(ns).push(endpointsFor(svc));
}
for (const [ns, eps] of byNs) emitList(`${nsDir(ns)}/endpoints.yaml`, eps);
