// The named entries of all policy files, collected in merge order (file order, then declared
// order), each with where it came from. Cross checks and the merge both read these. An entry
// keeps its raw data next to its parsed value so that checks can still look at a broken entry.
import type { z } from 'zod';
import { Action, ApproverGroup, Environment, Freeze, NAME_PATTERN, RequirementRow, Rule } from './schema.ts';
import type { MapSection } from './schema.ts';
import { errorAt, locate } from './source.ts';
import type { DataPath, PolicyError, SourceFile } from './source.ts';

export interface Entry<T> {
  /** '' for a list entry without a usable name (its schema error says so). */
  name: string;
  src: SourceFile;
  path: DataPath;
  /** Where the name is written: the map key, or a list item's `name` key. */
  namePath: DataPath;
  raw: unknown;
  /** null when the entry failed its own schema (already reported). */
  value: T | null;
}

export interface Entries {
  environments: Entry<Environment>[];
  approvers: Entry<ApproverGroup>[];
  requirements: Entry<RequirementRow>[];
  actions: Entry<Action>[];
  rules: Entry<Rule>[];
  freezes: Entry<Freeze>[];
}

export function asRecord(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/** An own field of a raw map; undefined for anything else. */
export function field(raw: unknown, key: string): unknown {
  const record = asRecord(raw);
  return record && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** The string items of a list field with their indexes; other items are schema errors already. */
export function stringItems(raw: unknown, key: string): [string, number][] {
  const list = field(raw, key);
  return Array.isArray(list) ? list.flatMap((v: unknown, i) => (typeof v === 'string' ? [[v, i] as [string, number]] : [])) : [];
}

function parsed<T>(schema: z.ZodType<T>, raw: unknown): T | null {
  const r = schema.safeParse(raw);
  return r.success ? r.data : null;
}

function collectMap<T>(sources: readonly SourceFile[], section: MapSection, schema: z.ZodType<T>): Entry<T>[] {
  return sources.flatMap((src) =>
    Object.entries(asRecord(field(src.data, section)) ?? {}).map(([name, raw]) => ({
      name,
      src,
      path: [section, name],
      namePath: [section, name],
      raw,
      // An entry under an invalid name is not merged (its name error is reported already).
      value: NAME_PATTERN.test(name) ? parsed(schema, raw) : null,
    })),
  );
}

function collectList<T>(sources: readonly SourceFile[], section: 'rules' | 'freezes', schema: z.ZodType<T>): Entry<T>[] {
  return sources.flatMap((src) => {
    const list = field(src.data, section);
    return (Array.isArray(list) ? list : []).map((raw: unknown, i) => {
      const name = field(raw, 'name');
      const usable = typeof name === 'string' && NAME_PATTERN.test(name);
      return { name: usable ? name : '', src, path: [section, i], namePath: [section, i, 'name'], raw, value: parsed(schema, raw) };
    });
  });
}

/** Entries in file order, then declared order: this order is the merge order. */
export function collect(sources: readonly SourceFile[]): Entries {
  return {
    environments: collectMap(sources, 'environments', Environment),
    approvers: collectMap(sources, 'approvers', ApproverGroup),
    requirements: collectMap(sources, 'requirements', RequirementRow),
    actions: collectMap(sources, 'actions', Action),
    rules: collectList(sources, 'rules', Rule),
    freezes: collectList(sources, 'freezes', Freeze),
  };
}

/** `file:line` of a node, as error messages and the policy's `origin` cite it. */
export function lineOf(src: SourceFile, path: DataPath): string {
  return `${src.file}:${locate(src, path, 'key').line}`;
}

export function where(e: Entry<unknown>): string {
  return lineOf(e.src, e.namePath);
}

/** How a list entry is named in messages: its name, or its position when it has none. */
export function label(e: Entry<unknown>): string {
  return e.name === '' ? `#${String(e.path[1])}` : e.name;
}

/** The first declaration of each name; later ones are duplicate errors. */
export function firstByName<T>(entries: readonly Entry<T>[]): Map<string, Entry<T>> {
  const first = new Map<string, Entry<T>>();
  for (const e of entries) if (e.name !== '' && !first.has(e.name)) first.set(e.name, e);
  return first;
}

export function duplicates(kind: string, entries: readonly Entry<unknown>[]): PolicyError[] {
  const first = firstByName(entries);
  return entries.flatMap((e) => {
    const seen = first.get(e.name);
    if (e.name === '' || !seen || seen === e) return [];
    return [errorAt(e.src, e.namePath, `${kind} '${e.name}' is declared twice: in ${where(seen)} and in ${where(e)}`, 'key')];
  });
}

/** Declared environment names (valid names only: an invalid one is reported and never matches). */
export function environmentNames(entries: Entries): string[] {
  return [...firstByName(entries.environments).keys()].filter((n) => NAME_PATTERN.test(n));
}

export function declaredList(names: readonly string[]): string {
  return names.length > 0 ? names.join(', ') : 'none';
}
