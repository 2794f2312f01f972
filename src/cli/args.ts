import { parseArgs } from 'node:util';

/** What is wrong with a command line, as data; `describeArgsProblem` words it for people. */
export type ArgsProblem =
  | { kind: 'unknown-option'; option: string }
  | { kind: 'missing-value'; option: string }
  | { kind: 'flag-value'; option: string }
  | { kind: 'unexpected-argument'; argument: string };

export type ParsedArgs<Name extends string> =
  { values: Partial<Record<Name, string>>; positionals: string[] } | { problem: ArgsProblem };

/**
 * Reads `--name VALUE` / `--name=VALUE` options and up to `positionals` plain arguments. Node's
 * strict mode would throw with its own wording; its tokens let every problem carry the exact
 * spelling the user typed.
 */
export function parseCommandLine<Name extends string>(
  args: readonly string[],
  spec: { options: readonly Name[]; flags?: readonly Name[]; positionals: number },
): ParsedArgs<Name> {
  const flags = spec.flags ?? [];
  const { tokens } = parseArgs({
    args: [...args],
    options: Object.fromEntries([
      ...spec.options.map((name) => [name, { type: 'string' as const }]),
      ...flags.map((name) => [name, { type: 'boolean' as const }]),
    ]),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const values: Partial<Record<Name, string>> = {};
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') {
      if (positionals.length === spec.positionals)
        return { problem: { kind: 'unexpected-argument', argument: token.value } };
      positionals.push(token.value);
    } else if (token.kind === 'option') {
      const flag = flags.find((known) => known === token.name);
      if (flag !== undefined) {
        // `--live=false` reads as on to no one: a flag takes no value.
        if (token.value !== undefined)
          return { problem: { kind: 'flag-value', option: token.rawName } };
        values[flag] = 'true';
        continue;
      }
      const name = spec.options.find((known) => known === token.name);
      if (name === undefined) return { problem: { kind: 'unknown-option', option: token.rawName } };
      // `--fixture --port 1` would otherwise read "--port" as the fixture's file name.
      if (token.value === undefined || (!token.inlineValue && token.value.startsWith('-')))
        return { problem: { kind: 'missing-value', option: token.rawName } };
      values[name] = token.value;
    }
  }
  return { values, positionals };
}

export function describeArgsProblem(problem: ArgsProblem): string {
  switch (problem.kind) {
    case 'unknown-option':
      return `unknown option '${problem.option}'`;
    case 'missing-value':
      return `option '${problem.option}' needs a value`;
    case 'flag-value':
      return `option '${problem.option}' takes no value`;
    case 'unexpected-argument':
      return `unexpected argument '${problem.argument}'`;
  }
}

/** A mistake on the command line: one line that names it and says where the usage is. */
export function usageError(command: string | undefined, problem: string): string {
  // Help's own usage is one line; the list of commands helps more.
  const hint =
    command && command !== 'help'
      ? `Run 'ai-scrum help ${command}' for its usage.`
      : `Run 'ai-scrum help' for the commands.`;
  return `ai-scrum${command ? ` ${command}` : ''}: ${problem}. ${hint}`;
}

/** `-h` or `--help` anywhere before a `--` asks for a command's usage, whatever else is given. */
export function asksForHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((arg) => arg === '-h' || arg === '--help');
}
