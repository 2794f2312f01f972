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
 * Calls `onLine` for each line of the input with the text it lies in and its bounds, so that hot
 * parsers read numbers in place instead of slicing a string per line. Accepts `\n` and `\r\n`.
 */
export async function forEachLine(
  input: ReportInput,
  onLine: (text: string, start: number, end: number, lineNumber: number) => void,
): Promise<{ lines: number; endsWithNewline: boolean }> {
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let lineNumber = 0;
  const scan = (text: string, final: boolean) => {
    let start = 0;
    for (;;) {
      const newline = text.indexOf('\n', start);
      if (newline === -1) break;
      const end = newline > start && text.charCodeAt(newline - 1) === 13 ? newline - 1 : newline;
      onLine(text, start, end, ++lineNumber);
      start = newline + 1;
    }
    carry = start === 0 ? text : text.slice(start);
    if (final && carry !== '') {
      const end = carry.endsWith('\r') ? carry.length - 1 : carry.length;
      onLine(carry, 0, end, ++lineNumber);
    }
  };
  for await (const chunk of input) scan(carry + decoder.write(chunk), false);
  const endsWithNewline = carry === '';
  scan(carry + decoder.end(), true);
  return { lines: lineNumber, endsWithNewline };
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
