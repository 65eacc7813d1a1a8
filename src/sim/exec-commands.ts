import { badRequest, notFound } from './api-errors.ts';
import type { JsonObject } from './json.ts';
import { objectName } from './kube-object.ts';
import { allContainerNames, containerNames, mostSpecificFirst, targetsPod } from './pod-matching.ts';
import type { SimState } from './sim-state.ts';

export interface ExecRequest {
  namespace: string;
  pod: string;
  container: string;
  command: string[];
  stdout: boolean;
  stderr: boolean;
  stdin: boolean;
  tty: boolean;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/**
 * Validates an exec request as the API server does before it reaches the kubelet: the pod exists, a
 * command is given, and the container is one of the pod's (or, when omitted, the pod has only one).
 */
export function parseExecRequest(
  state: SimState,
  namespace: string,
  podName: string,
  query: URLSearchParams,
): ExecRequest {
  const pod = state.store.get('', 'Pod', namespace, podName);
  if (pod === undefined) throw notFound('', 'pods', podName);
  const command = query.getAll('command');
  if (command.length === 0) throw badRequest('you must specify at least 1 command');
  let container = query.get('container') ?? '';
  const names = allContainerNames(pod);
  if (container === '') {
    const main = containerNames(pod);
    if (main.length !== 1) {
      throw badRequest(
        `a container name must be specified for pod ${objectName(pod)}, choose one of: [${main.join(' ')}]`,
      );
    }
    container = main[0] ?? '';
  } else if (!names.includes(container)) {
    throw badRequest(`container ${container} is not valid for pod ${objectName(pod)}`);
  }
  const flag = (name: string) => query.get(name) === 'true' || query.get(name) === '1';
  return {
    namespace,
    pod: podName,
    container,
    command,
    stdout: flag('stdout'),
    stderr: flag('stderr'),
    stdin: flag('stdin'),
    tty: flag('tty'),
  };
}

/** Runs a "command": the most specific PodExec that matches, or a shell's exit 127 for anything else. */
export function runCommand(state: SimState, request: ExecRequest): ExecResult {
  const pod = state.store.get('', 'Pod', request.namespace, request.pod);
  const entry =
    pod === undefined
      ? undefined
      : mostSpecificFirst(state.podExecs).find((e) => {
          if (!targetsPod(e, pod)) return false;
          if (e.container !== undefined && e.container !== request.container) return false;
          if (e.match === 'prefix') {
            return (
              e.command.length <= request.command.length &&
              e.command.every((arg, i) => request.command[i] === arg)
            );
          }
          return (
            e.command.length === request.command.length &&
            e.command.every((arg, i) => request.command[i] === arg)
          );
        });
  if (entry === undefined) {
    return { stdout: '', stderr: `${request.command[0] ?? ''}: command not found\n`, exitCode: 127 };
  }
  return { stdout: entry.stdout, stderr: entry.stderr, exitCode: entry.exitCode };
}

/** The V1Status the kubelet sends on the error channel when the command ends. */
export function exitStatus(request: ExecRequest, exitCode: number): JsonObject {
  if (exitCode === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${request.command.join(' ')}], exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}
