/**
 * The lines a change adds or modifies, by file, on the new side of a unified diff as git writes
 * it. Context lines and removals do not count; a deleted file, a binary file and a pure rename have
 * no changed lines. Paths are the new names without git's `b/` prefix.
 */
export function changedLines(unifiedDiff: string): Map<string, Set<number>> {
  const changed = new Map<string, Set<number>>();
  let file: Set<number> | undefined;
  let newLine = 0;
  // Hunk bodies are counted out, so that a removed line reading "--- x" is not taken for a header.
  let oldLeft = 0;
  let newLeft = 0;
  for (const line of unifiedDiff.split('\n')) {
    if (oldLeft > 0 || newLeft > 0) {
      const marker = line[0];
      if (marker === '+') {
        file?.add(newLine);
        newLine++;
        newLeft--;
        continue;
      }
      if (marker === '-') {
        oldLeft--;
        continue;
      }
      if (marker === ' ' || line === '') {
        newLine++;
        oldLeft--;
        newLeft--;
        continue;
      }
      if (marker === '\\') continue; // "\ No newline at end of file"
      oldLeft = newLeft = 0; // a hunk shorter than its header said: read on as headers
    }
    if (line.startsWith('diff --git ')) file = undefined;
    else if (line.startsWith('+++ ')) {
      const path = diffPath(line.slice(4));
      if (path === undefined) file = undefined;
      else {
        file = changed.get(path) ?? new Set<number>();
        changed.set(path, file);
      }
    } else if (line.startsWith('@@ ')) {
      const header = /^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(line);
      if (!header) continue;
      oldLeft = header[1] === undefined ? 1 : Number(header[1]);
      newLine = Number(header[2]);
      newLeft = header[3] === undefined ? 1 : Number(header[3]);
    } else if (line.startsWith('\\')) continue;
  }
  for (const [path, lines] of changed) if (lines.size === 0) changed.delete(path);
  return changed;
}

/** The path on a `+++` line: undefined for /dev/null; git's C-style quoting undone. */
function diffPath(raw: string): string | undefined {
  // git ends the name with a tab when it contains spaces (GNU diff adds a timestamp after it).
  let path = raw.replace(/\t.*$/, '');
  if (path.startsWith('"')) path = unquoteGitPath(path);
  if (path === '/dev/null') return undefined;
  return path.startsWith('b/') ? path.slice(2) : path;
}

/**
 * Undoes git's quoting of unusual names: `"b/caf\303\251.txt"` is `b/café.txt` in UTF-8. A name
 * that is not quoted comes back as it is.
 */
export function unquoteGitPath(quoted: string): string {
  if (!(quoted.startsWith('"') && quoted.endsWith('"') && quoted.length >= 2)) return quoted;
  const body = quoted.slice(1, -1);
  const bytes: number[] = [];
  const simple: Record<string, number> = {
    n: 10,
    t: 9,
    r: 13,
    '"': 34,
    '\\': 92,
    a: 7,
    b: 8,
    f: 12,
    v: 11,
  };
  for (let i = 0; i < body.length; i++) {
    const char = body[i]!;
    if (char !== '\\') {
      bytes.push(...Buffer.from(char, 'utf8'));
      continue;
    }
    const next = body[i + 1] ?? '';
    const octal = /^[0-7]{3}/.exec(body.slice(i + 1, i + 4));
    if (octal) {
      bytes.push(parseInt(octal[0], 8));
      i += 3;
    } else {
      bytes.push(simple[next] ?? next.charCodeAt(0));
      i += 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}
