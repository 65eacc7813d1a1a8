import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// The JUnit schema Jenkins and GitLab accept, validated with libxml2's xmllint (Debian libxml2-utils,
// installed by .ci/run): a real validator, not a hand-written one.
const XSD = path.join(import.meta.dirname, 'fixtures/jenkins-junit.xsd');

export function validateJunit(xml: string): { ok: boolean; output: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'meshgate-junit-'));
  try {
    const file = path.join(dir, 'junit.xml');
    writeFileSync(file, xml);
    const res = spawnSync('xmllint', ['--noout', '--schema', XSD, file], { encoding: 'utf8' });
    if (res.error) throw new Error(`xmllint is needed (apt-get install libxml2-utils): ${res.error.message}`);
    return { ok: res.status === 0, output: `${res.stdout}${res.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The system Chromium (Debian `chromium`, /usr/bin/chromium, installed by .ci/run) driven by
 * playwright-core, which downloads no browser of its own. Flags keep it from calling home.
 */
export const CHROMIUM = process.env.MESHGATE_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
