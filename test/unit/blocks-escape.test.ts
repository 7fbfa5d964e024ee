import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeMrkdwn, safeCode, safeLink, safeText, slackDate, truncate, userMention } from '../../blocks/escape.ts';

describe('escapeMrkdwn', () => {
  it('disarms mentions, broadcasts and fake links', () => {
    expect(escapeMrkdwn('<!channel> <https://evil|click> & <@U123>')).toBe(
      '&lt;!channel&gt; &lt;https://evil|click&gt; &amp; &lt;@U123&gt;',
    );
  });

  it('escapes & first so entities are not double-decoded', () => {
    expect(escapeMrkdwn('&lt;')).toBe('&amp;lt;');
  });
});

describe('truncate', () => {
  it('leaves short text alone and marks a cut with …', () => {
    expect(truncate('hello', 5)).toBe('hello');
    expect(truncate('hello world', 6)).toBe('hello…');
    expect(truncate('hello', 0)).toBe('');
  });

  it('never cuts an entity in half', () => {
    // Cutting at 8 would keep 'abc &am'; the whole entity goes instead.
    expect(truncate('abc &amp; def', 8)).toBe('abc…');
    expect(truncate('&lt;&lt;&lt;', 7)).toBe('&lt;…');
  });

  it('never splits a surrogate pair', () => {
    expect(truncate('ab🔥cd', 4)).toBe('ab…');
  });

  it('bounds escaped output and never leaves a broken entity (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', '&', '<', '>', ' ', '🔥') }), fc.nat(60), (raw, max) => {
        const out = safeText(raw, max);
        expect(out.length).toBeLessThanOrEqual(max);
        const body = out.endsWith('…') ? out.slice(0, -1) : out;
        // Every & left must start a whole entity.
        expect(body.replace(/&(amp|lt|gt);/g, '')).not.toMatch(/[&<>]/);
      }),
    );
  });
});

describe('helpers', () => {
  it('userMention only mentions real-looking ids', () => {
    expect(userMention('U0AAA')).toBe('<@U0AAA>');
    expect(userMention('<!channel>')).toBe('&lt;!channel&gt;');
    expect(userMention('system')).toBe('system');
  });

  it('safeLink keeps only http(s) and names the host', () => {
    expect(safeLink('https://grafana.example/d/1?a=1&b=2', 'source')).toBe(
      '<https://grafana.example/d/1?a=1&amp;b=2|source (grafana.example)>',
    );
    expect(safeLink('javascript:alert(1)', 'x')).toBeNull();
    expect(safeLink('not a url', 'x')).toBeNull();
    expect(safeLink('https://evil.example/a|fake>label', 'x')).toBe('<https://evil.example/a%7Cfake%3Elabel|x (evil.example)>');
  });

  it('slackDate renders a localised date with an ISO fallback', () => {
    expect(slackDate(new Date('2024-05-01T10:00:00Z'))).toBe('<!date^1714557600^{date_short_pretty} {time}|2024-05-01T10:00:00.000Z>');
    expect(slackDate('2024-05-01T10:00:00Z')).toBe('<!date^1714557600^{date_short_pretty} {time}|2024-05-01T10:00:00.000Z>');
    expect(slackDate(new Date(Number.NaN))).toBe('an unknown time');
  });
});

describe('safeCode', () => {
  it('keeps untrusted text inside one code span: escaped, one line, cut, no backtick to close it', () => {
    expect(safeCode('a`b <!channel>\nnext', 100)).toBe('`aʹb &lt;!channel&gt; next`');
    expect(safeCode('x'.repeat(50), 10)).toHaveLength(12);
  });
});
