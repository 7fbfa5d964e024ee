// Splits `/infra-agent …` text into words, honouring quotes, so a reason or a label value may
// hold spaces: `pause env prod "db failover, do not touch"`. Pure.
//
// Rules (a small subset of POSIX shell, chosen for text people type into Slack):
// - words are separated by whitespace;
// - a quote opens a quoted part only at the start of a word, after `=` or right after another quoted part,
//   so apostrophes inside words ("don't", "it's") stay literal instead of opening a string that
//   never closes;
// - "…", '…' and Slack's typographic quotes “…” and ‘…’ (the Slack client and macOS turn straight
//   quotes into these) are closed by their own partner; inside, everything is literal;
// - adjacent parts join into one word, as in a shell: `env="prod eu"` is one word `env=prod eu`;
// - a quote left open is an error that says where it opened, never a guess.

export type Tokens = { ok: true; words: string[] } | { ok: false; error: string };

const CLOSERS: Record<string, string> = { '"': '"', "'": "'", '“': '”', '‘': '’', '„': '“' };

export function tokenize(text: string): Tokens {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  // A quoted part may follow a quoted part or start a word, not follow bare letters.
  let quoteMayOpen = true;
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      quoteMayOpen = true;
      i++;
      continue;
    }
    const closer = CLOSERS[ch];
    if (closer !== undefined && quoteMayOpen) {
      const end = text.indexOf(closer, i + 1);
      if (end < 0) {
        const shown = text.slice(i, i + 20);
        return { ok: false, error: `unbalanced quote: the ${ch} at character ${i + 1} (${shown}${text.length > i + 20 ? '…' : ''}) is never closed` };
      }
      word += text.slice(i + 1, end);
      inWord = true;
      i = end + 1;
      continue;
    }
    word += ch;
    inWord = true;
    // After `=`, a value may be quoted: `summary="disk full"`.
    quoteMayOpen = ch === '=';
    i++;
  }
  if (inWord) words.push(word);
  return { ok: true, words };
}
