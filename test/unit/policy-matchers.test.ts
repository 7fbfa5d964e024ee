import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { labelsMatch, matchesGlob, whenMatches } from '../../src/policy/matchers.ts';

describe('matchesGlob', () => {
  it.each([
    ['web-*', 'web-frontend', true],
    ['web-*', 'web-', true],
    ['web-*', 'api-web-1', false],
    ['web-*', 'web', false],
    ['*-blue', 'web-blue', true],
    ['web-?', 'web-1', true],
    ['web-?', 'web-12', false],
    ['a*b*c', 'aXbYbZc', true],
    ['a*b*c', 'aXbYc-', false],
    ['web.prod', 'webXprod', false], // `.` is literal, not a regex wildcard
    ['(a|b)', '(a|b)', true],
    ['*', '', true],
    ['', '', true],
    ['', 'x', false],
  ])('%s against %s is %s', (pattern, value, expected) => {
    expect(matchesGlob(pattern, value)).toBe(expected);
  });

  it('agrees with an anchored regex translation on generated input', () => {
    const toRegex = (p: string) =>
      new RegExp(`^${Array.from(p, (c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&'))).join('')}$`, 'su');
    const chars = fc.constantFrom('a', 'b', '-', '.', '*', '?');
    fc.assert(
      fc.property(fc.string({ unit: chars, maxLength: 8 }), fc.string({ unit: fc.constantFrom('a', 'b', '-', '.'), maxLength: 10 }), (pattern, value) => {
        expect(matchesGlob(pattern, value)).toBe(toRegex(pattern).test(value));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('label matching', () => {
  it('requires every listed label to carry one of its values', () => {
    expect(labelsMatch({ env: ['prod', 'production'], team: ['web'] }, { env: 'production', team: 'web', extra: 'x' })).toBe(true);
    expect(labelsMatch({ env: ['prod'], team: ['web'] }, { env: 'prod' })).toBe(false);
    expect(labelsMatch({}, {})).toBe(true);
  });

  it('compares alertname with the alert name and reads only own label properties', () => {
    expect(whenMatches({ alertname: 'HighCPU', service: 'web' }, { name: 'HighCPU', labels: { service: 'web' } })).toBe(true);
    expect(whenMatches({ alertname: 'HighCPU' }, { name: 'Other', labels: { alertname: 'HighCPU' } })).toBe(false);
    expect(whenMatches({ constructor: 'function Object() { [native code] }' }, { name: 'x', labels: {} })).toBe(false);
  });
});
