import { ConfigurationError } from '../errors.js';

/** Reads one raw input by name, as `core.getInput` does ('' when not given). */
export type InputSource = (name: string) => string;

/**
 * Typed access to an action's inputs. An empty input takes the action's default; a value that does
 * not parse fails with an error naming the input and the form expected, before anything is changed.
 */
export class Inputs<Name extends string> {
  constructor(
    private readonly source: InputSource,
    private readonly defaults: Readonly<Record<Name, string>>,
  ) {}

  /** The trimmed value, or the default. Defaults that are workflow expressions only apply in the runner. */
  raw(name: Name): string {
    const given = this.source(name).trim();
    if (given !== '') return given;
    const fallback = this.defaults[name];
    return fallback.includes('${{') ? '' : fallback;
  }

  string(name: Name, options: { required?: boolean } = {}): string {
    const value = this.raw(name);
    if (options.required && value === '') {
      throw new ConfigurationError(`Input '${name}' is required and was empty.`);
    }
    return value;
  }

  integer(name: Name, range: { min: number; max: number }): number {
    const value = this.raw(name);
    const parsed = /^[+-]?\d+$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(parsed) || parsed < range.min || parsed > range.max) {
      throw invalid(name, value, `a whole number from ${range.min} to ${range.max}`);
    }
    return parsed;
  }

  number(name: Name, range: { min: number; max: number }): number {
    const value = this.raw(name);
    const parsed = /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(value) ? Number(value) : NaN;
    if (!Number.isFinite(parsed) || parsed < range.min || parsed > range.max) {
      throw invalid(name, value, `a number from ${range.min} to ${range.max}`);
    }
    return parsed;
  }

  /** The YAML 1.2 core schema booleans, like `core.getBooleanInput`. */
  boolean(name: Name): boolean {
    const value = this.raw(name);
    if (['true', 'True', 'TRUE'].includes(value)) return true;
    if (['false', 'False', 'FALSE'].includes(value)) return false;
    throw invalid(name, value, 'true or false');
  }

  oneOf<const T extends string>(name: Name, allowed: readonly T[]): T {
    const value = this.raw(name);
    const match = allowed.find((candidate) => candidate === value);
    if (match === undefined) throw invalid(name, value, `one of ${allowed.join(', ')}`);
    return match;
  }

  /** Items separated by commas or new lines, trimmed, empty ones dropped. */
  list(name: Name): string[] {
    return this.raw(name)
      .split(/[,\n]/)
      .map((item) => item.trim())
      .filter((item) => item !== '');
  }

  /**
   * Label names in order, separated by commas or new lines. An empty entry (`a,,b`) is refused
   * rather than dropped: it is more likely a slip than a meaning.
   */
  labelList(name: Name): string[] {
    const value = this.raw(name);
    const items = entries(value);
    if (items.some((item) => item === '' || item.length > 50)) {
      throw invalid(
        name,
        value,
        'label names of up to 50 characters separated by commas or new lines, none of them empty',
      );
    }
    return items;
  }

  /** GitHub logins (`alice`, `my-app[bot]`) separated by commas or new lines. */
  logins(name: Name): string[] {
    const value = this.raw(name);
    const wrong = entries(value).find((item) => !GITHUB_LOGIN.test(item));
    if (wrong === '') {
      throw invalid(
        name,
        value,
        'GitHub logins separated by commas or new lines, none of them empty',
      );
    }
    if (wrong !== undefined) {
      throw invalid(
        name,
        value,
        `GitHub logins separated by commas or new lines; ${JSON.stringify(wrong)} is not one`,
      );
    }
    return entries(value);
  }

  /** Issue or pull request numbers such as `12, #14 15`. */
  issueNumbers(name: Name): number[] {
    const value = this.raw(name);
    const items = value.split(/[\s,]+/).filter((item) => item !== '');
    return items.map((item) => {
      const match = /^#?(\d{1,9})$/.exec(item);
      const number = match ? Number(match[1]) : 0;
      if (number < 1) throw invalid(name, value, 'issue numbers separated by commas or spaces');
      return number;
    });
  }

  /** A required value of a given form, such as a claim id. */
  matching(name: Name, pattern: RegExp, expected: string): string {
    const value = this.raw(name);
    if (!pattern.test(value)) throw invalid(name, value, expected);
    return value;
  }

  /** A label name as GitHub accepts it: 1 to 50 characters, no commas. */
  label(name: Name): string {
    const value = this.raw(name);
    if (value === '' || value.length > 50 || value.includes(',')) {
      throw invalid(name, value, 'a label name of 1 to 50 characters without commas');
    }
    return value;
  }
}

/** A GitHub login: a user's, or an app's bot as REST names it (`my-app[bot]`). */
const GITHUB_LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$/;

/** The entries of a list input; a comma followed by a line break is one separator. */
function entries(value: string): string[] {
  return value === '' ? [] : value.split(/\s*,\s*|\s*\n\s*/);
}

function invalid(name: string, value: string, expected: string): ConfigurationError {
  const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value;
  return new ConfigurationError(
    `Invalid input '${name}': ${JSON.stringify(shown)}. Expected ${expected}.`,
  );
}
