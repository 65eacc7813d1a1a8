import type { KubeObject } from '../../cluster/types.ts';
import type { Profile } from '../../profile/index.ts';
import { failed, objectName, passed, type CheckResult } from '../types.ts';

interface ServiceView {
  spec?: { type?: string };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

/** Controllers that provide LoadBalancer Services on clusters without a cloud provider. */
const KNOWN_LB_CONTROLLERS: { namespace: string; name: string; label: string }[] = [
  { namespace: 'metallb-system', name: 'controller', label: 'MetalLB' },
  { namespace: 'kube-system', name: 'kube-vip-cloud-provider', label: 'kube-vip' },
  { namespace: 'kube-system', name: 'aws-load-balancer-controller', label: 'AWS Load Balancer Controller' },
  { namespace: 'cilium', name: 'cilium-operator', label: 'Cilium LB IPAM' },
];

export function lbAddress(svc: KubeObject): string | undefined {
  const ingress = (svc as KubeObject & ServiceView).status?.loadBalancer?.ingress?.[0];
  return ingress?.ip || ingress?.hostname || undefined;
}

/**
 * No API says "this cluster supports LoadBalancer": pass when a LoadBalancer Service has an address
 * (the ingress gateway's first), or when a known controller is running.
 */
export function checkLoadBalancer(
  services: KubeObject[],
  deployments: KubeObject[],
  profile: Profile,
): CheckResult {
  const lbs = services.filter((s) => (s as KubeObject & ServiceView).spec?.type === 'LoadBalancer');
  const gatewayName = profile.istio.ingressGateway.name;
  const ordered = [...lbs].sort(
    (a, b) => Number(b.metadata.name === gatewayName) - Number(a.metadata.name === gatewayName),
  );
  for (const svc of ordered) {
    const addr = lbAddress(svc);
    if (addr)
      return passed(
        `${objectName('Service', svc.metadata.name, svc.metadata.namespace)} has load-balancer address ${addr}`,
      );
  }
  const controller = KNOWN_LB_CONTROLLERS.find((c) =>
    deployments.some((d) => d.metadata.namespace === c.namespace && d.metadata.name === c.name),
  );
  if (controller) {
    return passed(
      `${controller.label} is installed (Deployment ${controller.namespace}/${controller.name}); no LoadBalancer Service has an address yet`,
    );
  }
  const pending = lbs.map((s) => objectName('Service', s.metadata.name, s.metadata.namespace));
  return failed([
    {
      object: pending[0] ?? 'cluster/services',
      message: pending.length
        ? `LoadBalancer Service(s) ${pending.join(', ')} have no ingress address (pending): the cluster does not provision load balancers`
        : 'no LoadBalancer Service has an address and no known load-balancer controller (MetalLB, kube-vip, cloud controller) is installed',
      hint: 'use a cloud cluster with a load-balancer controller, or install MetalLB and give it an address pool; the Istio ingress gateway needs one',
      field: 'status.loadBalancer.ingress',
      expected: 'an ip or hostname',
      actual: 'none',
    },
  ]);
}
