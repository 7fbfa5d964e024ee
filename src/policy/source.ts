// One policy file as parsed YAML, plus the mapping from a data path (`actions.x.targets.0.min`)
// back to a line and column in that file, so every error points at the offending node.
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, visit } from 'yaml';
import type { Document, Node } from 'yaml';

export interface PolicyError {
  file: string;
  /** 1-based; 0 when the error concerns a whole file or directory rather than a node. */
  line: number;
  column: number;
  message: string;
}

export type DataPath = readonly PropertyKey[];

export interface SourceFile {
  file: string;
  doc: Document.Parsed;
  lines: LineCounter;
  /** Plain data of the document; `undefined` when the YAML had syntax errors or could not be read. */
  data: unknown;
}

const YAML_CORE_TAG = 'tag:yaml.org,2002:';

/** The text of the map key that starts at `offset` (the yaml package reports only its first character). */
function keyAt(doc: Document.Parsed, offset: number): string {
  let found = '?';
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.range?.[0] === offset) {
        found = String(pair.key.value);
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

/** Aliases that point at one of their own ancestors build a cyclic structure no check can walk. */
function recursiveAliases(doc: Document.Parsed): number[] {
  const offsets: number[] = [];
  visit(doc, {
    Alias(_, alias, ancestors) {
      const target = alias.resolve(doc);
      if (target && ancestors.includes(target)) offsets.push(alias.range?.[0] ?? 0);
    },
  });
  return offsets;
}

function yamlMessage(doc: Document.Parsed, code: string, message: string, pos: readonly [number, number]): string {
  if (code === 'TAG_RESOLVE_FAILED') {
    const tag = message.replace(/^Unresolved tag:\s*/, '').replace(YAML_CORE_TAG, '!!');
    return `unsupported YAML tag '${tag}': policy files may only use plain maps, lists, strings, numbers and booleans`;
  }
  if (code === 'DUPLICATE_KEY') return `duplicate key '${keyAt(doc, pos[0])}' (keys must be unique within a map)`;
  if (code === 'MULTIPLE_DOCS') return 'a policy file holds one YAML document; put further documents in their own files';
  return `YAML syntax error: ${message}`;
}

/** Parses with the core schema pinned: a `%YAML 1.1` directive must not enable `!!binary`, `<<` merges or `yes`. */
export function parseSource(file: string, text: string): { source: SourceFile; errors: PolicyError[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: lines,
    schema: 'core',
    // Without this the core schema still turns `!!binary`, `!!set`, `!!timestamp` … into
    // Buffers, Sets and Dates; here they are unsupported tags like any other.
    resolveKnownTags: false,
    merge: false,
    uniqueKeys: true,
    prettyErrors: false,
    logLevel: 'error',
  });
  // Unknown tags are only warnings to the yaml package; here they are errors (fail closed).
  const errors = [...doc.errors, ...doc.warnings].map((e) => {
    const { line, col } = lines.linePos(e.pos[0]);
    return { file, line, column: col, message: yamlMessage(doc, e.code, e.message, e.pos) };
  });
  // After a syntax error the tree is a guess; after only an unknown tag it is intact (the tag
  // is dropped), so the schema can still report the file's other problems in the same run.
  if (doc.errors.length > 0) return { source: { file, doc, lines, data: undefined }, errors };
  const cycles = recursiveAliases(doc).map((offset) => {
    const { line, col } = lines.linePos(offset);
    return { file, line, column: col, message: 'YAML alias refers to a node that contains it (a recursive structure)' };
  });
  if (cycles.length > 0) return { source: { file, doc, lines, data: undefined }, errors: [...errors, ...cycles] };
  try {
    // maxAliasCount bounds alias expansion ("billion laughs"); toJS throws past it.
    const data: unknown = doc.toJS({ maxAliasCount: 100 }) ?? {};
    return { source: { file, doc, lines, data }, errors };
  } catch (err) {
    const message = `YAML could not be read: ${err instanceof Error ? err.message : String(err)}`;
    return { source: { file, doc, lines, data: undefined }, errors: [...errors, { file, line: 1, column: 1, message }] };
  }
}

function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

interface Found {
  /** Deepest node reached along the path. */
  node: Node | null;
  /** Key node of the last map entry reached, if the last step was through a map. */
  key: Node | null;
  /** Whether the whole path was found. */
  complete: boolean;
}

function walk(doc: Document.Parsed, path: DataPath): Found {
  let node: unknown = doc.contents;
  let key: Node | null = null;
  for (const segment of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => keyText(p.key) === String(segment));
      if (!pair) return { node: node as Node, key, complete: false };
      key = pair.key as Node;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number' && node.items[segment] !== undefined) {
      key = null;
      node = node.items[segment];
    } else {
      return { node: (node as Node | null) ?? key, key, complete: false };
    }
  }
  return { node: (node as Node | null) ?? null, key, complete: true };
}

function isEmptyScalar(node: Node | null): boolean {
  return node === null || (isScalar(node) && node.value === null && node.range?.[0] === node.range?.[1]);
}

/**
 * Where to point for `path`: 'value' = the node itself (its key when the value is empty),
 * 'key' = the key of the last map entry, 'parent' = the map that lacks the last key.
 */
export function locate(src: SourceFile, path: DataPath, mode: 'value' | 'key' | 'parent' = 'value'): PolicyError {
  const target = mode === 'parent' ? path.slice(0, -1) : path;
  const found = walk(src.doc, target);
  let node: Node | null = found.node;
  if (found.complete && mode === 'key' && found.key) node = found.key;
  if (found.complete && mode === 'value' && isEmptyScalar(found.node) && found.key) node = found.key;
  const offset = node?.range?.[0];
  if (offset === undefined) return { file: src.file, line: 1, column: 1, message: '' };
  const { line, col } = src.lines.linePos(offset);
  return { file: src.file, line, column: col, message: '' };
}

export function errorAt(src: SourceFile, path: DataPath, message: string, mode?: 'value' | 'key' | 'parent'): PolicyError {
  return { ...locate(src, path, mode), message };
}

/** `actions.scale-asg.targets[0].min` */
export function formatPath(path: DataPath): string {
  return path.reduce<string>((out, seg) => {
    if (typeof seg === 'number') return `${out}[${seg}]`;
    return out === '' ? String(seg) : `${out}.${String(seg)}`;
  }, '');
}
