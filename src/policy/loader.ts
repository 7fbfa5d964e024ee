// Loads the policy from a directory of YAML files (or one file). It reports every error in every
// file at once, each at the offending node, because a policy fix is a review cycle and finding
// problems one per round trip wastes it. Nothing partial is returned: any error means no policy.
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExecutorShape } from '../actions/executor.ts';
import { checkAndMerge } from './checks.ts';
import { issueMessage, issuesToErrors, protoKeyErrors } from './issues.ts';
import { PolicyFile } from './schema.ts';
import type { Policy } from './schema.ts';
import { parseSource } from './source.ts';
import type { PolicyError, SourceFile } from './source.ts';

export type { PolicyError } from './source.ts';

export interface PolicyLoadOptions {
  knownExecutors: readonly string[];
  knownDiagnoses: readonly string[];
  /** What each executor asks of its declaration (target kind, runbook); see check-actions.ts. */
  executorShapes?: Readonly<Record<string, ExecutorShape>>;
}

export type PolicyLoadResult = { ok: true; policy: Policy; files: string[] } | { ok: false; errors: PolicyError[] };

// Policies are small hand-written files; anything larger is a mistake, not a policy.
const MAX_FILE_BYTES = 1024 * 1024;
const POLICY_FILE = /\.ya?ml$/i;

function wholeFile(file: string, message: string): PolicyError {
  return { file, line: 0, column: 0, message };
}

function reason(err: unknown): string {
  return err instanceof Error && 'code' in err ? String(err.code) : String(err);
}

/** The policy files at `path`, sorted by name (byte order, so merge order never depends on locale). */
async function listFiles(path: string): Promise<{ files: string[] } | { error: PolicyError }> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    return { error: wholeFile(path, `cannot read policy path (${reason(err)})`) };
  }
  if (info.isFile()) return { files: [path] };
  if (!info.isDirectory()) return { error: wholeFile(path, 'policy path is neither a file nor a directory') };
  // Dotfiles are editor backups and lock files, never policy.
  const names = (await readdir(path)).filter((n) => POLICY_FILE.test(n) && !n.startsWith('.')).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const files: string[] = [];
  for (const name of names) {
    const file = join(path, name);
    if ((await stat(file).catch(() => null))?.isFile()) files.push(file);
  }
  if (files.length === 0) return { error: wholeFile(path, 'no policy files (*.yml or *.yaml) in this directory') };
  return { files };
}

async function readSource(file: string): Promise<{ source?: SourceFile; errors: PolicyError[] }> {
  let text: string;
  try {
    const info = await stat(file);
    if (info.size > MAX_FILE_BYTES) return { errors: [wholeFile(file, `policy file is larger than ${MAX_FILE_BYTES} bytes`)] };
    text = await readFile(file, 'utf8');
  } catch (err) {
    return { errors: [wholeFile(file, `cannot read policy file (${reason(err)})`)] };
  }
  const { source, errors } = parseSource(file, text);
  if (source.data === undefined) return { source, errors };
  // reportInput: a missing key is told apart from a wrong type by its undefined input.
  const result = PolicyFile.safeParse(source.data, { error: issueMessage, reportInput: true });
  const schemaErrors = result.success ? [] : issuesToErrors(source, PolicyFile, result.error.issues);
  return { source, errors: [...errors, ...schemaErrors, ...protoKeyErrors(source, source.data)] };
}

export async function loadPolicy(path: string, opts: PolicyLoadOptions): Promise<PolicyLoadResult> {
  const listed = await listFiles(path);
  if ('error' in listed) return { ok: false, errors: [listed.error] };
  const read = await Promise.all(listed.files.map(readSource));
  const errors = read.flatMap((r) => r.errors);
  // Cross-file checks only see files that parsed as YAML; a file with syntax errors is
  // already reported and its half-read content would only add noise.
  const sources = read.flatMap((r) => (r.source && r.source.data !== undefined ? [r.source] : []));
  const checked = checkAndMerge(sources, { ...opts, allFilesRead: sources.length === read.length });
  errors.push(...checked.errors);
  if (errors.length > 0) {
    const order = new Map(listed.files.map((f, i) => [f, i]));
    const rank = (e: PolicyError) => order.get(e.file) ?? -1;
    errors.sort((a, b) => rank(a) - rank(b) || a.line - b.line || a.column - b.column);
    return { ok: false, errors };
  }
  return { ok: true, policy: deepFreeze(checked.policy), files: listed.files };
}

// The loaded whitelist is shared by every request; nothing may change it after review.
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

/** One error per line: `file:line:col: message` (`file: message` for whole-file errors). */
export function formatPolicyErrors(errors: PolicyError[]): string {
  return errors.map((e) => (e.line > 0 ? `${e.file}:${e.line}:${e.column}: ${e.message}` : `${e.file}: ${e.message}`)).join('\n');
}
