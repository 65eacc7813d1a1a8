// The parts of the README its tests compare with what the code does: the first commands and the
// canary example (test/readme checks the text, test/demo checks it against a real demo run).
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const README = readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');

/** The body of the first fenced block of `lang` after `marker`. */
export function blockAfter(marker: string, lang: string): string {
  const at = README.indexOf(marker);
  if (at < 0) throw new Error(`README has no "${marker}"`);
  const open = README.indexOf('```' + lang + '\n', at);
  const close = README.indexOf('\n```', open + 4 + lang.length);
  return README.slice(open + 4 + lang.length, close);
}

export const firstCommands = blockAfter('## The two commands', 'bash');
export const canaryExample = blockAfter('A healthy step', 'text').split('\n');
/** A verdict row of meshgate's canary table: verdict and metric (with its critical mark). */
export const VERDICT_ROW = /^(PASS|FAIL|INCONCLUSIVE) +(\S+(?: \*)?)/;
