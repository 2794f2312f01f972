import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import path from 'node:path';
import { truncateMiddle } from './output.js';
import { resolveInside, ToolInputError, type ResolvedPath } from './paths.js';

/** What the text editor needs from its surroundings. */
export interface EditorContext {
  realRoot: string;
  isProtected: (relative: string) => boolean;
  outputLimit: number;
  /** Create files and directories group-writable (the user sandbox shares them through the group). */
  groupWritable?: boolean;
}

const SNIPPET_LINES = 4;

function requireString(input: Record<string, unknown>, field: string, command: string): string {
  const value = input[field];
  if (typeof value !== 'string') {
    throw new ToolInputError(
      `The \`${field}\` parameter (a string) is required for \`${command}\`.`,
    );
  }
  return value;
}

function numbered(lines: string[], firstLine: number): string {
  return lines.map((line, i) => `${String(firstLine + i).padStart(6)}\t${line}`).join('\n');
}

/** The path's stats; a path that does not exist is the model's mistake, said so. */
function existing(target: ResolvedPath, given: string): Stats {
  try {
    return statSync(target.real);
  } catch {
    throw new ToolInputError(`The path ${given} does not exist.`);
  }
}

function readText(target: ResolvedPath, given: string): string {
  if (existing(target, given).isDirectory()) {
    throw new ToolInputError(`The path ${given} is a directory; this command needs a file.`);
  }
  const bytes = readFileSync(target.real);
  if (bytes.includes(0)) {
    throw new ToolInputError(
      `${given} is a binary file (${bytes.length} bytes); it cannot be shown or edited as text.`,
    );
  }
  return bytes.toString('utf8');
}

function snippet(text: string, aroundLine: number, lineCount: number): string {
  const lines = text.split('\n');
  const start = Math.max(0, aroundLine - 1 - SNIPPET_LINES);
  const end = Math.min(lines.length, aroundLine - 1 + lineCount + SNIPPET_LINES);
  return numbered(lines.slice(start, end), start + 1);
}

export class TextEditor {
  constructor(private readonly context: EditorContext) {}

  run(input: Record<string, unknown>): string {
    const command = input.command;
    switch (command) {
      case 'view':
        return this.view(input);
      case 'str_replace':
        return this.strReplace(input);
      case 'create':
        return this.create(input);
      case 'insert':
        return this.insert(input);
      case 'undo_edit':
        throw new ToolInputError(
          '`undo_edit` is not supported: make the reverse edit with `str_replace`.',
        );
      default:
        throw new ToolInputError(
          `Unknown command ${JSON.stringify(command)}. Use one of view, str_replace, create, insert.`,
        );
    }
  }

  private resolve(input: Record<string, unknown>): { target: ResolvedPath; given: string } {
    const target = resolveInside(this.context.realRoot, input.path);
    return { target, given: input.path as string };
  }

  /** Refuses a write to a protected path before anything is written. */
  private resolveWritable(input: Record<string, unknown>, command: string) {
    const resolved = this.resolve(input);
    const realRelative = path
      .relative(this.context.realRoot, resolved.target.real)
      .split(path.sep)
      .join('/');
    if (
      this.context.isProtected(resolved.target.relative) ||
      this.context.isProtected(realRelative)
    ) {
      throw new ToolInputError(
        `Refused \`${command}\` on ${resolved.given}: it is a protected path, read-only for the developer agent. Nothing was changed.`,
      );
    }
    return resolved;
  }

  private write(real: string, text: string): void {
    const write = () => {
      mkdirSync(path.dirname(real), { recursive: true });
      writeFileSync(real, text);
    };
    if (this.context.groupWritable) withGroupWritableUmask(write);
    else write();
  }

  private view(input: Record<string, unknown>): string {
    const { target, given } = this.resolve(input);
    if (existing(target, given).isDirectory()) {
      if (input.view_range !== undefined) {
        throw new ToolInputError('`view_range` applies to files, not to directories.');
      }
      const entries = listTwoLevels(target.real);
      const body = entries.length > 0 ? entries.join('\n') : '(empty)';
      return truncateMiddle(
        `Files and directories up to 2 levels deep in ${given}, excluding hidden items and node_modules:\n${body}`,
        this.context.outputLimit,
      );
    }
    const text = readText(target, given);
    const lines = text.split('\n');
    if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
    let first = 1;
    let last = lines.length;
    if (input.view_range !== undefined) {
      const range = input.view_range;
      if (!Array.isArray(range) || range.length !== 2 || !range.every((n) => Number.isInteger(n))) {
        throw new ToolInputError(
          '`view_range` must be two integers [start, end] (1-based; end -1 means to the end).',
        );
      }
      const [start, end] = range as [number, number];
      if (start < 1 || start > lines.length) {
        throw new ToolInputError(
          `Invalid view_range: start ${start} must be between 1 and ${lines.length}, the file's number of lines.`,
        );
      }
      if (end !== -1 && end < start) {
        throw new ToolInputError(
          `Invalid view_range: end ${end} must be -1 or at least start ${start}.`,
        );
      }
      first = start;
      last = end === -1 ? lines.length : Math.min(end, lines.length);
    }
    const shown = numbered(lines.slice(first - 1, last), first);
    return truncateMiddle(
      `Here's the result of running \`cat -n\` on ${given}:\n${shown}`,
      this.context.outputLimit,
    );
  }

  private strReplace(input: Record<string, unknown>): string {
    const oldStr = requireString(input, 'old_str', 'str_replace');
    const newStr =
      input.new_str === undefined ? '' : requireString(input, 'new_str', 'str_replace');
    if (oldStr === '') throw new ToolInputError('`old_str` must not be empty.');
    const { target, given } = this.resolveWritable(input, 'str_replace');
    const text = readText(target, given);
    const positions: number[] = [];
    for (let at = text.indexOf(oldStr); at !== -1; at = text.indexOf(oldStr, at + 1))
      positions.push(at);
    if (positions.length === 0) {
      throw new ToolInputError(
        `No replacement was performed: old_str did not appear verbatim in ${given} (0 matches).`,
      );
    }
    if (positions.length > 1) {
      const lines = positions.map((at) => text.slice(0, at).split('\n').length);
      throw new ToolInputError(
        `No replacement was performed: old_str appears ${positions.length} times in ${given} (lines ${lines.join(', ')}). Include more context so that it is unique.`,
      );
    }
    const at = positions[0]!;
    const updated = text.slice(0, at) + newStr + text.slice(at + oldStr.length);
    this.write(target.real, updated);
    const line = text.slice(0, at).split('\n').length;
    return truncateMiddle(
      `The file ${given} has been edited. A snippet of the result:\n${snippet(updated, line, newStr.split('\n').length)}`,
      this.context.outputLimit,
    );
  }

  private create(input: Record<string, unknown>): string {
    const fileText = requireString(input, 'file_text', 'create');
    const { target, given } = this.resolveWritable(input, 'create');
    let existed = false;
    try {
      const stats = statSync(target.real);
      if (stats.isDirectory())
        throw new ToolInputError(`The path ${given} is a directory; give a file path.`);
      existed = true;
    } catch (error) {
      if (error instanceof ToolInputError) throw error;
    }
    this.write(target.real, fileText);
    return `${existed ? 'Overwrote' : 'Created'} ${given} (${fileText.split('\n').length} lines).`;
  }

  private insert(input: Record<string, unknown>): string {
    const field = input.insert_text !== undefined ? 'insert_text' : 'new_str';
    const insertText = requireString(input, field, 'insert');
    const line = input.insert_line;
    const { target, given } = this.resolveWritable(input, 'insert');
    const text = readText(target, given);
    const lines = text.split('\n');
    const trailingNewline = lines.length > 1 && lines[lines.length - 1] === '';
    if (trailingNewline) lines.pop();
    if (typeof line !== 'number' || !Number.isInteger(line) || line < 0 || line > lines.length) {
      throw new ToolInputError(
        `\`insert_line\` must be an integer between 0 (before the first line) and ${lines.length} (after the last line) for ${given}.`,
      );
    }
    const added = insertText.replace(/\n$/, '').split('\n');
    lines.splice(line, 0, ...added);
    const updated = lines.join('\n') + (trailingNewline || text === '' ? '\n' : '');
    this.write(target.real, updated);
    return truncateMiddle(
      `Inserted ${added.length} line(s) after line ${line} of ${given}. A snippet of the result:\n${snippet(updated, line + 1, added.length)}`,
      this.context.outputLimit,
    );
  }
}

/** Entries up to two levels below `dir`, skipping hidden ones and node_modules, with file sizes. */
function listTwoLevels(dir: string): string[] {
  const out: string[] = [];
  const walk = (current: string, prefix: string, depth: number) => {
    let names: string[];
    try {
      names = readdirSync(current).sort();
    } catch {
      return;
    }
    for (const name of names) {
      if (name.startsWith('.') || name === 'node_modules') continue;
      const full = path.join(current, name);
      let stats;
      try {
        stats = lstatSync(full);
      } catch {
        continue;
      }
      if (stats.isSymbolicLink()) {
        // Not followed: a link may point outside the workspace.
        out.push(`${prefix}${name} (symbolic link)`);
      } else if (stats.isDirectory()) {
        out.push(`${prefix}${name}/`);
        if (depth < 2) walk(full, `${prefix}${name}/`, depth + 1);
      } else {
        out.push(`${prefix}${name} (${stats.size} bytes)`);
      }
    }
  };
  walk(dir, '', 1);
  return out;
}

/**
 * Runs `write` with umask 002, so what it creates is group-writable. New directories inherit the
 * setgid bit and group from the workspace; a chmod afterwards would drop setgid when the runner is
 * not a member of the agent's group, so the mode is set at creation.
 */
function withGroupWritableUmask(write: () => void): void {
  const previous = process.umask(0o002);
  try {
    write();
  } finally {
    process.umask(previous);
  }
}
