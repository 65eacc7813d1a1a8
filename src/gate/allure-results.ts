// The direct engine's Allure results: written through allure-js-commons' own reporter SDK
// (ReporterRuntime + FileSystemWriter), fed the same runtime messages allure-js-commons sends from a
// vitest test (labels, description, attachments wrapped in steps), and named the way allure-vitest
// names a test (fullName, titlePath, package, fallback test case id), so a run's allure-results look
// the same to `meshgate report`, the checklist map and Allure whichever engine ran the checks.

import path from 'node:path';
import { Stage, Status, type StatusDetails } from 'allure-js-commons';
import type { RuntimeMessage } from 'allure-js-commons/sdk';
import {
  FileSystemWriter,
  ReporterRuntime,
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

  /** Writes the test's result file (and its attachments) into the results directory. */
  finish(outcome: AllureOutcome, details?: StatusDetails): void {
    this.results.write(this, this.messages, this.start, outcome, details);
  }
}

/** The allure-results directory of one run. */
export class AllureResults {
  private readonly runtime: ReporterRuntime;

  /** `root`: the package root the suites' files are named from (as allure-vitest names them). */
  constructor(
    resultsDir: string,
    private readonly root: string,
  ) {
    this.runtime = new ReporterRuntime({ writer: new FileSystemWriter({ resultsDir }) });
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
