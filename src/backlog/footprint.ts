import picomatch from 'picomatch';
import { visibleText } from '../markdown.js';

/**
 * Footprints: the files an issue will likely touch, from what its text names, checked against
 * the repository tree. An entry is a path or a glob; conflicts are decided on expanded paths.
 */

const GLOB_CHARS = /[*?[\]{}]/;
/** Longest issue text we read for paths: a hostile body cannot make planning slow. */
export const MAX_SCANNED_CHARS = 64 * 1024;
/** More entries than this and the estimate is not a footprint but noise: use the fallback. */
export const MAX_FOOTPRINT_ENTRIES = 200;

export function isGlob(entry: string): boolean {
  return GLOB_CHARS.test(entry);
}

/** The repository's files, indexed once per dispatch; globs are expanded once per pattern. */
export class RepositoryTree {
  private readonly files: Set<string>;
  private readonly directories = new Set<string>();
  private readonly byBasename = new Map<string, string[]>();
  private readonly expansions = new Map<string, string[]>();
  private list: string[];

  constructor(paths: Iterable<string>) {
    this.files = new Set(paths);
    this.list = [...this.files];
    for (const path of this.files) this.index(path);
  }

  private index(path: string): void {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) this.directories.add(parts.slice(0, i).join('/'));
    const base = parts.at(-1)!;
    const same = this.byBasename.get(base);
    if (same) same.push(path);
    else this.byBasename.set(base, [path]);
  }

  get size(): number {
    return this.files.size;
  }

  has(path: string): boolean {
    return this.files.has(path);
  }

  hasDirectory(path: string): boolean {
    return path === '' || this.directories.has(path);
  }

  withBasename(name: string): string[] {
    return this.byBasename.get(name) ?? [];
  }

  /** Files planned but not yet in the tree take part in glob expansion too. */
  addPlanned(paths: Iterable<string>): void {
    let added = false;
    for (const path of paths) {
      if (isGlob(path) || this.files.has(path)) continue;
      this.files.add(path);
      this.index(path);
      added = true;
    }
    if (added) {
      this.list = [...this.files];
      this.expansions.clear();
    }
  }

  /** The paths an entry stands for: a glob's matches, or the path itself. */
  expand(entry: string): string[] {
    if (!isGlob(entry)) return [entry];
    let found = this.expansions.get(entry);
    if (!found) {
      const matches = picomatch(entry, { dot: true });
      found = this.list.filter((path) => matches(path));
      this.expansions.set(entry, found);
    }
    return found;
  }
}

export interface Footprint {
  /** Paths and globs, as recorded in claims and given to workers. */
  entries: string[];
  source: 'explicit' | 'names' | 'fallback';
  /** Text a reader of the issue does not see (a comment, say) named files that were not locked. */
  hiddenTextIgnored: boolean;
  /** Every path or glob the visible text names, in the tree or not (for protected paths). */
  named?: string[];
}

const PATHLIKE = /^(?:\.\/)?[\w@.+-]+(?:\/[\w@.+*?[\]{}-]+)*\/?$|^[\w@.+*?[\]{}-]+\.[\w*{}]+$/;

function clean(candidate: string): string | undefined {
  const value = candidate
    .trim()
    .replace(/^\.\//, '')
    .replace(/[.,;:]+$/, '');
  if (
    value === '' ||
    value.length > 200 ||
    /\s/.test(value) ||
    value.startsWith('/') ||
    value.includes('..')
  )
    return undefined;
  if (!PATHLIKE.test(value)) return undefined;
  // A bare word without a dot, a slash or a glob is a symbol, not a file.
  if (!value.includes('/') && !value.includes('.') && !isGlob(value)) return undefined;
  return value.endsWith('/') ? `${value}**` : value;
}

/** Paths written in backticks, in a `Files:` section, or spelled out as paths in the text. */
export function namedPaths(text: string): { explicit: string[]; mentioned: string[] } {
  const scanned = text.slice(0, MAX_SCANNED_CHARS);
  const explicit: string[] = [];
  for (const match of scanned.matchAll(/`([^`\n]{1,200})`/g)) {
    const path = clean(match[1]!);
    if (path) explicit.push(path);
  }
  const lines = scanned.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    if (
      !/^\s*(?:#+\s*)?(?:\*\*)?files(?:\*\*)?\s*:?\s*(?:\*\*)?\s*$/i.test(lines[i]!) &&
      !/^\s*files\s*:\s*\S/i.test(lines[i]!)
    )
      continue;
    const inline = /^\s*files\s*:\s*(\S.*)$/i.exec(lines[i]!);
    if (inline)
      for (const part of inline[1]!.split(/[\s,]+/)) {
        const path = clean(part.replace(/`/g, ''));
        if (path) explicit.push(path);
      }
    for (let j = i + 1; j < lines.length; j++) {
      const item = /^\s*[-*+]\s+(.+)$/.exec(lines[j]!);
      if (!item) break;
      const path = clean(item[1]!.replace(/`/g, '').split(/\s+/)[0] ?? '');
      if (path) explicit.push(path);
    }
  }
  const mentioned: string[] = [];
  for (const match of scanned.matchAll(
    /(?:^|[\s("'])((?:[\w@.+-]+\/)+[\w@.+-]+\.\w+|[\w@+-]+\.(?:[a-z]{1,5}))(?=$|[\s)"',;:!?]|\.(?:\s|$))/gm,
  )) {
    const path = clean(match[1]!);
    if (path) mentioned.push(path);
  }
  return { explicit: [...new Set(explicit)], mentioned: [...new Set(mentioned)] };
}

/**
 * The footprint of an issue: named paths and globs that exist in the tree (or are new files in an
 * existing folder), file names matched to the tree, and otherwise the coarse fallback. Only what a
 * reader of the issue sees counts, so text hidden from the people who approve an issue cannot
 * widen the lock it takes.
 */
export function estimateFootprint(
  title: string,
  body: string,
  tree: RepositoryTree,
  fallback: readonly string[],
): Footprint {
  const shownTitle = visibleText(title.slice(0, MAX_SCANNED_CHARS));
  const shownBody = visibleText(body.slice(0, MAX_SCANNED_CHARS));
  const shown = namedPaths(`${shownTitle.text}\n${shownBody.text}`);
  const named = [...new Set([...shown.explicit, ...shown.mentioned])];
  const footprint = { ...footprintFrom(shown, tree, fallback), named };
  const hidden = [...shownTitle.hidden, ...shownBody.hidden];
  if (hidden.length === 0) return { ...footprint, hiddenTextIgnored: false };
  // Said when counting the hidden text would have changed the footprint, not for every comment.
  const unseen = namedPaths(hidden.join('\n'));
  const withHidden = footprintFrom(
    {
      explicit: [...shown.explicit, ...unseen.explicit],
      mentioned: [...shown.mentioned, ...unseen.mentioned],
    },
    tree,
    fallback,
  );
  return {
    ...footprint,
    hiddenTextIgnored: withHidden.entries.join('\n') !== footprint.entries.join('\n'),
  };
}

function footprintFrom(
  { explicit, mentioned }: { explicit: string[]; mentioned: string[] },
  tree: RepositoryTree,
  fallback: readonly string[],
): Omit<Footprint, 'hiddenTextIgnored'> {
  const entries = new Set<string>();
  for (const path of [...explicit, ...mentioned]) {
    if (isGlob(path)) {
      if (tree.expand(path).length > 0) entries.add(path);
      continue;
    }
    if (tree.has(path)) {
      entries.add(path);
      continue;
    }
    if (path.includes('/')) {
      const folder = path.slice(0, path.lastIndexOf('/'));
      // A new file in a folder that exists is a file the issue will create.
      if (explicit.includes(path) && tree.hasDirectory(folder)) entries.add(path);
      continue;
    }
    const named = tree.withBasename(path);
    if (named.length > 0 && named.length <= 5) {
      for (const found of named) entries.add(found);
    }
  }
  if (entries.size > 0 && entries.size <= MAX_FOOTPRINT_ENTRIES) {
    const named = [...entries].some(
      (entry) => explicit.includes(entry) || mentioned.includes(entry),
    );
    return { entries: [...entries].sort(), source: named ? 'explicit' : 'names' };
  }
  return { entries: [...fallback], source: 'fallback' };
}

/**
 * A coarser footprint that locks at least the same paths, within `maxChars` of JSON: paths and
 * globs become their folders (`src/ui/**`), then top folders, then everything.
 */
export function coarsen(entries: readonly string[], maxChars: number): string[] {
  if (JSON.stringify(entries).length <= maxChars) return [...entries];
  for (let depth = 3; depth >= 1; depth--) {
    const folders = [
      ...new Set(
        entries.map((entry) => {
          const parts = entry.split('/');
          // Stop at the first part with a glob: everything below it may be matched.
          const fixed = parts.findIndex((part) => isGlob(part));
          const keep = Math.min(depth, fixed < 0 ? parts.length - 1 : fixed);
          return keep <= 0 ? '**' : `${parts.slice(0, keep).join('/')}/**`;
        }),
      ),
    ].sort();
    if (folders.includes('**')) return ['**'];
    if (JSON.stringify(folders).length <= maxChars) return folders;
  }
  return ['**'];
}
