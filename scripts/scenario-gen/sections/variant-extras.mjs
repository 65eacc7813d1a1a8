// Objects only a variant has, emitted after everything else so that the resourceVersions and pod
// IPs handed out above are the same in every variant (overlays then hold only what differs).
import { meta } from '../k8s.mjs';
import { ISTIOD_CA, ISTIO_NS, T, emit } from '../model.mjs';
import { addSeconds } from '../lib.mjs';
import { VARIANT, rev } from '../variant.mjs';

if (VARIANT.tag) {
  // What `istioctl tag set <tag> --revision <revision>` creates: an injector webhook answering to
  // istio.io/rev=<tag> (namespaces and pods) that calls the revision's istiod.
  const clientConfig = { caBundle: Buffer.from(ISTIOD_CA).toString('base64'), service: { name: rev('istiod'), namespace: ISTIO_NS, path: '/inject/cluster/Kubernetes/net/', port: 443 } };
  const common = { admissionReviewVersions: ['v1beta1', 'v1'], clientConfig, failurePolicy: 'Fail', matchPolicy: 'Equivalent', reinvocationPolicy: 'Never', rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'], scope: '*' }], sideEffects: 'None', timeoutSeconds: 10 };
  emit('istio-system/webhooks.yaml', {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: meta({
      name: `istio-revision-tag-${VARIANT.tag}`,
      labels: { app: 'sidecar-injector', 'istio.io/rev': VARIANT.revision, 'istio.io/tag': VARIANT.tag },
      createdAt: addSeconds(T.istio, 600),
      generation: 2,
      key: `mwh/istio-revision-tag-${VARIANT.tag}`,
    }),
    webhooks: [
      {
        ...common,
        name: 'rev.namespace.sidecar-injector.istio.io',
        namespaceSelector: { matchExpressions: [{ key: 'istio.io/rev', operator: 'In', values: [VARIANT.tag] }, { key: 'istio-injection', operator: 'DoesNotExist' }] },
        objectSelector: { matchExpressions: [{ key: 'sidecar.istio.io/inject', operator: 'NotIn', values: ['false'] }] },
      },
      {
        ...common,
        name: 'rev.object.sidecar-injector.istio.io',
        namespaceSelector: { matchExpressions: [{ key: 'istio.io/rev', operator: 'DoesNotExist' }, { key: 'istio-injection', operator: 'DoesNotExist' }] },
        objectSelector: { matchExpressions: [{ key: 'sidecar.istio.io/inject', operator: 'NotIn', values: ['false'] }, { key: 'istio.io/rev', operator: 'In', values: [VARIANT.tag] }] },
      },
    ],
  });
}
