// `policy test [path]`: runs the policy's test cases (YAML in `tests/` beside the policy) and
// reports like a test runner. Exit 0 all passed, 1 some failed, 2 the policy or a case file is
// invalid — so CI on a policy repository can tell "the policy changed behaviour" from "broken".
import { readFile, readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { formatPolicyErrors } from '../policy/loader.ts';
import type { PolicyError } from '../policy/source.ts';
import { checkCaseReferences, runCases } from '../policy/test-case-runner.ts';
import type { CaseResult } from '../policy/test-case-runner.ts';
import { parseCaseFile } from '../policy/test-cases.ts';
import type { LocatedCase } from '../policy/test-cases.ts';
import { parseFlags } from './args.ts';
import { loadPolicyOrReport, policyPath } from './load-policy.ts';

export const TEST_USAGE = `usage: infra-agent policy test [path]
  runs the cases in <path>/tests/*.yml (for a policy file: tests/ beside it)`;

const CASE_FILE = /\.ya?ml$/i;
// Case files are hand-written; anything larger is a mistake.
const MAX_FILE_BYTES = 1024 * 1024;

/** Where the cases of the policy at `path` live. The loader reads only files directly in a policy directory, so `tests/` is never mistaken for policy. */
export async function testsDirectory(path: string): Promise<string> {
  const info = await stat(path).catch(() => null);
  return info?.isDirectory() ? join(path, 'tests') : join(dirname(path), 'tests');
}

async function listCaseFiles(dir: string): Promise<string[] | null> {
  const names = await readdir(dir).catch(() => null);
  if (names === null) return null;
  // Byte order, so the report order never depends on the locale; dotfiles are editor leftovers.
  return names.filter((n) => CASE_FILE.test(n) && !n.startsWith('.')).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((n) => join(dir, n));
}

async function readCases(files: readonly string[]): Promise<{ cases: LocatedCase[]; errors: PolicyError[] }> {
  const cases: LocatedCase[] = [];
  const errors: PolicyError[] = [];
  for (const file of files) {
    try {
      if ((await stat(file)).size > MAX_FILE_BYTES) {
        errors.push({ file, line: 0, column: 0, message: `test case file is larger than ${MAX_FILE_BYTES} bytes` });
        continue;
      }
      const parsed = parseCaseFile(file, await readFile(file, 'utf8'));
      cases.push(...parsed.cases);
      errors.push(...parsed.errors);
    } catch (err) {
      errors.push({ file, line: 0, column: 0, message: `cannot read test case file (${err instanceof Error && 'code' in err ? String(err.code) : String(err)})` });
    }
  }
  return { cases, errors };
}

export function formatResult(r: CaseResult): string[] {
  if (r.passed) return [`  ✓ ${r.name}`];
  return [
    `  ✗ ${r.name}`,
    `      at ${r.file}:${r.line}`,
    ...r.failures.map((f) => `      ${f}`),
    '      trace:',
    ...r.trace.map((t) => `        ${t}`),
  ];
}

export async function policyTestCommand(args: string[]): Promise<number> {
  const flags = parseFlags(args, {});
  if (!flags.ok || flags.parsed.positionals.length > 1) {
    console.error(`${flags.ok ? 'expected at most one policy path' : flags.error}\n\n${TEST_USAGE}`);
    return 2;
  }
  const path = policyPath(flags.parsed.positionals[0]);
  const loaded = await loadPolicyOrReport(path);
  if (!loaded) return 2;
  const dir = await testsDirectory(path);
  const files = await listCaseFiles(dir);
  if (files === null || files.length === 0) {
    console.error(`no policy test cases in ${dir} (*.yml or *.yaml); write some there — see "Policy test cases" in the README`);
    return 2;
  }
  const { cases, errors } = await readCases(files);
  errors.push(...checkCaseReferences(loaded.policy, cases));
  if (errors.length > 0) {
    const rank = new Map(files.map((f, i) => [f, i]));
    errors.sort((a, b) => (rank.get(a.file) ?? -1) - (rank.get(b.file) ?? -1) || a.line - b.line || a.column - b.column);
    console.error(formatPolicyErrors(errors));
    console.error(`\n${errors.length} error(s) in the test cases in ${dir}; no case was run`);
    return 2;
  }
  const results = runCases(loaded.policy, cases, new Date());
  let file = '';
  for (const r of results) {
    if (r.file !== file) console.log((file = r.file));
    console.log(formatResult(r).join('\n'));
  }
  const failed = results.filter((r) => !r.passed).length;
  console.log(`\n${results.length - failed} passed, ${failed} failed`);
  return failed > 0 ? 1 : 0;
}
