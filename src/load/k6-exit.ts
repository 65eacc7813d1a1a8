/** k6's exit codes (go.k6.io/k6/errext/exitcodes) and what each means for a canary step. */
export const K6_EXIT_CODES: Readonly<Record<number, string>> = {
  0: 'ok: the test ran and every threshold held',
  97: 'cloud test run failed',
  98: 'cloud: failed to get progress',
  99: 'thresholds failed',
  100: 'setup() timed out',
  101: 'teardown() timed out',
  102: 'generic timeout',
  103: 'engine error (or stopped through the REST API)',
  104: 'invalid configuration',
  105: 'aborted from outside (signal)',
  106: 'cannot start the REST API',
  107: 'script error (an exception in the script)',
  108: 'script aborted (test.abort() or a threshold with abortOnFail)',
  109: 'k6 crashed (Go panic)',
  110: 'marked as failed (execution.test.fail())',
};

export type K6Outcome = 'ok' | 'thresholds-failed' | 'script-error' | 'aborted' | 'error';

/** 0 ok, 99 thresholds failed, 107 script error, 108 aborted; anything else is an error of the run. */
export function k6Outcome(code: number): K6Outcome {
  switch (code) {
    case 0:
      return 'ok';
    case 99:
      return 'thresholds-failed';
    case 107:
      return 'script-error';
    case 108:
      return 'aborted';
    default:
      return 'error';
  }
}

export function k6ExitMeaning(code: number): string {
  return K6_EXIT_CODES[code] ?? `unexpected exit code ${code}`;
}
