// The direct engine's Allure results: built through allure-js-commons' own reporter SDK
// (ReporterRuntime, with a Writer of ours that keeps the files until the run's end), fed the same runtime messages allure-js-commons sends from a
// vitest test (labels, description, attachments wrapped in steps), and named the way allure-vitest
// names a test (fullName, titlePath, package, fallback test case id), so a run's allure-results look
// the same to `meshgate report`, the checklist map and Allure whichever engine ran the checks.

import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Stage, Status, type StatusDetails } from 'allure-js-commons';
import type { RuntimeMessage } from 'allure-js-commons/sdk';
import {
  ReporterRuntime,
  type Writer,
  getEnvironmentLabels,
  getFallbackTestCaseIdLabel,
  getFrameworkLabel,
  getHostLabel,
  getLanguageLabel,
  getPackageLabel,
  getPosixPath,
  getProjectName,
  getRelativePath,
  getSuiteLabels,
  getThreadLabel,
  md5,
} from 'allure-js-commons/sdk/reporter';
import type { Attachment } from '../report/evidence.ts';

/** How a check ended, in Allure's terms. */
export type AllureOutcome = 'passed' | 'failed' | 'broken' | 'skipped';

const STATUS: Record<AllureOutcome, Status> = {
  passed: Status.PASSED,
  failed: Status.FAILED,
  broken: Status.BROKEN,
  skipped: Status.SKIPPED,
};

/** One check's Allure test: a recorder while it runs (check-core's CheckRecorder), then written once. */
export class AllureTest {
  private readonly messages: RuntimeMessage[] = [];
  private readonly start = Date.now();

  constructor(
    private readonly results: AllureResults,
    readonly file: string,
    readonly suitePath: readonly string[],
    readonly name: string,
  ) {}

  label(name: string, value: string): void {
    this.messages.push({ type: 'metadata', data: { labels: [{ name, value }] } });
  }

  description(markdown: string): void {
    this.messages.push({ type: 'metadata', data: { description: markdown } });
  }

  attachment(name: string, body: string, contentType: Attachment['contentType']): void {
    this.messages.push({
      type: 'attachment_content',
      data: {
        name,
        content: Buffer.from(body, 'utf8').toString('base64'),
        encoding: 'base64',
        contentType,
        wrapInStep: true,
        timestamp: Date.now(),
      },
    });
  }

  /** Records the test's result (and its attachments), written by {@link AllureResults.flush}. */
  finish(outcome: AllureOutcome, details?: StatusDetails): void {
    this.results.write(this, this.messages, this.start, outcome, details);
  }
}

/**
 * The SDK's Writer, kept in memory and written once when the run ends. The SDK's FileSystemWriter
 * writes each file through a temporary file, fsync and rename, synchronously: ~140 files a run cost
 * 0.95 s of blocked event loop in a CPU profile of `verify` (docs/performance.md) — a second Ctrl-C
 * arriving then was handled late enough to count as a user insisting. The run directory is written
 * once and read after the run, like result.json (not fsynced either).
 */
class RunEndWriter implements Writer {
  private readonly files = new Map<string, string | Buffer>();

  writeResult(result: Parameters<Writer['writeResult']>[0]): void {
    this.files.set(`${result.uuid}-result.json`, JSON.stringify(result));
  }
  writeGroup(result: Parameters<Writer['writeGroup']>[0]): void {
    this.files.set(`${result.uuid}-container.json`, JSON.stringify(result));
  }
  writeAttachment(name: string, content: Buffer): void {
    this.files.set(name, content);
  }
  writeAttachmentFromPath(): void {
    // The checks attach content, never files; nothing of ours calls this.
    throw new Error('meshgate: attachments from a path are not supported');
  }
  writeEnvironmentInfo(): void {
    // environment.properties is the run directory's (src/report/allure-run.ts).
  }
  writeCategoriesDefinitions(): void {
    // categories.json likewise.
  }
  writeGlobals(name: string, info: Parameters<Writer['writeGlobals']>[1]): void {
    this.files.set(name, JSON.stringify(info));
  }

  /** Writes every file kept so far into `dir` and forgets them. */
  async flush(dir: string): Promise<void> {
    const files = [...this.files];
    this.files.clear();
    if (!files.length) return;
    await mkdir(dir, { recursive: true });
    await Promise.all(files.map(([name, body]) => writeFile(path.join(dir, name), body)));
  }
}

/** The allure-results directory of one run. */
export class AllureResults {
  private readonly runtime: ReporterRuntime;
  private readonly writer = new RunEndWriter();

  /** `root`: the package root the suites' files are named from (as allure-vitest names them). */
  constructor(
    private readonly resultsDir: string,
    private readonly root: string,
  ) {
    this.runtime = new ReporterRuntime({ writer: this.writer });
  }

  /** Writes the results of the checks that finished; call once the checks are over (or stopped). */
  flush(): Promise<void> {
    return this.writer.flush(this.resultsDir);
  }

  test(file: string, suitePath: readonly string[], name: string): AllureTest {
    return new AllureTest(this, file, suitePath, name);
  }

  write(
    test: AllureTest,
    messages: RuntimeMessage[],
    start: number,
    outcome: AllureOutcome,
    details: StatusDetails | undefined,
  ): void {
    const filepath = path.join(this.root, test.file);
    const project = getProjectName(this.root);
    const spec = getPosixPath(getRelativePath(filepath, this.root));
    const titled = [...test.suitePath, test.name].join(' ');
    const uuid = this.runtime.startTest({ name: test.name, start });
    this.runtime.updateTest(uuid, (r) => {
      r.fullName = `${project ? `${project}:` : ''}${spec}#${titled}`;
      const titlePath = [...spec.split('/'), ...test.suitePath];
      r.titlePath = project ? [project, ...titlePath] : titlePath;
      r.labels.push(
        // The framework that ran the check: the CLI itself, not vitest.
        getFrameworkLabel('meshgate'),
        getLanguageLabel(),
        ...getSuiteLabels(test.suitePath),
        ...getEnvironmentLabels(),
        getHostLabel(),
        getThreadLabel(),
        getFallbackTestCaseIdLabel(md5(`${spec}#${titled}`)),
        getPackageLabel(filepath, this.root),
      );
    });
    this.runtime.applyRuntimeMessages(uuid, messages);
    this.runtime.updateTest(uuid, (r) => {
      r.status = STATUS[outcome];
      r.stage = outcome === 'skipped' ? Stage.PENDING : Stage.FINISHED;
      if (details) r.statusDetails = details;
    });
    this.runtime.stopTest(uuid, { duration: Date.now() - start });
    this.runtime.writeTest(uuid);
  }
}
