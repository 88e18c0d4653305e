/**
 * Text from a store or a database (identifiers, tags, error messages that quote them) made safe to print on a
 * terminal: a table named "a\nb" or "x\x1b[2J" must not break a report's lines or drive the terminal.
 *
 * Control characters (C0, DEL, C1), the Unicode line and paragraph separators and the bidirectional
 * overrides and isolates are written as escapes: `\n`, `\r`, `\t`, `\xHH`, `\u{HHHH}`. Everything else,
 * Chinese and emoji included, is printed as it is. JSON output needs none of this (JSON.stringify escapes).
 */

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const UNSAFE_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function escape(ch: string): string {
  const named = NAMED[ch];
  if (named !== undefined) return named;
  const code = ch.codePointAt(0) ?? 0;
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u{${code.toString(16)}}`;
}

/** `text` on one line with every control character escaped: for identifiers, tags and other stored names. */
export function printable(text: string): string {
  return text.replace(UNSAFE, escape);
}

/**
 * `text` with control characters escaped except the line breaks it is made of: for messages whose lines are
 * meant (an error listing the paths it searched), where only what they quote may carry control characters.
 */
export function printableLines(text: string): string {
  return text.replace(UNSAFE_BUT_NEWLINE, escape);
}
