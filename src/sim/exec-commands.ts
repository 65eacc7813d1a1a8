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
  /** A recorded scenario has no answer for this command: the command is not run at all. */
  notRecorded?: string;
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

/**
 * Runs a "command": the most specific PodExec that matches, or a shell's exit 127 for anything else;
 * in a recorded scenario (`ClusterProfile.spec.recorded`) anything else was not recorded.
 */
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
    if (state.profile.recorded !== undefined) {
      return {
        stdout: '',
        stderr: '',
        exitCode: 1,
        notRecorded: `exec [${request.command.join(' ')}] in container ${request.container} of pod ${request.namespace}/${request.pod} was not recorded in the snapshot (recorded ${state.profile.recorded.at})`,
      };
    }
    return { stdout: '', stderr: `${request.command[0] ?? ''}: command not found\n`, exitCode: 127 };
  }
  return { stdout: entry.stdout, stderr: entry.stderr, exitCode: entry.exitCode };
}

/**
 * The V1Status the kubelet sends on the error channel when the command ends; for a command a recording
 * does not hold, a Failure without exit code (the command never ran), as when the kubelet cannot start one.
 */
export function exitStatus(request: ExecRequest, result: ExecResult): JsonObject {
  const exitCode = result.exitCode;
  if (result.notRecorded !== undefined) {
    return { metadata: {}, status: 'Failure', message: result.notRecorded, reason: 'NotFound', code: 404 };
  }
  if (exitCode === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${request.command.join(' ')}], exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}
