import { lstatSync, realpathSync } from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';

/** A mistake of the model's (a bad path, a missing argument): shown to it as an error result. */
export class ToolInputError extends Error {
  override name = 'ToolInputError';
}

/** Where a path the model gave resolves inside the workspace. */
export interface ResolvedPath {
  /** The real path on disk (symbolic links resolved), inside the workspace. */
  real: string;
  /** The path relative to the workspace, with forward slashes, as the model addressed it. */
  relative: string;
}

function inside(root: string, candidate: string): boolean {
  return (
    candidate === root || candidate.startsWith(root.endsWith(path.sep) ? root : root + path.sep)
  );
}

function toPosix(relative: string): string {
  return relative.split(path.sep).join('/');
}

/**
 * Resolves a path the model gave (absolute, or relative to the workspace) to one inside the
 * workspace, or says why not. Symbolic links are resolved through the nearest existing ancestor,
 * so a file created through a linked directory is checked where it would really land.
 */
export function resolveInside(realRoot: string, given: unknown): ResolvedPath {
  if (typeof given !== 'string' || given.trim() === '') {
    throw new ToolInputError('The `path` parameter is required and must be a non-empty string.');
  }
  if (given.includes('\0')) throw new ToolInputError('The path contains a NUL character.');
  if (given.split(/[\\/]/).includes('..')) {
    throw new ToolInputError(
      `Refused ${given}: paths may not contain '..'. Give a path inside the workspace ${realRoot}.`,
    );
  }
  if (given.split(/[\\/]/).some(isGitDir)) throw gitRefusal(given);
  const lexical = path.resolve(realRoot, given);
  if (!inside(realRoot, lexical)) {
    throw new ToolInputError(
      `Refused ${given}: it is outside the workspace ${realRoot}; only files inside it can be used.`,
    );
  }
  const missing: string[] = [];
  let existing = lexical;
  for (;;) {
    let exists = true;
    try {
      lstatSync(existing);
    } catch {
      exists = false;
    }
    if (exists) break;
    missing.unshift(path.basename(existing));
    existing = path.dirname(existing);
  }
  let realExisting: string;
  try {
    realExisting = realpathSync(existing);
  } catch {
    throw new ToolInputError(
      `Refused ${given}: ${toPosix(path.relative(realRoot, existing)) || '.'} is a symbolic link whose target does not exist.`,
    );
  }
  const real = path.join(realExisting, ...missing);
  if (!inside(realRoot, real)) {
    throw new ToolInputError(
      `Refused ${given}: it resolves through a symbolic link to ${real}, outside the workspace ${realRoot}.`,
    );
  }
  // git's own directory, however reached (a symbolic link to it included), is not the agent's:
  // hooks and configuration there would run during our git commands.
  if (path.relative(realRoot, real).split(path.sep).some(isGitDir)) throw gitRefusal(given);
  const relative = toPosix(path.relative(realRoot, lexical)) || '.';
  if (relative.split('/').some(isGitDir)) throw gitRefusal(given);
  return { real, relative };
}

/** `.git` in any case: case-insensitive file systems treat `.GIT` as the same directory. */
function isGitDir(part: string): boolean {
  return part.toLowerCase() === '.git';
}

function gitRefusal(given: string): ToolInputError {
  return new ToolInputError(
    `Refused ${given}: .git belongs to git, not to the editor. Change the repository's files; use bash for read-only git commands (git status, git diff, git log).`,
  );
}

/** A test for paths relative to the workspace against the protected globs. */
export function protectedMatcher(globs: readonly string[]): (relative: string) => boolean {
  if (globs.length === 0) return () => false;
  const isMatch = picomatch([...globs], { dot: true });
  return (relative) => isMatch(relative);
}
