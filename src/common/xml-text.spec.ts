import { describe, expect, it } from '@jest/globals';
import { xmlText } from './xml-text.js';

describe('xmlText', () => {
  it('escapes the five markup characters', () => {
    expect(xmlText(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('drops what XML 1.0 forbids and keeps tab, newlines and every other script', () => {
    expect(xmlText('a\u0000b\u0008c\u000Bd\u001Fe\uFFFEf\uFFFFg')).toBe('abcdefg');
    expect(xmlText('lone \uD800 and \uDC00 surrogates')).toBe('lone  and  surrogates');
    expect(xmlText('tab\tline\ncr\r entraînement 🚀 \u0085')).toBe('tab\tline\ncr\r entraînement 🚀 \u0085');
  });
});
