import { loadProfile } from '../../profile/index.ts';
import { DEFAULT_SERVICE_ACCOUNT, renderRbacYaml, type RoleName } from '../../permissions/index.ts';
import { ExitCode, type ExitCodeValue } from '../../report/index.ts';
import { profileOverrides, type GlobalOptions } from '../global-options.ts';
import type { Io } from '../output.ts';

const ROLES: readonly RoleName[] = ['read', 'traffic', 'probe', 'load', 'canary'];

export interface ConfigRbacOptions {
  serviceAccount?: string;
  roles?: string;
}

/**
 * `meshgate config rbac`: the RBAC manifests for the effective profile (its namespaces and object
 * names), from the same rules as deploy/kubernetes/rbac.yaml and prereq.permissions.
 */
export async function configRbac(
  global: GlobalOptions,
  opts: ConfigRbacOptions,
  io: Io,
): Promise<ExitCodeValue> {
  const roles = (opts.roles ?? 'read,traffic').split(',').map((r) => r.trim());
  const unknown = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (unknown.length) {
    io.err(`error: --roles ${unknown.join(', ')}: choose from ${ROLES.join(', ')}\n`);
    return ExitCode.Usage;
  }
  const [namespace, name, extra] = (
    opts.serviceAccount ?? `${DEFAULT_SERVICE_ACCOUNT.namespace}/${DEFAULT_SERVICE_ACCOUNT.name}`
  ).split('/');
  if (!namespace || !name || extra !== undefined) {
    io.err(
      `error: --service-account ${opts.serviceAccount}: write it as <namespace>/<name>, e.g. meshgate/meshgate\n`,
    );
    return ExitCode.Usage;
  }
  const { profile, file } = await loadProfile({
    configPath: global.config,
    overrides: profileOverrides(global),
  });
  io.out(
    renderRbacYaml(
      profile,
      { roles: roles as RoleName[], serviceAccount: { namespace, name } },
      ` meshgate config rbac --roles ${roles.join(',')} (profile: ${file ?? 'built-in defaults'})`,
    ),
  );
  return ExitCode.Pass;
}
