// Turns zod issues into file:line:column errors with messages that name what was expected.
import { z } from 'zod';
import { errorAt, formatPath } from './source.ts';
import type { DataPath, PolicyError, SourceFile } from './source.ts';

function describe(value: unknown): string {
  if (value === null) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `the ${typeof value} ${String(value)}`;
  return typeof value;
}

const expectedNames: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'a boolean',
  object: 'a map',
  record: 'a map',
  array: 'a list',
};

/** Per-parse error map: used for every check whose schema does not carry its own message. */
export const issueMessage: z.core.$ZodErrorMap = (iss) => {
  switch (iss.code) {
    case 'invalid_type':
      return `expected ${expectedNames[iss.expected] ?? iss.expected}, got ${describe(iss.input)}`;
    case 'invalid_value':
      return `expected one of: ${iss.values.map(String).join(', ')} (got ${describe(iss.input)})`;
    case 'too_small':
      if (iss.origin === 'array') return `must list at least ${iss.minimum} item(s)`;
      return `must be at least ${iss.minimum} (got ${describe(iss.input)})`;
    case 'too_big':
      if (iss.origin === 'array') return `must list at most ${iss.maximum} item(s)`;
      return `must be at most ${iss.maximum} (got ${describe(iss.input)})`;
    case 'invalid_key':
      // The key's own check carries the helpful text.
      return `invalid name ${JSON.stringify(String(iss.input))}: ${iss.issues[0]?.message ?? 'not allowed here'}`;
    default:
      return undefined; // zod's default text
  }
};

function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let s = schema;
  while (s instanceof z.ZodOptional || s instanceof z.ZodNullable || s instanceof z.ZodDefault) s = s.unwrap();
  return s;
}

/** The keys a strict object at `path` accepts, found by walking the schema along the path. */
function expectedKeys(schema: z.core.$ZodType, path: DataPath): string[] {
  let s = unwrap(schema);
  for (const seg of path) {
    if (s instanceof z.ZodObject) {
      const child: z.core.$ZodType | undefined = s.shape[String(seg)];
      if (!child) return [];
      s = unwrap(child);
    } else if (s instanceof z.ZodRecord) s = unwrap(s.valueType);
    else if (s instanceof z.ZodArray) s = unwrap(s.element);
    else return [];
  }
  return s instanceof z.ZodObject ? Object.keys(s.shape) : [];
}

function prefixed(path: DataPath, message: string): string {
  const where = formatPath(path);
  return where === '' ? message : `${where}: ${message}`;
}

const PROTO = '__proto__';

/**
 * zod's records silently drop a `__proto__` key instead of rejecting it, so the raw data is
 * scanned for it; an unknown key must never be ignored, least of all this one.
 */
export function protoKeyErrors(src: SourceFile, data: unknown, path: PropertyKey[] = []): PolicyError[] {
  if (typeof data !== 'object' || data === null) return [];
  return Object.entries(data).flatMap(([key, value]) => {
    const here = [...path, Array.isArray(data) ? Number(key) : key];
    const own = key === PROTO ? [errorAt(src, here, prefixed(path, `key '${PROTO}' is not allowed`), 'key')] : [];
    return [...own, ...protoKeyErrors(src, value, here)];
  });
}

/** One error per issue; an unknown-keys issue becomes one error per key, at that key. */
export function issuesToErrors(src: SourceFile, schema: z.core.$ZodType, issues: readonly z.core.$ZodIssue[]): PolicyError[] {
  return issues.flatMap((iss): PolicyError[] => {
    const path = iss.path;
    if (iss.code === 'unrecognized_keys') {
      const allowed = expectedKeys(schema, path).join(', ');
      // `__proto__` is reported by protoKeyErrors wherever it appears.
      return iss.keys.filter((key) => key !== PROTO).map((key) =>
        errorAt(src, [...path, key], prefixed(path, `unknown key '${key}' (expected one of: ${allowed})`), 'key'),
      );
    }
    if (iss.code === 'invalid_key') return [errorAt(src, path, prefixed(path.slice(0, -1), iss.message), 'key')];
    // A missing key: zod reports undefined input at the key's own path (as a wrong type, or as a
    // value outside an enum such as a requirement); point at the map lacking it.
    if ((iss.code === 'invalid_type' || iss.code === 'invalid_value') && iss.input === undefined && path.length > 0) {
      const parent = path.slice(0, -1);
      return [errorAt(src, path, prefixed(parent, `missing required key '${String(path.at(-1))}'`), 'parent')];
    }
    return [errorAt(src, path, prefixed(path, iss.message))];
  });
}
