// Achieved vs requested rate of the builtin load driver against a loopback server in a child
// process (its own event loop, as a real target would have). Prints figures only: timings depend on
// the machine and whatever else runs on it, so nothing here is asserted.
//   npm run bench                          # default rates
//   npm run bench -- 500 2000 --duration 5s
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { BuiltinRunner } from '../src/load/index.ts';
import { defaultProfile, type Profile } from '../src/profile/index.ts';

const SERVER = `
const http = require('node:http');
const server = http.createServer((req, res) => setTimeout(() => res.end('ok'), 2));
server.keepAliveTimeout = 30000;
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

const args = process.argv.slice(2);
const durationFlag = args.indexOf('--duration');
const duration = durationFlag >= 0 ? (args[durationFlag + 1] ?? '3s') : '3s';
const rates = args.filter((a, i) => /^\d+$/.test(a) && i !== durationFlag + 1).map(Number);

const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
const url = `http://127.0.0.1:${chunk.toString().trim()}`;
const profile: Profile = { ...defaultProfile, load: { ...defaultProfile.load, targetUrl: url, maxVUs: 256 } };

console.log(`builtin runner against ${url} (server answers after 2 ms), ${duration} per rate`);
console.log('requested/s  achieved/s  ratio   sent  dropped  p50 ms  p99 ms');
try {
  for (const rate of rates.length ? rates : [200, 1000, 2000, 4000]) {
    const r = await new BuiltinRunner().run({ step: 0, runId: `bench-${rate}`, rate, duration }, { profile });
    const achieved = r.achieved.rate ?? 0;
    console.log(
      [
        String(rate).padStart(11),
        achieved.toFixed(1).padStart(11),
        (achieved / rate).toFixed(3).padStart(6),
        String(r.achieved.requests).padStart(6),
        String(r.achieved.dropped ?? 0).padStart(8),
        (r.latencyMs.p50 ?? NaN).toFixed(2).padStart(7),
        (r.latencyMs.p99 ?? NaN).toFixed(2).padStart(7),
      ].join(' '),
    );
  }
} finally {
  child.kill();
}
