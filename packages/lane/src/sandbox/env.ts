/**
 * The environment an agent or a test command sees: a short allowlist of the
 * lane's own variables (PATH, locale, terminal) plus what the lane file names in
 * `env_allow`, HOME and TMPDIR inside the worktree, and never a proxy setting.
 */
import path from 'node:path';
import { BASE_ENV_ALLOWLIST, TMP_DIR_NAME } from '../defaults.js';

/** Any variable naming a proxy (http_proxy, HTTPS_PROXY, npm_config_proxy, GIT_PROXY_COMMAND, …). */
export function isProxyVariable(name: string): boolean {
  return /proxy/i.test(name);
}

export interface SandboxEnvOptions {
  worktree: string;
  /** Extra names from the lane file (`env_allow`). */
  allow?: readonly string[];
  /** Set by the lane itself (AGENTLANE_TASK_ID, …); win over inherited values. */
  extra?: Record<string, string>;
  /** The lane's own environment. @defaultValue process.env */
  source?: NodeJS.ProcessEnv;
}

export function sandboxEnv(options: SandboxEnvOptions): NodeJS.ProcessEnv {
  const source = options.source ?? process.env;
  const env: NodeJS.ProcessEnv = {};
  for (const name of [...BASE_ENV_ALLOWLIST, ...(options.allow ?? [])]) {
    if (isProxyVariable(name)) continue;
    const value = source[name];
    if (value !== undefined) env[name] = value;
  }
  env.PATH ??= '/usr/local/bin:/usr/bin:/bin';
  env.HOME = options.worktree;
  env.TMPDIR = path.join(options.worktree, TMP_DIR_NAME);
  for (const [name, value] of Object.entries(options.extra ?? {})) {
    if (!isProxyVariable(name)) env[name] = value;
  }
  return env;
}
