/** Where a shift may go from the current weight. Steps come from the profile; 0 is implicit. */
export interface ShiftPlan {
  from: number;
  to: number;
  /** The step whose canary verdict gates this move (the current weight), or 0 for the first step. */
  gateStep: number;
  /** Up is gated; down (`--down`, a planned rollback) needs no verdict. */
  direction: 'up' | 'down';
  refusal?: string;
}

export function ladder(steps: readonly number[]): number[] {
  return [0, ...steps.filter((s) => s > 0)];
}

/**
 * Allows one step up the ladder (a jump of more than one step, or a start from a weight that is not on
 * the ladder, needs --force). Moving down is never a shift by accident: it needs `down` (`shift N
 * --down`, or `rollback --planned`), and then needs no verdict.
 */
export function planShift(
  current: number,
  target: number,
  steps: readonly number[],
  force: boolean,
  down = false,
): ShiftPlan {
  const l = ladder(steps);
  const plan: ShiftPlan = {
    from: current,
    to: target,
    gateStep: current,
    direction: target < current ? 'down' : 'up',
  };
  if (!l.includes(target)) {
    return { ...plan, refusal: `${target} % is not a step of the profile (${l.join(', ')})` };
  }
  if (target === current) return { ...plan, refusal: `the mesh already receives ${current} %` };
  if (down) {
    if (target > current)
      return {
        ...plan,
        refusal: `--down moves the mesh weight down, but ${target} % is above the current ${current} %: drop --down to shift up (gated)`,
      };
    return plan;
  }
  if (target < current) {
    return {
      ...plan,
      refusal:
        `the mesh receives ${current} %, so shift ${target} would move it down: moving down is ` +
        `\`meshgate rollback --planned\` (one step down) or \`meshgate shift ${target} --down\``,
    };
  }
  const i = l.indexOf(current);
  const j = l.indexOf(target);
  if (force) return plan;
  if (i === -1) {
    return {
      ...plan,
      refusal: `the current mesh weight ${current} % is not a step of the profile (${l.join(', ')}); pass --force to move from it`,
    };
  }
  if (j > i + 1) {
    return {
      ...plan,
      refusal: `moving from ${current} % to ${target} % skips ${l.slice(i + 1, j).join(', ')} %: shift one step at a time (next: ${l[i + 1]} %), or pass --force`,
    };
  }
  return plan;
}

/** The previous step down the ladder, for a planned rollback. */
export function stepDown(current: number, steps: readonly number[]): number {
  const below = ladder(steps).filter((s) => s < current);
  return below.length ? (below[below.length - 1] ?? 0) : 0;
}
