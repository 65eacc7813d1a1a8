// The test harness itself: what CI relies on when it starts a real Prometheus.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createPrometheusClient, requireSingleValue } from '../../src/metrics/index.ts';
import {
  importOpenMetrics,
  INSTALL_HINT,
  needsOverlapFlag,
  requirePromtool,
  startPrometheus,
} from '../support/prometheus.ts';

const T = 1795946400; // 2026-11-29T10:00:00Z

describe('startPrometheus', () => {
  const original = process.env.PATH;
  afterEach(() => {
    process.env.PATH = original;
  });

  it('fails, never skips, when Prometheus is not installed, and says how to install it', async () => {
    process.env.PATH = '/nonexistent';
    await expect(startPrometheus({ openmetrics: '# EOF\n' })).rejects.toThrow(
      `prometheus is not on PATH: ${INSTALL_HINT}`,
    );
  });

  it('rejects millisecond timestamps before promtool misreads them', async () => {
    await expect(
      startPrometheus({ openmetrics: `# TYPE x gauge\nx 1 ${T * 1000}\n# EOF\n` }),
    ).rejects.toThrow(/looks like milliseconds/);
  });

  it('reports promtool errors', async () => {
    await expect(startPrometheus({ openmetrics: 'x{ 1 2\n# EOF\n' })).rejects.toThrow(
      /promtool could not import/,
    );
  });

  it('adds a missing # EOF, merges files that overlap in time, and cleans up on stop', async () => {
    const prom = await startPrometheus({
      openmetrics: [
        `# TYPE x gauge\nx{a="1"} 1 ${T}\nx{a="1"} 2 ${T + 30}`,
        `# TYPE x gauge\nx{a="1"} 3 ${T + 15}\nx{a="2"} 5 ${T + 15}\n# EOF\n`,
      ],
    });
    const client = createPrometheusClient({ url: prom.url });
    try {
      const at = new Date((T + 30) * 1000);
      expect(requireSingleValue(await client.query('count_over_time(x{a="1"}[1m])', at))).toBe(3);
      expect(requireSingleValue(await client.query('x{a="2"}', at))).toBe(5);
    } finally {
      await client.close();
      await prom.stop();
    }
    expect(existsSync(prom.dataDir)).toBe(false);
    const after = createPrometheusClient({ url: prom.url, timeoutMs: 500 });
    expect(await after.isOnline()).toBe(false);
    await after.close();
    await prom.stop();
  });

  it('serves blocks imported earlier (a bench cache) with large block windows, and keeps them on stop', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshgate-harness-cache-'));
    try {
      // Two days at 15 s: one promtool pass with 486 h windows.
      const lines = ['# TYPE y gauge'];
      for (let t = T - 2 * 86_400; t <= T; t += 15) lines.push(`y 1 ${t}`);
      writeFileSync(join(dir, 'in.om'), `${lines.join('\n')}\n# EOF\n`);
      const data = join(dir, 'data');
      await importOpenMetrics(await requirePromtool(), join(dir, 'in.om'), data, '486h');
      const prom = await startPrometheus({ tsdbDir: data });
      const client = createPrometheusClient({ url: prom.url });
      try {
        expect(requireSingleValue(await client.query('count_over_time(y[3d])', new Date(T * 1000)))).toBe(
          lines.length - 1,
        );
      } finally {
        await client.close();
        await prom.stop();
      }
      expect(prom.dataDir).toBe(data);
      expect(existsSync(data)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('needsOverlapFlag', () => {
  it('is true only before 2.39', () => {
    expect(needsOverlapFlag('prometheus, version 2.31.2+ds1 (branch: debian/sid)')).toBe(true);
    expect(
      needsOverlapFlag('prometheus, version 2.42.0+ds (branch: debian/sid, revision: 2.42.0+ds-5+deb12u1)'),
    ).toBe(false);
    expect(needsOverlapFlag('prometheus, version 3.5.0 (branch: HEAD)')).toBe(false);
  });
});
