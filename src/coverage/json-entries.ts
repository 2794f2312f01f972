import { CoverageError } from './errors.js';
import type { ParseContext, ReportInput } from './input.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;

type State = 'start' | 'key-or-end' | 'key' | 'colon' | 'value' | 'after-value' | 'done';

/**
 * Streams a JSON object whose entries are each small enough to parse alone (istanbul keeps one
 * entry per source file), handing each entry to `onEntry` as soon as it is complete. Memory thus
 * follows the largest entry, not the report. The scanner works on bytes: in UTF-8 no byte of a
 * multi-byte character looks like a quote, a brace or a bracket, and errors can give byte offsets.
 * An empty or blank input has no entries.
 */
export async function forEachJsonEntry(
  input: ReportInput,
  context: ParseContext,
  onEntry: (key: string, value: unknown, offset: number) => void,
): Promise<void> {
  let state: State = 'start';
  let offset = 0; // of the current chunk's first byte
  let keyParts: Buffer[] = [];
  let valueParts: Buffer[] = [];
  let valueStart = 0;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let key = '';
  let keyEscaped = false;
  const fail = (at: number, reason: string): never => {
    throw new CoverageError(context.name, { byte: at }, reason);
  };
  const finishValue = (chunk: Buffer, end: number) => {
    valueParts.push(chunk.subarray(0, end));
    const text = Buffer.concat(valueParts).toString('utf8');
    valueParts = [];
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      const at = /position (\d+)/.exec((error as Error).message);
      fail(valueStart + (at ? Number(at[1]) : 0), `the entry for "${key}" is not valid JSON`);
    }
    onEntry(key, value, valueStart);
  };

  for await (const chunk of input) {
    let valueFrom = 0;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]!;
      switch (state) {
        case 'value': {
          if (inString) {
            if (escaped) escaped = false;
            else if (byte === BACKSLASH) escaped = true;
            else if (byte === QUOTE) inString = false;
          } else if (byte === QUOTE) inString = true;
          else if (byte === 0x7b || byte === 0x5b) depth++;
          else if (byte === 0x7d || byte === 0x5d) {
            if (depth === 0) {
              // `}` closing the whole object after a scalar value
              finishValue(chunk.subarray(valueFrom), i - valueFrom);
              state = 'done';
            } else depth--;
          } else if (byte === COMMA && depth === 0) {
            finishValue(chunk.subarray(valueFrom), i - valueFrom);
            state = 'key-or-end';
          }
          // A container value is complete at the bracket that closes it.
          if (state === 'value' && depth === 0 && !inString && (byte === 0x7d || byte === 0x5d)) {
            finishValue(chunk.subarray(valueFrom), i + 1 - valueFrom);
            state = 'after-value';
          }
          break;
        }
        case 'key': {
          if (keyEscaped) keyEscaped = false;
          else if (byte === BACKSLASH) keyEscaped = true;
          else if (byte === QUOTE) {
            keyParts.push(chunk.subarray(valueFrom, i));
            key = JSON.parse(`"${Buffer.concat(keyParts).toString('utf8')}"`) as string;
            keyParts = [];
            state = 'colon';
          }
          break;
        }
        default: {
          if (byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09) break;
          if (state === 'start') {
            if (byte === 0xef && offset + i === 0) {
              i += 2; // a UTF-8 byte order mark
              break;
            }
            if (byte !== 0x7b) fail(offset + i, 'expected a JSON object');
            state = 'key-or-end';
          } else if (state === 'key-or-end') {
            if (byte === 0x7d) state = 'done';
            else if (byte === QUOTE) {
              state = 'key';
              valueFrom = i + 1;
            } else fail(offset + i, 'expected the name of an entry');
          } else if (state === 'colon') {
            if (byte !== COLON) fail(offset + i, `expected ':' after "${key}"`);
            state = 'value';
            valueStart = offset + i + 1;
            valueFrom = i + 1;
            depth = 0;
            inString = escaped = false;
          } else if (state === 'after-value') {
            if (byte === COMMA) state = 'key-or-end';
            else if (byte === 0x7d) state = 'done';
            else fail(offset + i, `expected ',' or '}' after the entry for "${key}"`);
          } else fail(offset + i, 'unexpected content after the end of the report');
        }
      }
    }
    if (state === 'value') valueParts.push(chunk.subarray(valueFrom));
    else if (state === 'key') keyParts.push(chunk.subarray(valueFrom));
    offset += chunk.length;
  }
  const end = state as State; // assigned in the loop, which the compiler does not follow
  if (end !== 'done' && end !== 'start')
    fail(
      offset,
      `the report ends inside ${end === 'value' ? `the entry for "${key}"` : 'the object'}: it looks truncated`,
    );
}
