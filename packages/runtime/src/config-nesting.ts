/**
 * Deepest nesting a config may have. Real configs stay under ten levels; the YAML parser and
 * the validators recurse, so a file of a few thousand `[` would otherwise end in a stack
 * overflow (or worse) instead of a clear refusal.
 */
export const MAX_CONFIG_NESTING = 64;
/** Widest indentation accepted: block nesting grows the indent, so this bounds it too. */
export const MAX_CONFIG_INDENT = 512;

/**
 * Finds the first place where flow collections (`[`, `{`) nest deeper than the bound, or a line is
 * indented past MAX_CONFIG_INDENT, scanning the text once without parsing it. Quoted strings and
 * comments are skipped so that brackets inside them do not count.
 */
export function findExcessiveNesting(text: string): { line: number; column: number; message: string } | undefined {
  let depth = 0;
  let line = 1;
  let column = 0;
  let lineStart = true;
  let indent = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    column++;
    if (ch === '\n') {
      line++;
      column = 0;
      lineStart = true;
      indent = 0;
      continue;
    }
    if (lineStart) {
      if (ch === ' ') {
        indent++;
        if (indent > MAX_CONFIG_INDENT) return { line, column, message: `indented deeper than ${MAX_CONFIG_INDENT} columns` };
        continue;
      }
      lineStart = false;
    }
    if (ch === '#' && (i === 0 || /\s/.test(text[i - 1]!))) {
      const nl = text.indexOf('\n', i);
      if (nl < 0) break;
      column += nl - i - 1;
      i = nl - 1;
      continue;
    }
    if (ch === '"' || ch === "'") {
      // Skip the quoted scalar ("" escapes with \, '' escapes by doubling): its brackets are text.
      let j = i + 1;
      while (j < text.length) {
        const c = text[j]!;
        if (ch === '"' && c === '\\') j += 2;
        else if (c === ch && ch === "'" && text[j + 1] === "'") j += 2;
        else if (c === ch) break;
        else j++;
      }
      const skipped = text.slice(i, j);
      const newlines = skipped.split('\n').length - 1;
      if (newlines) {
        line += newlines;
        column = j - skipped.lastIndexOf('\n') - i;
      } else column += j - i;
      i = j;
      continue;
    }
    if (ch === '[' || ch === '{') {
      depth++;
      if (depth > MAX_CONFIG_NESTING) return { line, column, message: `nested deeper than ${MAX_CONFIG_NESTING} levels` };
    } else if ((ch === ']' || ch === '}') && depth > 0) depth--;
  }
  return undefined;
}
