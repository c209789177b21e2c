// The part of the Kubernetes API (v1.30+) that deploy/kubernetes uses, as strict JSON Schemas:
// every field named the way the API reference names it, with its type, and nothing else — so a
// misspelt or misplaced field (`restartpolicy`, `envFrom` under the pod) fails here as the API
// server's strict field validation would fail it. Fields the manifests do not use are not listed:
// adding one means adding it here, from https://kubernetes.io/docs/reference/kubernetes-api/.

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const bool = { type: 'boolean' } as const;
const strMap = { type: 'object', additionalProperties: { type: 'string' } } as const;
const strict = (properties: Record<string, unknown>, required: string[] = []) =>
  ({ type: 'object', additionalProperties: false, properties, required }) as const;

const metadata = strict({ name: str, namespace: str, labels: strMap, annotations: strMap }, ['name']);
const templateMetadata = strict({ labels: strMap, annotations: strMap });
const portRef = { anyOf: [int, str] };
const probe = strict({
  tcpSocket: strict({ port: portRef }, ['port']),
  httpGet: strict({ path: str, port: portRef }, ['port']),
  periodSeconds: int,
  initialDelaySeconds: int,
  timeoutSeconds: int,
  failureThreshold: int,
});
const resources = strict({ requests: strMap, limits: strMap });
const containerSecurity = strict({
  allowPrivilegeEscalation: bool,
  readOnlyRootFilesystem: bool,
  runAsNonRoot: bool,
  capabilities: strict({ drop: { type: 'array', items: str }, add: { type: 'array', items: str } }),
});
const container = strict(
  {
    name: str,
    image: str,
    command: { type: 'array', items: str },
    args: { type: 'array', items: str },
    env: {
      type: 'array',
      items: strict(
        {
          name: str,
          value: str,
          valueFrom: strict({ secretKeyRef: strict({ name: str, key: str }, ['name', 'key']) }),
        },
        ['name'],
      ),
    },
    envFrom: {
      type: 'array',
      items: strict({ secretRef: strict({ name: str }, ['name']), configMapRef: strict({ name: str }, ['name']) }),
    },
    ports: {
      type: 'array',
      items: strict({ name: str, containerPort: int, protocol: { enum: ['TCP', 'UDP', 'SCTP'] } }, ['containerPort']),
    },
    readinessProbe: probe,
    livenessProbe: probe,
    resources,
    securityContext: containerSecurity,
    volumeMounts: { type: 'array', items: strict({ name: str, mountPath: str, readOnly: bool }, ['name', 'mountPath']) },
  },
  ['name', 'image'],
);
const podSpec = strict(
  {
    restartPolicy: { enum: ['Always', 'OnFailure', 'Never'] },
    hostNetwork: bool,
    dnsPolicy: { enum: ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None'] },
    nodeSelector: strMap,
    securityContext: strict({
      runAsNonRoot: bool,
      runAsUser: int,
      runAsGroup: int,
      fsGroup: int,
      seccompProfile: strict({ type: { enum: ['RuntimeDefault', 'Localhost', 'Unconfined'] } }, ['type']),
    }),
    containers: { type: 'array', minItems: 1, items: container },
    volumes: {
      type: 'array',
      items: strict({ name: str, configMap: strict({ name: str }, ['name']), emptyDir: strict({}), secret: strict({ secretName: str }) }, [
        'name',
      ]),
    },
  },
  ['containers'],
);
const podTemplate = strict({ metadata: templateMetadata, spec: podSpec }, ['spec']);
const selector = strict({ matchLabels: strMap }, ['matchLabels']);

export const K8S_SCHEMAS: Record<string, object> = {
  'v1/Namespace': strict({ apiVersion: str, kind: str, metadata }, ['apiVersion', 'kind', 'metadata']),
  'v1/ConfigMap': strict({ apiVersion: str, kind: str, metadata, data: strMap }, ['apiVersion', 'kind', 'metadata']),
  'v1/Secret': strict({ apiVersion: str, kind: str, metadata, type: str, stringData: strMap, data: strMap }, [
    'apiVersion',
    'kind',
    'metadata',
  ]),
  'v1/Service': strict(
    {
      apiVersion: str,
      kind: str,
      metadata,
      spec: strict(
        {
          type: { enum: ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'] },
          externalTrafficPolicy: { enum: ['Cluster', 'Local'] },
          selector: strMap,
          ports: {
            type: 'array',
            minItems: 1,
            items: strict({ name: str, port: int, targetPort: portRef, protocol: { enum: ['TCP', 'UDP', 'SCTP'] } }, ['port']),
          },
        },
        ['ports'],
      ),
    },
    ['apiVersion', 'kind', 'metadata', 'spec'],
  ),
  'apps/v1/Deployment': strict(
    {
      apiVersion: str,
      kind: str,
      metadata,
      spec: strict(
        { replicas: int, strategy: strict({ type: { enum: ['Recreate', 'RollingUpdate'] } }), selector, template: podTemplate },
        ['selector', 'template'],
      ),
    },
    ['apiVersion', 'kind', 'metadata', 'spec'],
  ),
  'batch/v1/CronJob': strict(
    {
      apiVersion: str,
      kind: str,
      metadata,
      spec: strict(
        {
          schedule: str,
          timeZone: str,
          concurrencyPolicy: { enum: ['Allow', 'Forbid', 'Replace'] },
          startingDeadlineSeconds: int,
          successfulJobsHistoryLimit: int,
          failedJobsHistoryLimit: int,
          jobTemplate: strict({ spec: strict({ backoffLimit: int, activeDeadlineSeconds: int, template: podTemplate }, ['template']) }, [
            'spec',
          ]),
        },
        ['schedule', 'jobTemplate'],
      ),
    },
    ['apiVersion', 'kind', 'metadata', 'spec'],
  ),
};
