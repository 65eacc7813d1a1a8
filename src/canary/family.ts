// Family-wise error control for one step: every statistical test of every metric and service of a
// step is one family, so judging 2 services × several tests at every step does not multiply the
// chance of stopping a healthy migration.

/** One test of the family: an id and its p-value (null: the test could not run and is left out). */
export interface FamilyMember {
  id: string;
  p: number | null;
}

/**
 * Holm–Bonferroni adjusted p-values (Holm, Scand. J. Statist. 6:65, 1979): with the m p-values
 * sorted, p̃₍ₖ₎ = max over j ≤ k of min(1, (m − j + 1)·p₍ⱼ₎). Rejecting every test with p̃ < α
 * controls the family-wise error rate at α under any dependence between the tests. Ties keep their
 * input order. Tests without a p-value are not counted in m.
 *
 * With anytime-valid p-values (the sequential rule's always-valid p) the control holds uniformly over
 * looks: Holm is closed testing with Bonferroni intersection tests, and each of those is a union bound
 * over time-uniform events.
 */
export function holmAdjust(members: readonly FamilyMember[]): Map<string, number> {
  const tested = members.filter((m): m is { id: string; p: number } => m.p !== null && Number.isFinite(m.p));
  const order = tested.map((m, i) => ({ ...m, i })).sort((a, b) => a.p - b.p || a.i - b.i);
  const m = order.length;
  const out = new Map<string, number>();
  let running = 0;
  order.forEach((t, k) => {
    running = Math.max(running, Math.min(1, (m - k) * t.p));
    out.set(t.id, running);
  });
  return out;
}
