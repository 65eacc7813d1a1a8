import { execFile } from 'node:child_process';
import { parseToolVersion, type ToolName, type ToolProbe } from '../checks/prereq/tools.ts';

const VERSION_ARGS: Record<ToolName, string[]> = {
  kubectl: ['version', '--client', '-o', 'json'],
  helm: ['version', '--short'],
  istioctl: ['version', '--remote=false', '-o', 'json'],
};

export const TOOL_TIMEOUT_MS = 15_000;

/** Runs `<tool> version` on this machine; a tool that is missing or fails is reported, not thrown. */
export function probeTool(name: ToolName, env: NodeJS.ProcessEnv = process.env): Promise<ToolProbe> {
  return new Promise((resolve) => {
    execFile(name, VERSION_ARGS[name], { env, timeout: TOOL_TIMEOUT_MS }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') return resolve({ name, found: false });
      if (err) {
        const why = (stderr || err.message).trim().split('\n')[0] ?? '';
        return resolve({
          name,
          found: true,
          error: `\`${name} ${VERSION_ARGS[name].join(' ')}\` failed: ${why}`,
        });
      }
      const version = parseToolVersion(name, stdout);
      resolve({ name, found: true, ...(version ? { version } : {}) });
    });
  });
}
