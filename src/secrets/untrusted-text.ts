// Text that comes from servers and plugins (names, messages, keys), made safe to show: control
// characters cannot drive a terminal, and markup cannot change a Markdown file.

/**
 * C0 and C1 control characters (ESC, CSI, BEL, CR, LF, ...), DEL, the Unicode line and paragraph
 * separators, and the bidirectional controls that can reorder what a terminal shows.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** `\n`, `\t`, `\u001b`...: each control character written as its JSON escape, visible and inert. */
export function escapeControlChars(text: string): string {
  return text.replace(CONTROL, (c) => {
    const json = JSON.stringify(c).slice(1, -1);
    return json.length > 1 ? json : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/** Markdown characters that can start a link, an image, HTML, emphasis, code or a table cell. */
const MARKUP = /[\\`*_[\]<>|~&]/g;
const WORD = /[A-Za-z0-9]/;

/**
 * Text for a Markdown paragraph or table cell: control characters escaped as in a terminal, markup
 * characters backslash-escaped (CommonMark shows `\<` as `<`), so that the text reads as written. An
 * underscore between two letters or digits (`HTTP_STATUS`) cannot start emphasis and is left as it is.
 */
export function escapeMarkdown(text: string): string {
  return escapeControlChars(text).replace(MARKUP, (c: string, at: number, all: string) =>
    c === '_' && WORD.test(all.charAt(at - 1)) && WORD.test(all.charAt(at + 1)) ? c : `\\${c}`,
  );
}

/** What JSON.stringify leaves as it is, and a terminal may still act on: DEL, C1 controls, separators, bidi. */
const UNESCAPED_BY_JSON = /[\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * JSON text made inert for a terminal: the characters above written as `\uXXXX`. They occur only inside
 * strings, so the text is still valid JSON with the same value.
 */
export function escapeJsonForTerminal(json: string): string {
  return json.replace(UNESCAPED_BY_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const HTML_SPECIAL: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Text for HTML content or a quoted attribute value: control characters escaped as in a terminal, and the
 * five characters that can open or close markup written as entities, so that the text reads as written.
 */
export function escapeHtml(text: string): string {
  return escapeControlChars(text).replace(/[&<>"']/g, (c) => HTML_SPECIAL[c] as string);
}

/**
 * JSON text for a `<script type="application/json">` element: `<`, `>` and `&` written as `\uXXXX`, so
 * that no `</script>` or `<!--` in a string can end the element. The value read back is the same.
 */
export function jsonForHtmlScript(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
