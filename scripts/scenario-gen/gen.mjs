#!/usr/bin/env node
// Generates scenarios/healthy from one model, so uids, pod IPs, SPIRE entries, Envoy stats and
// certificates stay consistent with each other. Each file under sections/ generates one part of the
// cluster; they run in import order (the order matters: resourceVersions and pod IPs are handed out
// as objects are built).
//
//   node scripts/scenario-gen/gen.mjs [OUTDIR]                 # scenarios/healthy (default)
//   node scripts/scenario-gen/gen.mjs --overlays               # and the overlays of overlays.mjs (revisioned installs)
//   node scripts/scenario-gen/gen.mjs --variant revision=1-20-1,tag=stable OUTDIR   # a whole variant
import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { toYaml, toListYaml } from './lib.mjs';
import { NODES, registry } from './workloads.mjs';
import { files } from './model.mjs';
import { VARIANT } from './variant.mjs';
import './sections/cluster.mjs';
import './sections/control-plane.mjs';
import { spireServer } from './sections/spire.mjs';
import './sections/app.mjs';
import './sections/traffic.mjs';
import './sections/security.mjs';
import './sections/monitoring.mjs';
import './sections/rbac.mjs';
import { meshPods, gwPods } from './sections/spire-registration.mjs';
import './sections/endpoints.mjs';
import './sections/proxies.mjs';
import './sections/variant-extras.mjs';
import { writeOverlays } from './overlays.mjs';

const args = process.argv.slice(2).filter((a, i, all) => a !== '--variant' && all[i - 1] !== '--variant');
const OUT = args.find((a) => !a.startsWith('--')) ?? new URL('../../scenarios/healthy', import.meta.url).pathname;

// ---------------------------------------------------------------- write
rmSync(OUT, { recursive: true, force: true });
const HEADER = (path) =>
  path.startsWith('sim/')
    ? `# scenarios/healthy/${path}: simulator-only answers (pod proxy GETs, exec) for the pods of this scenario (see scenarios/README.md).\n`
    : `# scenarios/healthy/${path}: objects as \`kubectl get -o yaml\` prints them (see scenarios/README.md).\n`;
for (const [path, { objects, list }] of [...files].sort()) {
  const full = join(OUT, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, HEADER(path) + (list ? toListYaml(objects) : toYaml(objects)));
}
// Summary for the README/report.
const summary = {
  files: [...files.keys()].sort(),
  objects: [...files.values()].reduce((a, f) => a + f.objects.length, 0),
  pods: registry.pods.length,
  meshPods: meshPods.map((p) => ({ name: p.metadata.name, uid: p.metadata.uid, ip: p.status.podIP, node: p.spec.nodeName })),
  gatewayPods: gwPods.map((p) => ({ name: p.metadata.name, uid: p.metadata.uid, ip: p.status.podIP, node: p.spec.nodeName })),
  spireServer: spireServer.pods.map((p) => ({ name: p.metadata.name, uid: p.metadata.uid, ip: p.status.podIP, node: p.spec.nodeName })),
  nodes: NODES.map((n) => ({ name: n.name, uid: n.uid, ip: n.ip })),
};
if (process.env.SUMMARY) writeFileSync(process.env.SUMMARY, JSON.stringify(summary, null, 2));
console.log(`wrote ${files.size} files, ${summary.objects} objects, ${summary.pods} pods${VARIANT.name ? ` (variant ${VARIANT.name})` : ''} into ${OUT}`);
if (args.includes('--overlays')) await writeOverlays(OUT);
