/** Reading a workflow file's text: size limit, JSON syntax errors with line and column. */
import { parse as parseTolerant, printParseErrorCode, type ParseError } from 'jsonc-parser';
import type { Problem } from '../errors.js';

export interface Limits {
  /** Largest workflow file, in bytes. */
  readonly maxBytes: number;
  readonly maxNodes: number;
  /** Deepest nesting of objects and arrays anywhere in the document. */
  readonly maxDepth: number;
}

export const DEFAULT_LIMITS: Limits = { maxBytes: 10 * 1024 * 1024, maxNodes: 50_000, maxDepth: 64 };

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function sizeProblem(bytes: number, limits: Limits = DEFAULT_LIMITS): Problem | undefined {
  if (bytes <= limits.maxBytes) return undefined;
  return { pointer: '', message: `the file is ${megabytes(bytes)}; workflow files are limited to ${megabytes(limits.maxBytes)}` };
}

function lineAndColumn(text: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return `line ${line}, column ${offset - lineStart + 1}`;
}

const SYNTAX_MESSAGES: Record<string, string> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'invalid number',
  PropertyNameExpected: 'expected a property name in double quotes',
  ValueExpected: 'expected a value',
  ColonExpected: "expected ':'",
  CommaExpected: "expected ','",
  CloseBraceExpected: "expected '}'",
  CloseBracketExpected: "expected ']'",
  EndOfFileExpected: 'unexpected text after the end of the document',
  InvalidCommentToken: 'comments are not allowed in JSON',
  UnexpectedEndOfComment: 'unterminated comment',
  UnexpectedEndOfString: 'unterminated string',
  UnexpectedEndOfNumber: 'unterminated number',
  InvalidUnicode: 'invalid unicode escape',
  InvalidEscapeCharacter: 'invalid escape character',
  InvalidCharacter: 'invalid character in string',
};

/** Parses JSON text; on a syntax error, says where it is and what was expected. */
export function parseJsonText(text: string, limits: Limits = DEFAULT_LIMITS): { value?: unknown; problems: Problem[] } {
  const tooBig = sizeProblem(Buffer.byteLength(text), limits);
  if (tooBig) return { problems: [tooBig] };
  try {
    return { value: JSON.parse(text), problems: [] };
  } catch (error) {
    // NOTE: V8's messages lack a position in some cases; a second, tolerant parse locates the first error.
    const errors: ParseError[] = [];
    try {
      parseTolerant(text, errors, { disallowComments: true, allowTrailingComma: false });
    } catch {
      // a pathological document; fall back to V8's message below
    }
    const first = errors[0];
    if (text.trim() === '') return { problems: [{ pointer: '', message: 'the file is empty; a workflow is a JSON object' }] };
    if (!first) return { problems: [{ pointer: '', message: `not valid JSON: ${(error as Error).message}` }] };
    const code = printParseErrorCode(first.error);
    return { problems: [{ pointer: '', message: `not valid JSON at ${lineAndColumn(text, first.offset)}: ${SYNTAX_MESSAGES[code] ?? code}` }] };
  }
}
