import { describe, expect, it } from 'vitest';
import { splitTemplate } from '../../compiler/src/expressions';

describe('splitTemplate', () => {
  it('returns plain text as one text part', () => {
    expect(splitTemplate('hello world')).toEqual({ parts: [{ text: 'hello world' }] });
    expect(splitTemplate('')).toEqual({ parts: [{ text: '' }] });
  });

  it('returns a lone expression as one source part, trimmed, located at its first character', () => {
    expect(splitTemplate('${ input.id }')).toEqual({ parts: [{ source: 'input.id', offset: 3 }] });
    expect(splitTemplate('${input.id}')).toEqual({ parts: [{ source: 'input.id', offset: 2 }] });
  });

  it('keeps surrounding whitespace as text, so the string interpolates', () => {
    expect(splitTemplate(' ${ a } ')).toEqual({ parts: [{ text: ' ' }, { source: 'a', offset: 4 }, { text: ' ' }] });
  });

  it('splits text and several expressions', () => {
    const text = 'Order ${ input.id } for ${input.customer}!';
    const split = splitTemplate(text);
    expect(split).toEqual({
      parts: [{ text: 'Order ' }, { source: 'input.id', offset: 9 }, { text: ' for ' }, { source: 'input.customer', offset: 26 }, { text: '!' }],
    });
    if ('parts' in split) {
      for (const p of split.parts) if ('source' in p) expect(text.slice(p.offset, p.offset + p.source.length)).toBe(p.source);
    }
  });

  it('matches nested braces, brackets and parentheses', () => {
    expect(splitTemplate('${ {a: 1}.a }')).toEqual({ parts: [{ source: '{a: 1}.a', offset: 3 }] });
    expect(splitTemplate('${ f({ x: [ { y: 1 } ] }) }!')).toEqual({ parts: [{ source: 'f({ x: [ { y: 1 } ] })', offset: 3 }, { text: '!' }] });
  });

  it('ignores braces inside string literals, with escapes', () => {
    expect(splitTemplate('${ "}" }')).toEqual({ parts: [{ source: '"}"', offset: 3 }] });
    expect(splitTemplate("${ '}' + '{' }")).toEqual({ parts: [{ source: "'}' + '{'", offset: 3 }] });
    expect(splitTemplate('${ "a\\"}" }')).toEqual({ parts: [{ source: '"a\\"}"', offset: 3 }] });
  });

  it('handles template literals with their own ${ } inside an expression', () => {
    expect(splitTemplate('${ `x${ {a: "}"}.a }y}` } tail')).toEqual({
      parts: [{ source: '`x${ {a: "}"}.a }y}`', offset: 3 }, { text: ' tail' }],
    });
  });

  it('treats $${ as a literal ${', () => {
    expect(splitTemplate('cost: $${ not an expr }')).toEqual({ parts: [{ text: 'cost: ${ not an expr }' }] });
    expect(splitTemplate('$${a} ${ b }')).toEqual({ parts: [{ text: '${a} ' }, { source: 'b', offset: 9 }] });
  });

  it('keeps a lone $ and { as text', () => {
    expect(splitTemplate('$5 {x} $')).toEqual({ parts: [{ text: '$5 {x} $' }] });
  });

  it('reports an unclosed ${ at its position', () => {
    expect(splitTemplate('abc ${ input.x')).toEqual({ error: "unclosed '${': add the closing '}'", offset: 4 });
    expect(splitTemplate('${ "}')).toEqual({ error: "unclosed '${': add the closing '}'", offset: 0 });
    expect(splitTemplate('${ {a: 1 }')).toEqual({ error: "unclosed '${': add the closing '}'", offset: 0 });
  });

  it('reports an empty ${ }', () => {
    expect(splitTemplate('x ${   }')).toEqual({ error: "empty expression '${ }'", offset: 2 });
  });
});
