// What the demo prints: a header, one block per stage (what it is, the meshgate command, meshgate's
// own output indented, the outcome and time), progress lines from the router, and a final summary.
import { styleText } from 'node:util';
import { formatDuration } from '../src/core/index.ts';

export type Verdict = 'PASS' | 'FAIL' | 'INCONCLUSIVE' | 'ERROR' | 'INTERRUPTED';

type Style = Parameters<typeof styleText>[0];

export class Display {
  constructor(
    private readonly write: (text: string) => void,
    private readonly color: boolean,
  ) {}

  private paint(style: Style, text: string): string {
    return this.color ? styleText(style, text) : text;
  }

  verdict(v: Verdict): string {
    const style: Style = v === 'PASS' ? 'green' : v === 'INCONCLUSIVE' ? 'yellow' : 'red';
    return this.paint('bold', this.paint(style, v));
  }

  line(text = ''): void {
    this.write(`${text}\n`);
  }

  title(text: string): void {
    this.line(this.paint('bold', text));
  }

  info(text: string): void {
    this.line(`  ${this.paint('dim', '·')} ${text}`);
  }

  stage(index: string, name: string, purpose: string, command: string): void {
    this.line();
    this.line(this.paint('bold', `━━ [${index}] ${name}`) + this.paint('dim', ` — ${purpose}`));
    this.line(`  ${this.paint('cyan', `$ ${command}`)}`);
  }

  output(line: string): void {
    this.line(`  ${this.paint('dim', '│')} ${line}`);
  }

  outcome(verdict: Verdict, exitCode: number | null, ms: number, after: string): void {
    this.line(
      `  ${this.paint('dim', '└')} ${this.verdict(verdict)} (exit ${exitCode ?? '-'}) in ${formatDuration(ms)}${after ? ` — ${after}` : ''}`,
    );
  }
}

/** A plain text table: columns padded to the widest cell. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
