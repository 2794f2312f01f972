/**
 * The developer agent's environment: an allowlist of the runner's variables, never its
 * credentials. Anything not listed here is dropped, whatever its name.
 */

/** Variables passed through when set: locale, terminal, and where toolchains are installed. */
const ALLOWED = new Set([
  'PATH',
  'LANG',
  'LANGUAGE',
  'TZ',
  'TERM',
  'CI',
  // Repositories' setup steps set it (a memory limit, an experimental flag) for their tests.
  'NODE_OPTIONS',
  'JAVA_HOME',
  'GOROOT',
  'GOPATH',
  'GOMODCACHE',
  'GOFLAGS',
  'GOTOOLCHAIN',
  'RUSTUP_HOME',
  'RUSTUP_TOOLCHAIN',
  'DOTNET_ROOT',
  'pythonLocation',
  'PYTHONPATH',
  'VIRTUAL_ENV',
  'PKG_CONFIG_PATH',
  'LD_LIBRARY_PATH',
]);

/** Families passed through: LC_ALL, LC_CTYPE…; setup-java's JAVA_HOME_17_X64… */
const ALLOWED_PREFIXES = ['LC_', 'JAVA_HOME_'];

/** A name that says credential is dropped even when allowlisted (defence in depth). */
const SECRET_NAME = /TOKEN|SECRET|KEY|PASSWORD|PASSWD|CREDENTIAL|AUTH|PRIVATE|COOKIE|SESSION/i;

/** Values shaped like credentials: GitHub and Anthropic tokens, AWS key ids, keys, URL userinfo. */
const SECRET_VALUE =
  /gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|sk-ant-[A-Za-z0-9_-]{10,}|AKIA[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY|[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/;

export interface SandboxDirs {
  /** The agent's HOME: an empty directory, never the runner's. */
  home: string;
  /** The agent's TMPDIR. */
  tmp: string;
  /** An empty file used as git's global configuration. */
  gitConfigGlobal: string;
}

function allowed(name: string, value: string): boolean {
  if (!ALLOWED.has(name) && !ALLOWED_PREFIXES.some((prefix) => name.startsWith(prefix))) {
    return false;
  }
  return !SECRET_NAME.test(name) && !SECRET_VALUE.test(value);
}

/**
 * The allowlisted part of `env`, plus settings that keep git without credentials or prompts.
 * Given `dirs`, HOME and TMPDIR point into them; without, HOME is left unset and git's global
 * configuration is /dev/null.
 */
export function scrubbedEnv(env: NodeJS.ProcessEnv, dirs?: SandboxDirs): NodeJS.ProcessEnv {
  const result: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && allowed(name, value)) result[name] = value;
  }
  result.PATH ??= '/usr/local/bin:/usr/bin:/bin';
  result.CI ??= 'true';
  result.TERM ??= 'dumb';
  result.PAGER = 'cat';
  result.GIT_PAGER = 'cat';
  result.GIT_TERMINAL_PROMPT = '0';
  result.GIT_CONFIG_NOSYSTEM = '1';
  result.GIT_CONFIG_GLOBAL = dirs?.gitConfigGlobal ?? '/dev/null';
  if (dirs) {
    result.HOME = dirs.home;
    result.TMPDIR = dirs.tmp;
  }
  return result;
}
