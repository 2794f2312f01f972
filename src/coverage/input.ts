import { StringDecoder } from 'node:string_decoder';
import type { CoverageReport, ParseOptions } from './types.js';

/** A report's bytes as they arrive, in chunks of any size. */
export type ReportInput = AsyncIterable<Buffer>;

/** What every parser receives besides the bytes: the report's name for errors, and path options. */
export interface ParseContext extends Omit<ParseOptions, 'format'> {
  name: string;
}

export type Parser = (input: ReportInput, context: ParseContext) => Promise<CoverageReport>;

/**
 * Calls `onLine` for each line of the input with the bytes it lies in and its bounds (without the
 * `\n` or `\r\n`), so that hot parsers read numbers straight from the bytes instead of decoding
 * and slicing a string per line. A `\n` byte never occurs inside a UTF-8 character.
 */
export async function forEachLine(
  input: ReportInput,
  onLine: (bytes: Buffer, start: number, end: number, lineNumber: number) => void,
): Promise<number> {
  let carry: Buffer | undefined;
  let lineNumber = 0;
  const emit = (bytes: Buffer, start: number, newline: number) => {
    const end = newline > start && bytes[newline - 1] === 13 ? newline - 1 : newline;
    onLine(bytes, start, end, ++lineNumber);
  };
  for await (const chunk of input) {
    const bytes = carry ? Buffer.concat([carry, chunk]) : chunk;
    let start = 0;
    for (let newline = bytes.indexOf(10); newline !== -1; newline = bytes.indexOf(10, start)) {
      emit(bytes, start, newline);
      start = newline + 1;
    }
    carry = start < bytes.length ? bytes.subarray(start) : undefined;
  }
  if (carry) emit(carry, 0, carry.length);
  return lineNumber;
}

/** Decodes the input chunk by chunk, never splitting a UTF-8 character. */
export async function* decodeUtf8(input: ReportInput): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  for await (const chunk of input) {
    const text = decoder.write(chunk);
    if (text !== '') yield text;
  }
  const rest = decoder.end();
  if (rest !== '') yield rest;
}
