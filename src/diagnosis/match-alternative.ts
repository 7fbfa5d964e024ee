// Pure: which considered option a person means by "why not <text>?". People type "replace the
// instance", "do nothing" or "scale asg" for `replace-unhealthy-instance`, `do-nothing` and
// `scale-asg`, with typos; a wrong guess would teach the wrong reason, so an unclear or tied
// match is reported as no match and the answer lists every option instead.

export interface Option {
  name: string;
  summary: string;
}

export type OptionMatch = { kind: 'match'; index: number; exact: boolean } | { kind: 'none' };

// Below this score nothing is claimed; name hits score up to 1, summary hits at most SUMMARY_WEIGHT.
const THRESHOLD = 0.34;
const SUMMARY_WEIGHT = 0.7;
// Edit distance is quadratic: names and questions are short, longer text is cut.
const MAX_EDIT_LENGTH = 60;

const STOPWORDS = new Set(['the', 'a', 'an', 'and', 'or', 'to', 'of', 'it', 'this', 'that', 'one', 'just', 'instead', 'we', 'you', 'i', 'in', 'on', 'for', 'with', 'them', 'its']);

// Evidence is JSON from the database: a field an older snapshot lacks reads as no text.
const norm = (s: string | undefined): string => String(s ?? '').toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
const words = (s: string | undefined): string[] => norm(s).split(' ').filter((w) => w !== '' && !STOPWORDS.has(w));

/** Same word, or the same stem: "replacing" ~ "replace", "scaling" ~ "scale". */
function sameWord(a: string, b: string): boolean {
  if (a === b) return true;
  const shorter = Math.min(a.length, b.length);
  if (shorter < 4) return false;
  let common = 0;
  while (common < shorter && a[common] === b[common]) common++;
  return common >= 4 && common >= shorter - 2;
}

function editDistance(a: string, b: string): number {
  const x = a.slice(0, MAX_EDIT_LENGTH);
  const y = b.slice(0, MAX_EDIT_LENGTH);
  let row = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const next = [i];
    for (let j = 1; j <= y.length; j++) {
      next[j] = Math.min((row[j] ?? 0) + 1, (next[j - 1] ?? 0) + 1, (row[j - 1] ?? 0) + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[y.length] ?? 0;
}

/** Share of the words (of the longer side) that the other side has too. */
function overlap(asked: string[], other: string[], denominator: number): number {
  if (asked.length === 0 || other.length === 0) return 0;
  return asked.filter((w) => other.some((o) => sameWord(w, o))).length / denominator;
}

function nameScore(asked: string, name: string): number {
  const a = norm(asked);
  const n = norm(name);
  if (a === '' || n === '') return 0;
  if (a === n) return 1;
  const squash = (s: string) => s.replace(/ /g, '');
  if (squash(a) === squash(n)) return 1;
  const contained = Math.min(a.length, n.length) >= 3 && (n.includes(a) || a.includes(n)) ? 0.9 : 0;
  const aw = words(asked);
  const nw = words(name);
  const shared = overlap(aw, nw, Math.max(aw.length, nw.length)) * 0.8;
  const similarity = 1 - editDistance(a, n) / Math.max(a.length, n.length);
  return Math.max(contained, shared, similarity >= 0.75 ? similarity * 0.85 : 0);
}

/** The option `asked` names, by name first and by what it does second. */
export function matchOption(options: readonly Option[], asked: string): OptionMatch {
  const aw = words(asked);
  const scores = options.map((o) => Math.max(nameScore(asked, o.name), overlap(aw, words(o.summary), aw.length) * SUMMARY_WEIGHT));
  const best = Math.max(0, ...scores);
  if (best < THRESHOLD) return { kind: 'none' };
  const at = scores.flatMap((s, i) => (s === best ? [i] : []));
  if (at.length !== 1) return { kind: 'none' };
  const index = at[0]!;
  return { kind: 'match', index, exact: best === 1 };
}
