import { slug, type ChecklistGroup } from './guide.ts';

/**
 * How one checklist item of the guide is verified:
 * - `checks`: by these suite checks (ids as in suites/*.test.ts); the item holds when all of them pass.
 * - `attestation`: by a person, recorded in the attestation file (`prereq.attestations[].id`) and
 *   checked by `prereq.attestation.<id>`.
 * - `gate`: by the verdict of a gate command (`meshgate test`, `canary --step N`, `complete`), plus
 *   the suite checks that command runs.
 * - `manual`: by nobody meshgate can ask; `why` says so, for the change ticket.
 */
export type Verification =
  | { kind: 'checks'; checks: readonly string[] }
  | { kind: 'attestation'; attestation: string }
  | { kind: 'gate'; command: 'test' | 'canary' | 'complete'; step?: number; checks: readonly string[] }
  | { kind: 'manual'; why: string };

export interface ChecklistItem {
  id: string;
  group: ChecklistGroup;
  epic: string;
  feature: string;
  text: string;
  verifiedBy: Verification;
}

interface Section {
  group: ChecklistGroup;
  epic: string;
  feature: string;
  items: [text: string, verifiedBy: Verification][];
}

const checks = (...ids: string[]): Verification => ({ kind: 'checks', checks: ids });
const attested = (attestation: string): Verification => ({ kind: 'attestation', attestation });
const manual = (why: string): Verification => ({ kind: 'manual', why });

const CANARY = ['canary.error-ratio', 'canary.latency', 'canary.mtls', 'canary.overflow'];
const SECURITY_SUITE = [
  'security.mtls.strict',
  'security.mtls.destination-rules',
  'security.mtls.selectors',
  'security.authz.deny-by-default',
  'security.authz.allow-policies',
  'security.netpol.default-deny',
  'security.netpol.no-allow-all',
  'security.netpol.allowances',
  'security.identity.spiffe-id',
  'security.identity.cert-validity',
  'security.identity.spire-issued',
  'security.identity.trust-domain',
  'security.hygiene.sa-token',
  'security.pss.namespace',
  'security.pss.pods',
  'security.pss.enforced',
];
const NETPOL = ['security.netpol.default-deny', 'security.netpol.no-allow-all', 'security.netpol.allowances'];
const PSS = ['security.pss.namespace', 'security.pss.pods', 'security.pss.enforced'];
const ISTIO = [
  'mesh.istio.namespace',
  'mesh.istio.istiod-ready',
  'mesh.istio.crds',
  'mesh.istio.webhooks',
  'mesh.istio.mesh-config',
  'mesh.istio.ingress-gateway',
  'mesh.istio.cni',
];
const SPIRE = [
  'mesh.spire.namespace',
  'mesh.spire.server',
  'mesh.spire.agents',
  'mesh.spire.csi-driver',
  'mesh.spire.trust-domain',
  'mesh.spire.cluster-spiffeids',
  'mesh.spire.entries',
];
const step = (n: number): Verification => ({ kind: 'gate', command: 'canary', step: n, checks: CANARY });

const TRAINING =
  'training happens outside the cluster: meshgate cannot see it; record who was trained in the change ticket';
const DOCS =
  'documents live outside the cluster: meshgate cannot read them; link the updated pages in the change ticket';
const AFTER =
  'a post-migration task, after the last gate: meshgate gates the move to 100 % and stops there; check it by hand';

/**
 * Every checklist item of the guide (docs/istio-migration-guide.md, a copy of
 * shared/seed/istio-migration-guide.md) and what verifies it. test/checklist/coverage.test.ts parses the
 * guide and fails when an item is missing here, or here but not in the guide.
 */
const SECTIONS: Section[] = [
  {
    group: 'pre-migration',
    epic: 'Prerequisites',
    feature: 'Cluster Requirements',
    items: [
      ['Kubernetes 1.25+', checks('prereq.kubernetes-version')],
      ['Minimum 4 vCPUs, 8GB RAM', checks('prereq.capacity')],
      ['LoadBalancer support', checks('prereq.load-balancer')],
      ['StorageClass for persistent volumes', checks('prereq.storage-class')],
      ['RBAC enabled', checks('prereq.rbac')],
    ],
  },
  {
    group: 'pre-migration',
    epic: 'Prerequisites',
    feature: 'Pre-Migration Checklist',
    items: [
      ['Backup current database', attested('backup-taken')],
      ['Document current configuration', attested('config-documented')],
      ['Test disaster recovery procedures', attested('dr-tested')],
      ['Prepare rollback plan', attested('rollback-plan')],
      ['Schedule maintenance window', attested('maintenance-window')],
      ['Notify stakeholders', attested('stakeholders-notified')],
    ],
  },
  {
    group: 'implementation',
    epic: 'Phase 1: Infrastructure Setup',
    feature: 'Step 1: Install Istio Control Plane',
    items: [
      ['Create istio-system namespace', checks('mesh.istio.namespace')],
      ['Install Istio base components', checks('mesh.istio.crds', 'mesh.istio.webhooks')],
      [
        'Install Istiod control plane',
        checks('mesh.istio.istiod-ready', 'mesh.istio.mesh-config', 'mesh.istio.cni'),
      ],
      ['Install Istio gateway', checks('mesh.istio.ingress-gateway')],
    ],
  },
  {
    group: 'implementation',
    epic: 'Phase 1: Infrastructure Setup',
    feature: 'Step 2: Deploy SPIRE Integration',
    items: [
      ['Create spire-system namespace', checks('mesh.spire.namespace')],
      ['Deploy SPIRE server and agents', checks('mesh.spire.server', 'mesh.spire.agents')],
      [
        'Configure SPIRE-Istio integration',
        checks('mesh.spire.csi-driver', 'mesh.spire.trust-domain', 'security.identity.trust-domain'),
      ],
      ['Create initial workload identities', checks('mesh.spire.cluster-spiffeids', 'mesh.spire.entries')],
    ],
  },
  {
    group: 'implementation',
    epic: 'Phase 2: Mesh Namespace Creation',
    feature: 'Step 3: Create Mesh Namespace',
    items: [
      ['Istio sidecar injection enabled', checks('mesh.namespace.injection')],
      [
        'Pod Security Standards (restricted)',
        checks('mesh.namespace.pod-security', 'mesh.namespace.restricted-cni', 'security.pss.namespace'),
      ],
      ['Proper labels and annotations', checks('mesh.namespace.injection', 'mesh.namespace.pod-security')],
    ],
  },
  {
    group: 'implementation',
    epic: 'Phase 2: Mesh Namespace Creation',
    feature: 'Step 4: Deploy Mesh Infrastructure',
    items: [
      [
        'Istio Gateway and VirtualService',
        checks('mesh.traffic.gateway', 'mesh.traffic.virtual-service', 'mesh.traffic.weights'),
      ],
      [
        'DestinationRules with circuit breakers',
        checks(
          'mesh.traffic.destination-rules',
          'mesh.traffic.outlier-detection',
          'mesh.traffic.connection-pool',
        ),
      ],
      [
        'Security policies and authorization',
        checks(
          'security.authz.deny-by-default',
          'security.authz.allow-policies',
          'security.mtls.strict',
          'security.netpol.default-deny',
        ),
      ],
      ['Enhanced observability stack', checks('mesh.observability.stack')],
    ],
  },
  {
    group: 'implementation',
    epic: 'Phase 3: Application Deployment',
    feature: 'Step 5: Deploy Application to Mesh',
    items: [
      [
        'Deploy Zamaz with Istio sidecars',
        checks(
          'mesh.app.deployments',
          'mesh.app.sidecars',
          'mesh.app.sidecar-resources',
          'mesh.app.uid',
          'mesh.istio.proxy-versions',
        ),
      ],
      [
        'Configure service accounts with SPIRE identities',
        checks('mesh.app.service-accounts', 'mesh.app.spire-template', 'security.identity.spiffe-id'),
      ],
      [
        'Set up security policies',
        checks(
          'security.mtls.selectors',
          'security.netpol.allowances',
          'security.hygiene.sa-token',
          'security.pss.pods',
        ),
      ],
      ['Enable telemetry collection', checks('mesh.app.telemetry')],
    ],
  },
  {
    group: 'implementation',
    epic: 'Phase 3: Application Deployment',
    feature: 'Step 6: Verify Deployment',
    items: [
      ['Sidecar injection status', checks('mesh.app.sidecars')],
      [
        'SPIRE workload identities',
        checks('mesh.app.identities', 'security.identity.spire-issued', 'security.identity.cert-validity'),
      ],
      [
        'mTLS configuration',
        checks('security.mtls.strict', 'security.mtls.destination-rules', 'security.mtls.selectors'),
      ],
      [
        'Service mesh connectivity',
        checks(
          'mesh.app.health',
          'mesh.app.restarts',
          'mesh.app.probes',
          'mesh.envoy.circuit-breakers',
          'mesh.envoy.cluster-limits',
        ),
      ],
    ],
  },
  {
    group: 'implementation',
    epic: 'Phase 4: Traffic Migration',
    feature: 'Step 7: Initial Testing',
    items: [
      [
        'Step 7: Initial Testing',
        {
          kind: 'gate',
          command: 'test',
          checks: [...SECURITY_SUITE, 'security.probe.plaintext', 'security.probe.denied-path'],
        },
      ],
    ],
  },
  {
    group: 'implementation',
    epic: 'Phase 4: Traffic Migration',
    feature: 'Step 8: Gradual Traffic Shifting',
    items: [['Step 8: Gradual Traffic Shifting', { kind: 'gate', command: 'canary', checks: CANARY }]],
  },
  {
    group: 'implementation',
    epic: 'Phase 4: Traffic Migration',
    feature: 'Step 9: Complete Migration',
    items: [['Step 9: Complete Migration', { kind: 'gate', command: 'complete', step: 100, checks: CANARY }]],
  },
  {
    group: 'security',
    epic: 'Security Considerations',
    feature: 'Network Security',
    items: [
      [
        'Default Deny: All network traffic denied by default',
        checks('security.netpol.default-deny', 'security.authz.deny-by-default'),
      ],
      [
        'Least Privilege: Services can only communicate as needed',
        checks('security.netpol.no-allow-all', 'security.netpol.allowances', 'security.authz.allow-policies'),
      ],
      [
        'mTLS Everywhere: All service-to-service communication encrypted',
        checks('security.mtls.strict', 'security.mtls.destination-rules', 'security.probe.plaintext'),
      ],
    ],
  },
  {
    group: 'security',
    epic: 'Security Considerations',
    feature: 'Identity and Access',
    items: [
      [
        'SPIRE Integration: Cryptographic workload identities',
        checks(
          'security.identity.spire-issued',
          'security.identity.spiffe-id',
          'security.identity.cert-validity',
        ),
      ],
      [
        'Zero Trust: No implicit trust between services',
        checks('security.authz.deny-by-default', 'security.identity.trust-domain', 'security.mtls.strict'),
      ],
      [
        'Authorization Policies: Fine-grained access control',
        checks('security.authz.allow-policies', 'security.probe.denied-path'),
      ],
    ],
  },
  {
    group: 'security',
    epic: 'Security Considerations',
    feature: 'Compliance',
    items: [
      ['Pod Security Standards: Restricted security context', checks(...PSS)],
      ['Network Policies: Kubernetes-native network segmentation', checks(...NETPOL)],
      [
        'Audit Logging: Comprehensive security event logging',
        manual(
          'the API server audit policy and the log pipeline are not readable through the Kubernetes API; ' +
            'confirm audit logs reach the log store by hand (meshgate records its own writes in audit.jsonl)',
        ),
      ],
    ],
  },
  {
    group: 'post-migration',
    epic: 'Post-Migration Tasks',
    feature: 'Update Documentation',
    items: [
      ['Service architecture diagrams', manual(DOCS)],
      ['Troubleshooting runbooks', manual(DOCS)],
      ['Security procedures', manual(DOCS)],
    ],
  },
  {
    group: 'post-migration',
    epic: 'Post-Migration Tasks',
    feature: 'Team Training',
    items: [
      ['Istio troubleshooting', manual(TRAINING)],
      ['Service mesh concepts', manual(TRAINING)],
      ['New monitoring tools', manual(TRAINING)],
    ],
  },
  {
    group: 'post-migration',
    epic: 'Post-Migration Tasks',
    feature: 'Optimize Configuration',
    items: [
      [
        'Fine-tune resource limits',
        manual(`${AFTER} (mesh.app.sidecar-resources checks the guide's values)`),
      ],
      [
        'Adjust circuit breaker settings',
        manual(`${AFTER} (mesh.traffic.outlier-detection checks the guide's values)`),
      ],
      ['Optimize observability collection', manual(AFTER)],
    ],
  },
  {
    group: 'post-migration',
    epic: 'Post-Migration Tasks',
    feature: 'Clean Up Legacy Resources',
    items: [
      ['Remove standalone Envoy', manual(AFTER)],
      ['Clean up old monitoring', manual(AFTER)],
      ['Archive legacy configuration', manual(AFTER)],
    ],
  },
  {
    group: 'appendix',
    epic: 'Migration Checklist',
    feature: 'Pre-Migration',
    items: [
      ['Prerequisites installed', checks('prereq.tools', 'prereq.permissions')],
      ['Cluster capacity verified', checks('prereq.capacity')],
      ['Backup completed', attested('backup-taken')],
      ['Team trained', manual(TRAINING)],
      ['Rollback plan documented', attested('rollback-plan')],
    ],
  },
  {
    group: 'appendix',
    epic: 'Migration Checklist',
    feature: 'Infrastructure Phase',
    items: [
      ['Istio control plane installed', checks(...ISTIO)],
      ['SPIRE integration deployed', checks(...SPIRE)],
      [
        'Mesh namespace created',
        checks('mesh.namespace.injection', 'mesh.namespace.pod-security', 'mesh.namespace.restricted-cni'),
      ],
      [
        'Security policies applied',
        checks('security.authz.deny-by-default', 'security.mtls.strict', 'security.netpol.default-deny'),
      ],
    ],
  },
  {
    group: 'appendix',
    epic: 'Migration Checklist',
    feature: 'Application Phase',
    items: [
      ['Application deployed to mesh', checks('mesh.app.deployments')],
      ['Sidecar injection verified', checks('mesh.app.sidecars')],
      ['SPIRE identities configured', checks('mesh.app.identities', 'security.identity.spiffe-id')],
      ['Health checks passing', checks('mesh.app.health', 'mesh.app.probes')],
    ],
  },
  {
    group: 'appendix',
    epic: 'Migration Checklist',
    feature: 'Traffic Migration',
    items: [
      ['Initial testing completed', { kind: 'gate', command: 'test', checks: SECURITY_SUITE }],
      ['10% traffic migrated', step(10)],
      ['25% traffic migrated', step(25)],
      ['50% traffic migrated', step(50)],
      ['75% traffic migrated', step(75)],
      ['100% traffic migrated', { kind: 'gate', command: 'complete', step: 100, checks: CANARY }],
    ],
  },
  {
    group: 'appendix',
    epic: 'Migration Checklist',
    feature: 'Post-Migration',
    items: [
      ['Legacy environment cleaned up', manual(AFTER)],
      ['Documentation updated', manual(DOCS)],
      ['Team training completed', manual(TRAINING)],
      ['Performance optimized', manual(AFTER)],
    ],
  },
];

export const CHECKLIST: readonly ChecklistItem[] = SECTIONS.flatMap((s) =>
  s.items.map(([text, verifiedBy]) => ({
    id: `${slug(s.feature)}/${slug(text)}`,
    group: s.group,
    epic: s.epic,
    feature: s.feature,
    text,
    verifiedBy,
  })),
);

/** The check ids an item's state depends on (attestations as their `prereq.attestation.<id>` check). */
export function checksOf(v: Verification): readonly string[] {
  switch (v.kind) {
    case 'checks':
    case 'gate':
      return v.checks;
    case 'attestation':
      return [`prereq.attestation.${v.attestation}`];
    case 'manual':
      return [];
  }
}

/** Items of the guide the map lacks, and items of the map the guide no longer has (by id). */
export function coverageGaps(
  guide: readonly { id: string; text: string }[],
  map: readonly ChecklistItem[] = CHECKLIST,
): { missing: string[]; extra: string[] } {
  const inMap = new Set(map.map((i) => i.id));
  const inGuide = new Set(guide.map((i) => i.id));
  return {
    missing: guide.filter((i) => !inMap.has(i.id)).map((i) => `${i.id} ("${i.text}")`),
    extra: map.filter((i) => !inGuide.has(i.id)).map((i) => `${i.id} ("${i.text}")`),
  };
}
