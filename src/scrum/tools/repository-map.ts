import { lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';
import { git } from './git.js';
import { protectedMatcher } from './paths.js';

const DEFAULT_LIMIT = 2000;
const SKIPPED = new Set(['.git', 'node_modules']);

function skipped(relative: string): boolean {
  return relative.split('/').some((part) => SKIPPED.has(part));
}

/** Tracked and untracked-but-not-ignored files, or null outside a git repository. */
function gitFiles(root: string): string[] | null {
  const listed = git(root, ['ls-files', '-z', '--cached', '--others', '--exclude-standard']);
  if (listed.status !== 0) return null;
  return [...new Set(listed.stdout.split('\0').filter((file) => file !== ''))];
}

function walkFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (dir: string, prefix: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (SKIPPED.has(entry.name)) continue;
      const relative = prefix + entry.name;
      if (entry.isDirectory()) walk(path.join(dir, entry.name), `${relative}/`);
      else files.push(relative);
    }
  };
  walk(root, '');
  return files;
}

/** Characters a file name must not carry into a prompt as they are: control, invisible, bidi. */
const UNSAFE_NAME =
  // eslint-disable-next-line no-control-regex -- control characters are what is escaped
  /[\u0000-\u001F\u007F-\u009F"\\\u00AD\u061C\u180E\u200B-\u200F\u2028\u2029\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g;

/**
 * A file name as the map shows it: as it is when it is plain, else quoted with those characters
 * escaped (`"bad\nname"`), so a name cannot start a line of its own or read differently.
 */
export function displayName(file: string): string {
  if (file.match(UNSAFE_NAME) === null) return file;
  return `"${file.replace(UNSAFE_NAME, (char) =>
    char === '"' || char === '\\'
      ? `\\${char}`
      : `\\u${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`,
  )}"`;
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/**
 * The repository's files with their sizes, one a line, for the developer's prompt. Files of the
 * issue's footprint (paths or globs) are marked `*` and always listed; other files fill the list
 * up to `limit` lines in path order, and a last line says how many were left out.
 */
export function repositoryMap(
  root: string,
  options: { footprint: string[]; limit?: number },
): string {
  const limit = options.limit ?? DEFAULT_LIMIT;
  const files = (gitFiles(root) ?? walkFiles(root)).filter((file) => !skipped(file)).sort();
  const inFootprint =
    options.footprint.length > 0 ? picomatch(options.footprint, { dot: true }) : () => false;
  const sizes = new Map<string, number>();
  for (const file of files) {
    try {
      const stats = lstatSync(path.join(root, file));
      if (stats.isFile() || stats.isSymbolicLink()) sizes.set(file, stats.size);
    } catch {
      // Deleted in the work tree but still in the index: not there for the agent.
    }
  }
  const present = files.filter((file) => sizes.has(file));
  const marked = present.filter((file) => inFootprint(file));
  const others = present.filter((file) => !inFootprint(file));
  const shownOthers = others.slice(0, Math.max(0, limit - marked.length));
  const shown = new Set([...marked, ...shownOthers]);
  const total = present.reduce((sum, file) => sum + sizes.get(file)!, 0);
  const lines = [
    `${present.length} ${present.length === 1 ? 'file' : 'files'}, ${formatSize(total)}${marked.length > 0 ? `; * marks the issue's footprint (${marked.length})` : ''}`,
  ];
  for (const file of present) {
    if (shown.has(file))
      lines.push(
        `${marked.includes(file) ? '*' : ' '} ${displayName(file)} (${formatSize(sizes.get(file)!)})`,
      );
  }
  const left = present.length - shown.size;
  if (left > 0) {
    const leftBytes = others
      .slice(shownOthers.length)
      .reduce((sum, file) => sum + sizes.get(file)!, 0);
    lines.push(`… and ${left} more files (${formatSize(leftBytes)}) not listed`);
  }
  return lines.join('\n');
}

/**
 * Changed files under the protected globs: what `git status` shows in the work tree (modified,
 * added, deleted, renamed, untracked), plus, given `base`, everything that differs from that
 * commit — so commits the agent made itself are counted too. The bash tool cannot stop writes to
 * protected paths; this is the check the loop runs after a round. With `againstBaseOnly`, only
 * the difference from `base` counts (tracked files, new ones once added): while a merge of the
 * base is in progress, `git status` would also show what the base itself brought.
 */
export async function changedProtectedPaths(
  root: string,
  protectedPaths: string[],
  base?: string,
  options: { againstBaseOnly?: boolean } = {},
): Promise<string[]> {
  const isProtected = protectedMatcher(protectedPaths);
  const changed = new Set<string>();
  if (base !== undefined && options.againstBaseOnly) {
    git(root, ['add', '--all']);
  } else {
    collectStatus(root, changed);
  }
  if (base !== undefined) {
    const diff = git(root, ['diff', '--name-only', '-z', '--no-renames', base]);
    if (diff.status !== 0)
      throw new Error(`git diff ${base} failed in ${root}: ${diff.stderr.trim()}`);
    for (const file of diff.stdout.split('\0')) changed.add(file);
  }
  return [...changed].filter((file) => file !== '' && isProtected(file)).sort();
}

function collectStatus(root: string, changed: Set<string>): void {
  const status = git(root, ['status', '--porcelain=v1', '-z', '--untracked-files=all']);
  if (status.status !== 0) throw new Error(`git status failed in ${root}: ${status.stderr.trim()}`);
  const fields = status.stdout.split('\0');
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    if (field.length < 4) continue;
    changed.add(field.slice(3));
    // A rename or copy is followed by its source path.
    if (field[0] === 'R' || field[0] === 'C') changed.add(fields[++i] ?? '');
  }
}
