import { git } from './git.js';

/** `scheme://user:secret@host/…`, or any userinfo over HTTP(S) (`https://TOKEN@host/…`). */
const URL_USERINFO = /^(?:(https?:\/\/)[^/@\s]+@|([a-z][a-z0-9+.-]*:\/\/)[^/@\s:]*:[^/@\s]*@)/i;

function withoutUserinfo(url: string): string {
  return url.replace(URL_USERINFO, (_match, http?: string, other?: string) => http ?? other ?? '');
}

/** A key that carries or fetches credentials, whatever its value. */
function credentialKey(key: string): boolean {
  const lower = key.toLowerCase();
  return (
    (lower.startsWith('http.') && lower.endsWith('.extraheader')) ||
    lower.startsWith('credential.') ||
    // actions/checkout keeps its token in a separate file that the repository's config includes.
    lower.startsWith('include.') ||
    lower.startsWith('includeif.')
  );
}

/**
 * Removes credentials from the repository's own configuration (`git config --local`) before the
 * agent runs: `http.*.extraheader` (actions/checkout's persisted token), credential helpers,
 * included configuration files, and tokens in remote and `insteadOf` URLs. Returns one warning for
 * each thing removed, naming the key but never the secret.
 */
export function stripGitCredentials(root: string): string[] {
  const listed = git(root, ['config', '--local', '--null', '--list']);
  if (listed.status !== 0) return [];
  const warnings: string[] = [];
  const seen = new Set<string>();
  for (const entry of listed.stdout.split('\0')) {
    if (entry === '') continue;
    const newline = entry.indexOf('\n');
    const key = newline === -1 ? entry : entry.slice(0, newline);
    const value = newline === -1 ? '' : entry.slice(newline + 1);
    if (seen.has(key)) continue;
    if (credentialKey(key)) {
      seen.add(key);
      git(root, ['config', '--local', '--unset-all', key]);
      warnings.push(`Removed ${key} from the repository's git configuration (credentials).`);
      continue;
    }
    const lower = key.toLowerCase();
    if (lower.startsWith('url.') && URL_USERINFO.test(key.slice(4))) {
      seen.add(key);
      git(root, ['config', '--local', '--unset-all', key]);
      warnings.push(
        `Removed a url.<base>.${key.split('.').pop()} rule whose URL carried credentials.`,
      );
      continue;
    }
    if (URL_USERINFO.test(value)) {
      seen.add(key);
      git(root, ['config', '--local', '--replace-all', key, withoutUserinfo(value), '^.*@']);
      warnings.push(`Removed credentials from the URL in ${key}.`);
    }
  }
  return warnings;
}
