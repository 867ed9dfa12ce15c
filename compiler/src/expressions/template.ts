/** `${ }` templates inside YAML strings. */

export type TemplatePart = { text: string } | { source: string; offset: number /* of the first char of source within text */ };

/**
 * Splits a YAML string into text and `${ }` parts. The closing `}` is found by scanning the
 * expression as JavaScript (nested braces, strings and template literals count), so
 * `${ {a: 1}.a }` and `${ "}" }` work. `$${` is a literal `${`. Sources are trimmed; offsets
 * point at their first character.
 */
export function splitTemplate(text: string): { parts: TemplatePart[] } | { error: string; offset: number } {
  const parts: TemplatePart[] = [];
  let buf = '';
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      buf += '${';
      i += 3;
      continue;
    }
    if (!text.startsWith('${', i)) {
      buf += text[i++];
      continue;
    }
    const end = findClose(text, i + 2);
    if (end < 0) return { error: "unclosed '${': add the closing '}'", offset: i };
    const inner = text.slice(i + 2, end);
    const lead = inner.length - inner.trimStart().length;
    const source = inner.trim();
    if (source === '') return { error: "empty expression '${ }'", offset: i };
    if (buf) parts.push({ text: buf });
    buf = '';
    parts.push({ source, offset: i + 2 + lead });
    i = end + 1;
  }
  if (buf || parts.length === 0) parts.push({ text: buf });
  return { parts };
}

/** Index of the `}` closing an expression that starts at `from`, or -1. */
function findClose(text: string, from: number): number {
  // A stack of open brackets and quotes; '${' marks code inside a template literal.
  const stack: string[] = [];
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    const top = stack[stack.length - 1];
    if (top === '"' || top === "'") {
      if (c === '\\') i++;
      else if (c === top) stack.pop();
      continue;
    }
    if (top === '`') {
      if (c === '\\') i++;
      else if (c === '`') stack.pop();
      else if (c === '$' && text[i + 1] === '{') {
        stack.push('${');
        i++;
      }
      continue;
    }
    if (c === '"' || c === "'" || c === '`') stack.push(c);
    else if (c === '{' || c === '(' || c === '[') stack.push(c);
    else if (c === '}') {
      if (stack.length === 0) return i;
      stack.pop();
    } else if (c === ')' || c === ']') stack.pop();
  }
  return -1;
}
