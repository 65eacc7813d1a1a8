// Variants of the reference cluster that overlays are generated from (overlays.mjs): the same model
// with Istio installed another way. `--variant revision=1-20-1,tag=stable` on the command line; no
// variant = scenarios/healthy.
const arg = process.argv[process.argv.indexOf('--variant') + 1];
const given = process.argv.includes('--variant') && arg ? Object.fromEntries(arg.split(',').map((kv) => kv.split('='))) : {};

export const VARIANT = {
  name: process.argv.includes('--variant') ? arg : '',
  /** Istio revision (`helm install istiod --set revision=...`); '' = the default, unrevisioned install. */
  revision: given.revision ?? '',
  /** A revision tag (`istioctl tag set <tag> --revision <revision>`) that the mesh namespace selects. */
  tag: given.tag ?? '',
};
/** `istiod` → `istiod-<revision>` in a revisioned install. */
export const rev = (base) => (VARIANT.revision ? `${base}-${VARIANT.revision}` : base);
/** The value of `istio.io/rev` labels and annotations: the revision, or `default`. */
export const REV_LABEL = VARIANT.revision || 'default';
