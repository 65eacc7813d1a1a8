import { getPath, isJsonObject, type JsonObject, type JsonValue } from './json.ts';
import { objectName, type KubeObject } from './kube-object.ts';
import { formatLabelSelector, labelSelectorFromObject } from './label-selector.ts';
import type { ResourceDef } from './resource-table.ts';

/**
 * Server-side `Table` output (what kubectl asks for with `Accept: application/json;as=Table`), so
 * `kubectl get` prints the columns people know. Columns follow the API server's printers for the
 * common kinds, additionalPrinterColumns for custom resources, and Name/Age for everything else.
 */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

interface Column {
  name: string;
  type: string;
  format?: string;
  priority?: number;
  description?: string;
  cell: (o: KubeObject) => JsonValue;
}

/** apimachinery's duration.HumanDuration, so ages read as kubectl users expect ("5d", "3h12m"). */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 192) {
    return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  const years = Math.floor(hours / 24 / 365);
  if (hours < 24 * 365 * 8) {
    const days = Math.floor(hours / 24) - years * 365;
    return days === 0 ? `${years}y` : `${years}y${days}d`;
  }
  return `${years}y`;
}

function age(o: KubeObject): string {
  const ts = o.metadata.creationTimestamp;
  if (typeof ts !== 'string') return '<unknown>';
  return humanDuration(Date.now() - Date.parse(ts));
}

const num = (v: JsonValue | undefined): number => (typeof v === 'number' ? v : 0);
const text = (v: JsonValue | undefined, none = '<none>'): string =>
  v === undefined || v === null || v === '' ? none : typeof v === 'string' ? v : JSON.stringify(v);
const list = (v: JsonValue | undefined): JsonObject[] => (Array.isArray(v) ? v.filter(isJsonObject) : []);
const at = (o: KubeObject, ...path: string[]) => getPath(o, path);

const NAME: Column = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: 'Name must be unique within a namespace.',
  cell: objectName,
};
const AGE: Column = {
  name: 'Age',
  type: 'string',
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created.',
  cell: age,
};

function podStatus(o: KubeObject): string {
  if (o.metadata.deletionTimestamp !== undefined) return 'Terminating';
  for (const cs of list(at(o, 'status', 'containerStatuses'))) {
    const waiting = getPath(cs, ['state', 'waiting', 'reason']);
    if (typeof waiting === 'string' && waiting !== '') return waiting;
    const terminated = getPath(cs, ['state', 'terminated', 'reason']);
    if (typeof terminated === 'string' && terminated !== '') return terminated;
  }
  return text(at(o, 'status', 'reason'), '') || text(at(o, 'status', 'phase'), 'Unknown');
}

function selectorText(value: JsonValue | undefined): string {
  if (!isJsonObject(value)) return '<none>';
  const selector =
    value.matchLabels !== undefined || value.matchExpressions !== undefined ? value : { matchLabels: value };
  return formatLabelSelector(labelSelectorFromObject(selector)) || '<none>';
}

function containerField(o: KubeObject, field: string): string {
  return list(at(o, 'spec', 'template', 'spec', 'containers'))
    .map((c) => text(c[field], ''))
    .join(',');
}

const NATIVE_COLUMNS: Record<string, Column[]> = {
  Pod: [
    NAME,
    {
      name: 'Ready',
      type: 'string',
      cell: (o) => {
        const statuses = list(at(o, 'status', 'containerStatuses'));
        const total = list(at(o, 'spec', 'containers')).length;
        return `${statuses.filter((s) => s.ready === true).length}/${total}`;
      },
    },
    { name: 'Status', type: 'string', cell: podStatus },
    {
      name: 'Restarts',
      type: 'string',
      cell: (o) =>
        String(list(at(o, 'status', 'containerStatuses')).reduce((n, s) => n + num(s.restartCount), 0)),
    },
    AGE,
    { name: 'IP', type: 'string', priority: 1, cell: (o) => text(at(o, 'status', 'podIP')) },
    { name: 'Node', type: 'string', priority: 1, cell: (o) => text(at(o, 'spec', 'nodeName')) },
    {
      name: 'Nominated Node',
      type: 'string',
      priority: 1,
      cell: (o) => text(at(o, 'status', 'nominatedNodeName')),
    },
    { name: 'Readiness Gates', type: 'string', priority: 1, cell: () => '<none>' },
  ],
  Deployment: [
    NAME,
    {
      name: 'Ready',
      type: 'string',
      cell: (o) => `${num(at(o, 'status', 'readyReplicas'))}/${num(at(o, 'spec', 'replicas') ?? 1)}`,
    },
    { name: 'Up-to-date', type: 'integer', cell: (o) => num(at(o, 'status', 'updatedReplicas')) },
    { name: 'Available', type: 'integer', cell: (o) => num(at(o, 'status', 'availableReplicas')) },
    AGE,
    { name: 'Containers', type: 'string', priority: 1, cell: (o) => containerField(o, 'name') },
    { name: 'Images', type: 'string', priority: 1, cell: (o) => containerField(o, 'image') },
    { name: 'Selector', type: 'string', priority: 1, cell: (o) => selectorText(at(o, 'spec', 'selector')) },
  ],
  StatefulSet: [
    NAME,
    {
      name: 'Ready',
      type: 'string',
      cell: (o) => `${num(at(o, 'status', 'readyReplicas'))}/${num(at(o, 'spec', 'replicas') ?? 1)}`,
    },
    AGE,
  ],
  ReplicaSet: [
    NAME,
    { name: 'Desired', type: 'integer', cell: (o) => num(at(o, 'spec', 'replicas')) },
    { name: 'Current', type: 'integer', cell: (o) => num(at(o, 'status', 'replicas')) },
    { name: 'Ready', type: 'integer', cell: (o) => num(at(o, 'status', 'readyReplicas')) },
    AGE,
  ],
  DaemonSet: [
    NAME,
    { name: 'Desired', type: 'integer', cell: (o) => num(at(o, 'status', 'desiredNumberScheduled')) },
    { name: 'Current', type: 'integer', cell: (o) => num(at(o, 'status', 'currentNumberScheduled')) },
    { name: 'Ready', type: 'integer', cell: (o) => num(at(o, 'status', 'numberReady')) },
    { name: 'Up-to-date', type: 'integer', cell: (o) => num(at(o, 'status', 'updatedNumberScheduled')) },
    { name: 'Available', type: 'integer', cell: (o) => num(at(o, 'status', 'numberAvailable')) },
    {
      name: 'Node Selector',
      type: 'string',
      cell: (o) => selectorText(at(o, 'spec', 'template', 'spec', 'nodeSelector')),
    },
    AGE,
  ],
  Service: [
    NAME,
    { name: 'Type', type: 'string', cell: (o) => text(at(o, 'spec', 'type'), 'ClusterIP') },
    { name: 'Cluster-IP', type: 'string', cell: (o) => text(at(o, 'spec', 'clusterIP')) },
    {
      name: 'External-IP',
      type: 'string',
      cell: (o) => {
        const ingress = list(at(o, 'status', 'loadBalancer', 'ingress'));
        if (ingress.length > 0) return ingress.map((i) => text(i.ip ?? i.hostname, '')).join(',');
        return at(o, 'spec', 'type') === 'LoadBalancer' ? '<pending>' : '<none>';
      },
    },
    {
      name: 'Port(s)',
      type: 'string',
      cell: (o) =>
        list(at(o, 'spec', 'ports'))
          .map(
            (p) =>
              `${num(p.port)}${p.nodePort === undefined ? '' : `:${num(p.nodePort)}`}/${text(p.protocol, 'TCP')}`,
          )
          .join(',') || '<none>',
    },
    AGE,
    { name: 'Selector', type: 'string', priority: 1, cell: (o) => selectorText(at(o, 'spec', 'selector')) },
  ],
  Namespace: [
    NAME,
    { name: 'Status', type: 'string', cell: (o) => text(at(o, 'status', 'phase'), 'Active') },
    AGE,
  ],
  Node: [
    NAME,
    {
      name: 'Status',
      type: 'string',
      cell: (o) => {
        const ready = list(at(o, 'status', 'conditions')).find((c) => c.type === 'Ready');
        const state = ready?.status === 'True' ? 'Ready' : ready === undefined ? 'Unknown' : 'NotReady';
        return at(o, 'spec', 'unschedulable') === true ? `${state},SchedulingDisabled` : state;
      },
    },
    {
      name: 'Roles',
      type: 'string',
      cell: (o) => {
        const labels = isJsonObject(o.metadata.labels) ? Object.keys(o.metadata.labels) : [];
        const roles = labels
          .filter((l) => l.startsWith('node-role.kubernetes.io/'))
          .map((l) => l.split('/')[1] ?? '');
        return roles.join(',') || '<none>';
      },
    },
    AGE,
    { name: 'Version', type: 'string', cell: (o) => text(at(o, 'status', 'nodeInfo', 'kubeletVersion'), '') },
  ],
  ConfigMap: [
    NAME,
    {
      name: 'Data',
      type: 'integer',
      cell: (o) =>
        (isJsonObject(o.data) ? Object.keys(o.data).length : 0) +
        (isJsonObject(o.binaryData) ? Object.keys(o.binaryData).length : 0),
    },
    AGE,
  ],
  Secret: [
    NAME,
    { name: 'Type', type: 'string', cell: (o) => text(o.type, 'Opaque') },
    { name: 'Data', type: 'integer', cell: (o) => (isJsonObject(o.data) ? Object.keys(o.data).length : 0) },
    AGE,
  ],
  CustomResourceDefinition: [
    NAME,
    { name: 'Created At', type: 'date', cell: (o) => text(o.metadata.creationTimestamp, '') },
  ],
};

/** Evaluates the simple JSONPath forms printer columns use: `.spec.hosts`, `.status.conditions[0].type`. */
function jsonPathValue(o: KubeObject, path: string): JsonValue | undefined {
  const segments = path
    .replace(/^\{?\.?/, '')
    .replace(/\}$/, '')
    .split(/\.|\[(\d+)\]/)
    .filter((s) => s !== undefined && s !== '');
  let current: JsonValue | undefined = o;
  for (const segment of segments) {
    if (Array.isArray(current) && /^\d+$/.test(segment)) current = current[Number(segment)];
    else if (isJsonObject(current)) current = current[segment];
    else return undefined;
  }
  return current;
}

function customColumns(def: ResourceDef): Column[] {
  if (def.printerColumns.length === 0) return [NAME, AGE];
  return [
    NAME,
    ...def.printerColumns.map((c): Column => ({
      name: c.name,
      type: c.type === 'date' ? 'string' : c.type,
      ...(c.priority === undefined ? {} : { priority: c.priority }),
      ...(c.description === undefined ? {} : { description: c.description }),
      cell: (o) => {
        const value = jsonPathValue(o, c.jsonPath);
        if (c.type === 'date') {
          return typeof value === 'string' ? humanDuration(Date.now() - Date.parse(value)) : '<unknown>';
        }
        if (value === undefined) return null;
        return typeof value === 'object' && value !== null ? JSON.stringify(value) : value;
      },
    })),
  ];
}

function columnsFor(def: ResourceDef): Column[] {
  if (def.origin === 'crd') return customColumns(def);
  return NATIVE_COLUMNS[def.kind] ?? [NAME, AGE];
}

export interface TableOptions {
  tableVersion: string;
  includeObject: IncludeObject;
  listMetadata: JsonObject;
  /** Watch events after the first carry rows only, as the API server sends them. */
  omitHeaders?: boolean;
}

export function toTable(objects: readonly KubeObject[], def: ResourceDef, options: TableOptions): JsonObject {
  const columns = columnsFor(def);
  const table: JsonObject = {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${options.tableVersion}`,
    metadata: options.listMetadata,
  };
  if (options.omitHeaders !== true) {
    table.columnDefinitions = columns.map((c) => ({
      name: c.name,
      type: c.type,
      format: c.format ?? '',
      description: c.description ?? '',
      priority: c.priority ?? 0,
    }));
  }
  table.rows = objects.map((o) => {
    const row: JsonObject = { cells: columns.map((c) => c.cell(o)) };
    if (options.includeObject === 'Object') row.object = o;
    if (options.includeObject === 'Metadata') {
      row.object = {
        kind: 'PartialObjectMetadata',
        apiVersion: `meta.k8s.io/${options.tableVersion}`,
        metadata: o.metadata,
      };
    }
    return row;
  });
  return table;
}
