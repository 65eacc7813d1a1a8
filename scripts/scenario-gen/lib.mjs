// Helpers for building kubectl-shaped objects deterministically.
import { createHash } from 'node:crypto';
import YAML from 'yaml';

export function h(key, n = 40) {
  return createHash('sha256').update(key).digest('hex').slice(0, n);
}
export function uid(key) {
  const x = h('uid:' + key, 32);
  const v = ((parseInt(x[16], 16) & 0x3) | 0x8).toString(16);
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-4${x.slice(13, 16)}-${v}${x.slice(17, 20)}-${x.slice(20, 32)}`;
}
const ALPHA = 'bcdfghjklmnpqrstvwxz2456789';
export function rname(key, len) {
  const bytes = createHash('sha256').update('name:' + key).digest();
  let s = '';
  for (let i = 0; i < len; i++) s += ALPHA[bytes[i] % ALPHA.length];
  return s;
}
export function containerId(key) {
  return 'containerd://' + createHash('sha256').update('cid:' + key).digest('hex');
}
export function imageId(image) {
  const repo = image.replace(/:[^/:]+$/, '');
  return `${repo}@sha256:${createHash('sha256').update('img:' + image).digest('hex')}`;
}
let rv = 1000;
export function resourceVersion() {
  rv += 7 + (rv % 13);
  return String(rv);
}
export function addSeconds(iso, s) {
  return new Date(Date.parse(iso) + s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
export function epoch(iso) {
  return String(Math.floor(Date.parse(iso) / 1000));
}

const TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
function quoteTimestamps(value) {
  if (typeof value === 'string' && TS.test(value)) {
    const s = new YAML.Scalar(value);
    s.type = 'QUOTE_DOUBLE';
    return s;
  }
  if (Array.isArray(value)) return value.map(quoteTimestamps);
  if (value && typeof value === 'object' && !(value instanceof YAML.Scalar)) {
    const out = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = quoteTimestamps(v);
    return out;
  }
  return value;
}
const OPTS = { sortMapEntries: true };
const STR = { lineWidth: 0, indentSeq: false };
export function toYaml(objects) {
  return objects
    .map((o) => new YAML.Document(quoteTimestamps(o), OPTS).toString(STR))
    .join('---\n');
}
export function toListYaml(objects) {
  return new YAML.Document(
    quoteTimestamps({ apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items: objects }),
    OPTS,
  ).toString(STR);
}
