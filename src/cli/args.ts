// Flag parsing for subcommands: node's parseArgs, with its errors turned into one line a person
// can act on instead of a stack trace.
import { parseArgs } from 'node:util';
import type { ParseArgsOptionsConfig } from 'node:util';

export type Parsed<T extends ParseArgsOptionsConfig> = ReturnType<typeof parseArgs<{ options: T; allowPositionals: true; strict: true }>>;

export function parseFlags<T extends ParseArgsOptionsConfig>(args: string[], options: T): { ok: true; parsed: Parsed<T> } | { ok: false; error: string } {
  try {
    return { ok: true, parsed: parseArgs({ args, options, allowPositionals: true, strict: true }) };
  } catch (err) {
    // parseArgs messages are already specific ("Unknown option '--acount'"); drop the hint about `--`, meant for scripts.
    const message = err instanceof Error ? err.message.replace(/\s*To specify a positional argument.*$/s, '') : String(err);
    return { ok: false, error: message };
  }
}
