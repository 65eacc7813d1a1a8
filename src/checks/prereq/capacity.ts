import type { KubeObject } from '../../cluster/types.ts';
import type { Profile } from '../../profile/index.ts';
import { formatBytes, formatCpu, parseQuantity } from '../quantity.ts';
import { failed, objectName, type CheckResult, type Finding } from '../types.ts';

interface NodeView {
  spec?: { unschedulable?: boolean; taints?: { key: string; effect: string }[] };
  status?: { allocatable?: Record<string, string>; conditions?: { type: string; status: string }[] };
}

/** Why a node does not count towards capacity for ordinary workloads, or undefined if it does. */
export function unschedulableReason(node: KubeObject): string | undefined {
  const n = node as KubeObject & NodeView;
  if (n.spec?.unschedulable) return 'cordoned (spec.unschedulable)';
  const taint = n.spec?.taints?.find((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
  if (taint) return `tainted ${taint.key}:${taint.effect}`;
  const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready && ready.status !== 'True') return 'not Ready';
  return undefined;
}

/**
 * Total allocatable CPU and memory of schedulable nodes against the profile's minimums. Allocatable
 * (not capacity) is what pods can use: an "8 GB" node reports less, so say which figure we compare.
 */
export function checkCapacity(nodes: KubeObject[], profile: Profile): CheckResult {
  const minCpu = parseQuantity(profile.kubernetes.minAllocatableCpu) ?? 0;
  const minMem = parseQuantity(profile.kubernetes.minAllocatableMemory) ?? 0;
  let cpu = 0;
  let mem = 0;
  const counted: string[] = [];
  const excluded: string[] = [];
  const findings: Finding[] = [];
  for (const node of nodes) {
    const why = unschedulableReason(node);
    if (why) {
      excluded.push(`${node.metadata.name} (${why})`);
      continue;
    }
    const alloc = (node as KubeObject & NodeView).status?.allocatable ?? {};
    const c = parseQuantity(alloc.cpu);
    const m = parseQuantity(alloc.memory);
    if (c === undefined || m === undefined) {
      findings.push({
        object: objectName('Node', node.metadata.name),
        message: `status.allocatable has no readable cpu/memory (cpu "${alloc.cpu ?? ''}", memory "${alloc.memory ?? ''}")`,
        hint: `check the kubelet on ${node.metadata.name}: kubectl describe node ${node.metadata.name}`,
        field: 'status.allocatable',
      });
      continue;
    }
    cpu += c;
    mem += m;
    counted.push(node.metadata.name);
  }
  const seen = `${formatCpu(cpu)} and ${formatBytes(mem)} allocatable on ${counted.length} schedulable node(s)`;
  const need = `${profile.kubernetes.minAllocatableCpu} vCPU and ${formatBytes(minMem)}`;
  if (cpu < minCpu || mem < minMem) {
    const short = [cpu < minCpu ? 'CPU' : '', mem < minMem ? 'memory' : ''].filter(Boolean).join(' and ');
    findings.push({
      object: 'cluster/nodes',
      message:
        `not enough ${short}: ${seen}, the migration needs at least ${need}` +
        (excluded.length ? ` (not counted: ${excluded.join(', ')})` : ''),
      hint: 'add nodes or larger nodes (the mesh runs the application twice, plus sidecars, istiod and SPIRE)',
      field: 'status.allocatable',
      expected: `>= ${need}`,
      actual: `${formatCpu(cpu)}, ${formatBytes(mem)}`,
    });
  }
  return failed(
    findings,
    `${seen} (needed ${need})`,
    ...(excluded.length ? [`not counted: ${excluded.join(', ')}`] : []),
  );
}
