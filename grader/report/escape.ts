/**
 * Untrusted text made safe to print or store: student names, file names and failure messages
 * are text a submission chose, and a terminal obeys the escape sequences in it (clearing the
 * screen, drawing a fake summary), a line break forges a second line in any line-based format,
 * XML 1.0 cannot hold most control characters at all, and a spreadsheet runs a cell that starts
 * with `=`.
 *
 * @example A forged second summary line stays on the first
 * ```ts
 * import { escapeLine } from "./escape.ts";
 * const name = "bob\nmallory: 128/128 points (graded)\u001b[2J";
 * const line = escapeLine(name);
 * if (line.includes("\n") || line.includes("\u001b")) throw new Error(line);
 * if (line !== "bob\\nmallory: 128/128 points (graded)\\x1b[2J") throw new Error(line);
 * ```
 *
 * @module
 */

import { createHash } from "node:crypto";

const CONTROL =
  // deno-lint-ignore no-control-regex
  /[\u0000-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]/g;
const CONTROL_BUT_LINES =
  // deno-lint-ignore no-control-regex
  /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]/g;

/**
 * Half of a surrogate pair on its own: not a character, and strict JSON parsers (`jq`, and
 * perhaps a platform's) reject the `\udXXX` escape `JSON.stringify` writes for it.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function visible(char: string): string {
  if (char === "\n") return "\\n";
  if (char === "\r") return "\\r";
  if (char === "\t") return "\\t";
  const code = char.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16)}`;
}

/**
 * One line of text: every control character (line breaks, tabs, escape sequences, the Unicode
 * direction overrides and marks) and every unpaired surrogate written as a visible escape such
 * as `\n`, `\x1b` or `\ud83d`.
 *
 * @example
 * ```ts
 * import { escapeLine } from "./escape.ts";
 * if (escapeLine("a\tb\u202Ec") !== "a\\tb\\u202ec") throw new Error(escapeLine("a\tb\u202Ec"));
 * ```
 */
export function escapeLine(text: string): string {
  return text.replace(CONTROL, visible).replace(LONE_SURROGATE, visible);
}

/**
 * Several lines of text: line breaks and tabs are kept (`\r\n` and `\r` become `\n`), every
 * other control character and every unpaired surrogate is written as a visible escape.
 *
 * @example
 * ```ts
 * import { escapeLines } from "./escape.ts";
 * if (escapeLines("a\r\nb\u001b[31m") !== "a\nb\\x1b[31m") throw new Error("unexpected: escapeLines(\"a\\r\\nb\\u001b[31m\") !== \"a\\nb\\\\x1b[31m\"");
 * ```
 *
 * @example Half an emoji becomes text that every JSON parser reads; a whole one stays
 * ```ts
 * import { escapeLines } from "./escape.ts";
 * const text = escapeLines("\u{1F600} \uD83D!");
 * if (text !== "\u{1F600} \\ud83d!") throw new Error(`got ${JSON.stringify(text)}`);
 * if (!text.isWellFormed()) throw new Error("a lone surrogate is left");
 * ```
 */
export function escapeLines(text: string): string {
  return text.replace(/\r\n?/g, "\n").replace(CONTROL_BUT_LINES, visible)
    .replace(LONE_SURROGATE, visible);
}

/**
 * `text` cut to `limit` characters (with `…`), for untrusted text of any length; a cut never
 * splits a surrogate pair (an emoji), which would leave half of it alone.
 *
 * @example
 * ```ts
 * import { truncate } from "./escape.ts";
 * if (truncate("abcdef", 3) !== "abc…" || truncate("ab", 3) !== "ab") throw new Error("unexpected: truncate(\"abcdef\", 3) !== \"abc\u2026\" || truncate(\"ab\", 3) !== \"ab\"");
 * if (truncate("ab\u{1F600}", 3) !== "ab…") throw new Error("an emoji was cut in half");
 * ```
 */
export function truncate(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const high = /[\uD800-\uDBFF]/.test(text[limit - 1] ?? "");
  return `${text.slice(0, high ? limit - 1 : limit)}…`;
}

/**
 * Escapes text for XML attributes and content: markup characters become entities, and every
 * character XML 1.0 cannot hold (control characters, unpaired surrogates) a visible escape.
 *
 * @example
 * ```ts
 * import { escapeXml } from "./escape.ts";
 * if (escapeXml(`a<b & "c"\u0001`) !== "a&lt;b &amp; &quot;c&quot;\\x01") throw new Error("unexpected: escapeXml(`a<b & \"c\"\\u0001`) !== \"a&lt;b &amp; &quot;c&quot;\\\\x01\"");
 * ```
 */
export function escapeXml(text: string): string {
  return escapeLines(text)
    .replace(/[\uFFFE\uFFFF]/g, "\\ufffd")
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&apos;")
    .replaceAll("\n", "&#10;");
}

/**
 * One CSV field (RFC 4180): control characters escaped, quoted when it holds a comma, a
 * semicolon or a quote, and a field that a spreadsheet would run as a formula (`=`, `+`, `-`,
 * `@`) prefixed with `'`.
 *
 * @example
 * ```ts
 * import { csvField } from "./escape.ts";
 * if (csvField('a,"b"') !== '"a,""b"""' || csvField("=1+1") !== "'=1+1") throw new Error("unexpected: csvField('a,\"b\"') !== '\"a,\"\"b\"\"\"' || csvField(\"=1+1\") !== \"'=1+1\"");
 * // A spreadsheet that splits on ";" (a decimal-comma locale) must not find a formula cell:
 * if (csvField("x;=1+2") !== '"x;=1+2"') throw new Error(`unquoted: ${csvField("x;=1+2")}`);
 * if (csvField("x\ny") !== "x\\ny" || csvField(-1) !== "-1") throw new Error("unexpected: csvField(\"x\\ny\") !== \"x\\\\ny\" || csvField(-1) !== \"-1\"");
 * ```
 */
export function csvField(value: string | number): string {
  if (typeof value === "number") return String(value);
  let text = escapeLine(value);
  if (/^[=+\-@]/.test(text)) text = `'${text}`;
  // Quoted when it holds a separator some spreadsheet splits on (`,`; `;` where the decimal
  // comma is the locale's; tab), so that no part of it can start a cell of its own.
  return /[",;\t]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The longest name {@linkcode safeFileName} returns, in characters (all ASCII). */
export const SAFE_NAME_MAX = 160;

/**
 * A file name for a student's results that no name can abuse: letters, digits, `.`, `_` and
 * `-` are kept, every other character (and a leading `.`) is written as `%XX` of its UTF-8
 * bytes, so distinct names give distinct files. A name that would come out longer than
 * {@linkcode SAFE_NAME_MAX} characters is cut, and `~` and 16 hex digits of the SHA-256 of the
 * whole name are appended (`~` is never kept, so no shorter name comes out the same): the
 * extension and a writer's temporary suffix still fit the file system's 255 bytes (a 40-letter
 * Cyrillic name with an LMS's suffix made a temporary name too long, and stopped the batch;
 * sixteenth review).
 *
 * @example
 * ```ts
 * import { SAFE_NAME_MAX, safeFileName } from "./escape.ts";
 * if (safeFileName("ann lee") !== "ann%20lee" || safeFileName("../x") !== "%2E.%2Fx") {
 *   throw new Error(safeFileName("../x"));
 * }
 * const long = "Александра Константиновна Воскресенская_1234567_assignsubmission_file_";
 * const name = safeFileName(long);
 * if (name.length !== SAFE_NAME_MAX || !/~[0-9a-f]{16}$/.test(name)) {
 *   throw new Error(`not cut to ${SAFE_NAME_MAX} with a hash: ${name.length} ${name}`);
 * }
 * if (safeFileName(long.replace("1234567", "1234568")) === name) {
 *   throw new Error("two long names that differ after the cut gave one file name");
 * }
 * ```
 */
export function safeFileName(name: string): string {
  const bytes = new TextEncoder().encode(name);
  let out = "";
  bytes.forEach((byte, i) => {
    const char = String.fromCharCode(byte);
    const keep = byte < 0x80 && /[A-Za-z0-9_\-.]/.test(char) && !(i === 0 && char === ".");
    out += keep ? char : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  });
  if (out.length > SAFE_NAME_MAX) {
    const hash = createHash("sha256").update(bytes).digest("hex").slice(0, 16);
    out = `${out.slice(0, SAFE_NAME_MAX - hash.length - 1)}~${hash}`;
  }
  return out === "" ? "%00" : out;
}
