import { afterEach, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { edit, Scratch } from './support.js';

/** The text editor: confinement to the workspace, protected paths, and each command's contract. */

const scratch = new Scratch();
afterEach(() => scratch.cleanup());

function workspace() {
  const root = scratch.dir();
  writeFileSync(path.join(root, 'a.txt'), 'one\ntwo\nthree\nfour\nfive\n');
  mkdirSync(path.join(root, '.github', 'workflows'), { recursive: true });
  writeFileSync(path.join(root, '.github', 'workflows', 'ci.yml'), 'on: push\n');
  return { root, tools: scratch.developerTools({ root }) };
}

describe('paths are confined to the workspace', () => {
  it('refuses .. and says why', async () => {
    const { tools } = workspace();
    for (const bad of ['../x', 'src/../../x', 'a/..']) {
      const result = await edit(tools, { command: 'create', path: bad, file_text: 'x' });
      expect(result).toEqual({
        isError: true,
        content: expect.stringContaining("may not contain '..'"),
      });
    }
  });

  it('refuses absolute paths outside the root and accepts those inside', async () => {
    const { root, tools } = workspace();
    const outside = await edit(tools, { command: 'view', path: '/etc/passwd' });
    expect(outside.isError).toBe(true);
    expect(outside.content).toContain('outside the workspace');
    const sibling = await edit(tools, {
      command: 'create',
      path: `${root}-evil/x`,
      file_text: 'x',
    });
    expect(sibling.content).toContain('outside the workspace');
    expect(existsSync(`${root}-evil`)).toBe(false);
    const inside = await edit(tools, { command: 'view', path: path.join(root, 'a.txt') });
    expect(inside).toMatchObject({
      isError: false,
      content: expect.stringContaining('     2\ttwo'),
    });
  });

  it('refuses a symbolic link to a file or directory outside, and creating through a linked directory', async () => {
    const { root, tools } = workspace();
    const elsewhere = scratch.dir('ai-scrum-outside-');
    writeFileSync(path.join(elsewhere, 'secret.txt'), 'outside secret');
    symlinkSync('/etc/hostname', path.join(root, 'etc-link'));
    symlinkSync('/etc', path.join(root, 'etc-dir'));
    symlinkSync(elsewhere, path.join(root, 'out'));

    for (const input of [
      { command: 'view', path: 'etc-link' },
      { command: 'view', path: 'etc-dir' },
      { command: 'view', path: 'out/secret.txt' },
      { command: 'str_replace', path: 'out/secret.txt', old_str: 'outside', new_str: 'x' },
      { command: 'create', path: 'out/new.txt', file_text: 'x' },
      { command: 'create', path: 'out/deeper/new.txt', file_text: 'x' },
    ]) {
      const result = await edit(tools, input);
      expect(result.isError).toBe(true);
      expect(result.content).toContain('symbolic link');
    }
    expect(existsSync(path.join(elsewhere, 'new.txt'))).toBe(false);
    expect(existsSync(path.join(elsewhere, 'deeper'))).toBe(false);
    expect(readFileSync(path.join(elsewhere, 'secret.txt'), 'utf8')).toBe('outside secret');
  });

  it('refuses a dangling link, which a write would follow', async () => {
    const { root, tools } = workspace();
    const elsewhere = scratch.dir('ai-scrum-outside-');
    symlinkSync(path.join(elsewhere, 'planted'), path.join(root, 'dangling'));
    const result = await edit(tools, { command: 'create', path: 'dangling', file_text: 'x' });
    expect(result.isError).toBe(true);
    expect(existsSync(path.join(elsewhere, 'planted'))).toBe(false);
  });

  it('follows links that stay inside the workspace', async () => {
    const { root, tools } = workspace();
    symlinkSync(path.join(root, 'a.txt'), path.join(root, 'alias.txt'));
    const result = await edit(tools, { command: 'view', path: 'alias.txt', view_range: [1, 1] });
    expect(result).toMatchObject({ isError: false, content: expect.stringContaining('one') });
  });
});

describe("git's own directory", () => {
  it('refuses .git and anything under it, however it is spelt or reached', async () => {
    const { root, tools } = workspace();
    mkdirSync(path.join(root, '.git', 'hooks'), { recursive: true });
    writeFileSync(path.join(root, '.git', 'config'), '[core]\n');
    mkdirSync(path.join(root, 'sub', '.git'), { recursive: true });
    symlinkSync(path.join(root, '.git'), path.join(root, 'gitdir'));
    const attempts = [
      {
        command: 'insert',
        path: '.git/config',
        insert_line: 0,
        insert_text: '[core]\n\tfsmonitor = evil\n',
      },
      { command: 'create', path: '.git/hooks/pre-commit', file_text: 'evil' },
      { command: 'create', path: `${root}/.git/hooks/post-index-change`, file_text: 'evil' },
      { command: 'create', path: '.GIT/config', file_text: 'evil' },
      { command: 'create', path: 'sub/.git/config', file_text: 'evil' },
      { command: 'create', path: 'gitdir/hooks/pre-commit', file_text: 'evil' },
      { command: 'view', path: '.git/config' },
    ];
    for (const input of attempts) {
      const result = await edit(tools, input);
      expect([input.path, result.isError, result.content]).toEqual([
        input.path,
        true,
        expect.stringContaining('.git belongs to git'),
      ]);
    }
    expect(readFileSync(path.join(root, '.git', 'config'), 'utf8')).toBe('[core]\n');
    expect(existsSync(path.join(root, '.git', 'hooks', 'pre-commit'))).toBe(false);
    // A name that only starts like it is an ordinary file.
    expect(
      (await edit(tools, { command: 'create', path: '.gitignore', file_text: 'x\n' })).isError,
    ).toBe(false);
  });
});

describe('protected paths', () => {
  it('refuses create, str_replace and insert before anything is written', async () => {
    const { root, tools } = workspace();
    const ci = path.join(root, '.github', 'workflows', 'ci.yml');
    const attempts = [
      { command: 'create', path: '.github/workflows/new.yml', file_text: 'x' },
      { command: 'create', path: '.github/new-dir/x.yml', file_text: 'x' },
      {
        command: 'str_replace',
        path: '.github/workflows/ci.yml',
        old_str: 'push',
        new_str: 'pull_request_target',
      },
      { command: 'insert', path: '.github/workflows/ci.yml', insert_line: 0, insert_text: 'x' },
    ];
    for (const input of attempts) {
      const result = await edit(tools, input);
      expect(result).toEqual({ isError: true, content: expect.stringContaining('protected path') });
    }
    expect(readFileSync(ci, 'utf8')).toBe('on: push\n');
    expect(existsSync(path.join(root, '.github', 'workflows', 'new.yml'))).toBe(false);
    expect(existsSync(path.join(root, '.github', 'new-dir'))).toBe(false);
  });

  it('refuses a write through a link that lands in a protected path, and still allows reading', async () => {
    const { root, tools } = workspace();
    symlinkSync(path.join(root, '.github'), path.join(root, 'gh'));
    const result = await edit(tools, {
      command: 'create',
      path: 'gh/workflows/evil.yml',
      file_text: 'x',
    });
    expect(result.content).toContain('protected path');
    expect(existsSync(path.join(root, '.github', 'workflows', 'evil.yml'))).toBe(false);
    const view = await edit(tools, { command: 'view', path: '.github/workflows/ci.yml' });
    expect(view).toMatchObject({ isError: false, content: expect.stringContaining('on: push') });
  });
});

describe('commands', () => {
  it('views a range with line numbers, to the end with -1, and says what is wrong with a bad range', async () => {
    const { tools } = workspace();
    const range = await edit(tools, { command: 'view', path: 'a.txt', view_range: [2, 3] });
    expect(range.content.split('\n').slice(1)).toEqual(['     2\ttwo', '     3\tthree']);
    const toEnd = await edit(tools, { command: 'view', path: 'a.txt', view_range: [4, -1] });
    expect(toEnd.content.split('\n').slice(1)).toEqual(['     4\tfour', '     5\tfive']);
    const bad = await edit(tools, { command: 'view', path: 'a.txt', view_range: [9, 10] });
    expect(bad).toEqual({ isError: true, content: expect.stringContaining('between 1 and 5') });
    const backwards = await edit(tools, { command: 'view', path: 'a.txt', view_range: [3, 2] });
    expect(backwards.isError).toBe(true);
  });

  it('lists a directory two levels deep without hidden entries or node_modules', async () => {
    const { root, tools } = workspace();
    mkdirSync(path.join(root, 'src', 'deep', 'deeper'), { recursive: true });
    mkdirSync(path.join(root, 'node_modules', 'x'), { recursive: true });
    writeFileSync(path.join(root, 'src', 'deep', 'deeper', 'hidden-by-depth.ts'), '');
    writeFileSync(path.join(root, 'src', 'main.ts'), 'export {};\n');
    const result = await edit(tools, { command: 'view', path: '.' });
    expect(result.content).toContain('src/main.ts (11 bytes)');
    expect(result.content).toContain('src/deep/');
    const entries = result.content.split('\n').slice(1);
    expect(entries).toEqual(['a.txt (24 bytes)', 'src/', 'src/deep/', 'src/main.ts (11 bytes)']);
  });

  it('str_replace needs exactly one match and says how many it found', async () => {
    const { root, tools } = workspace();
    writeFileSync(path.join(root, 'dup.txt'), 'x = 1\ny = 2\nx = 1\n');
    const none = await edit(tools, {
      command: 'str_replace',
      path: 'dup.txt',
      old_str: 'z = 3',
      new_str: '',
    });
    expect(none).toEqual({ isError: true, content: expect.stringContaining('0 matches') });
    const two = await edit(tools, {
      command: 'str_replace',
      path: 'dup.txt',
      old_str: 'x = 1',
      new_str: 'x = 2',
    });
    expect(two).toEqual({ isError: true, content: expect.stringContaining('appears 2 times') });
    expect(two.content).toContain('lines 1, 3');
    expect(readFileSync(path.join(root, 'dup.txt'), 'utf8')).toBe('x = 1\ny = 2\nx = 1\n');
    const one = await edit(tools, {
      command: 'str_replace',
      path: 'dup.txt',
      old_str: 'y = 2',
      new_str: 'y = 3',
    });
    expect(one.isError).toBe(false);
    expect(one.content).toContain('     2\ty = 3');
    expect(readFileSync(path.join(root, 'dup.txt'), 'utf8')).toBe('x = 1\ny = 3\nx = 1\n');
  });

  it('inserts with insert_text or new_str', async () => {
    const { root, tools } = workspace();
    const newer = await edit(tools, {
      command: 'insert',
      path: 'a.txt',
      insert_line: 0,
      insert_text: 'zero',
    });
    expect(newer.isError).toBe(false);
    const older = await edit(tools, {
      command: 'insert',
      path: 'a.txt',
      insert_line: 6,
      new_str: 'six\n',
    });
    expect(older.isError).toBe(false);
    expect(readFileSync(path.join(root, 'a.txt'), 'utf8')).toBe(
      'zero\none\ntwo\nthree\nfour\nfive\nsix\n',
    );
    const beyond = await edit(tools, {
      command: 'insert',
      path: 'a.txt',
      insert_line: 99,
      insert_text: 'x',
    });
    expect(beyond).toEqual({ isError: true, content: expect.stringContaining('between 0') });
    const missing = await edit(tools, { command: 'insert', path: 'a.txt', insert_line: 1 });
    expect(missing.isError).toBe(true);
  });

  it('creates files with their directories; refuses undo_edit and unknown commands', async () => {
    const { root, tools } = workspace();
    const created = await edit(tools, {
      command: 'create',
      path: 'src/new/file.ts',
      file_text: 'export {};\n',
    });
    expect(created).toEqual({
      isError: false,
      content: expect.stringContaining('Created src/new/file.ts'),
    });
    expect(readFileSync(path.join(root, 'src', 'new', 'file.ts'), 'utf8')).toBe('export {};\n');
    expect((await edit(tools, { command: 'undo_edit', path: 'a.txt' })).content).toContain(
      'not supported',
    );
    expect((await edit(tools, { command: 'delete', path: 'a.txt' })).isError).toBe(true);
    expect((await edit(tools, { command: 'view' })).content).toContain('`path`');
  });

  it('truncates a long view with a marker and refuses binary files', async () => {
    const root = scratch.dir();
    writeFileSync(path.join(root, 'big.txt'), 'line\n'.repeat(10_000));
    writeFileSync(path.join(root, 'bin'), Buffer.from([1, 0, 2]));
    const tools = scratch.developerTools({ root, outputLimit: 500 });
    const view = await edit(tools, { command: 'view', path: 'big.txt' });
    expect(view.content.length).toBeLessThan(600);
    expect(view.content).toMatch(/\[… \d+ characters cut …\]/);
    expect((await edit(tools, { command: 'view', path: 'bin' })).content).toContain('binary');
  });

  it('declares both tools with the editor output limit', () => {
    const root = scratch.dir();
    expect(scratch.developerTools({ root, outputLimit: 1234 }).definitions()).toEqual([
      { type: 'bash_20250124', name: 'bash' },
      { type: 'text_editor_20250728', name: 'str_replace_based_edit_tool', max_characters: 1234 },
    ]);
  });
});
