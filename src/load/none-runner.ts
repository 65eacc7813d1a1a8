import { blankResult } from './result.ts';
import type { LoadContext, LoadRequest, LoadResult, LoadRunner } from './types.ts';

/**
 * `--load none`: meshgate sends nothing; the verdict rests on the traffic real users send (or on a
 * past window). `ok` is true because there was nothing to fail: whether that traffic is enough is the
 * canary analysis' minimum-count rule, not the runner's call.
 */
export class NoneRunner implements LoadRunner {
  readonly name = 'none' as const;

  async run(req: LoadRequest, _ctx: LoadContext): Promise<LoadResult> {
    const result = blankResult('none', req, { rate: 0, duration: '0s' }, new Date());
    result.verdict = 'PASS';
    result.reason = '';
    result.ok = true;
    result.notes.push('no load generated (--load none): traffic comes from real users');
    return result;
  }
}
