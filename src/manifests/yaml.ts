/**
 * YAML parsing the way kubectl reads manifests, with positions kept for error messages.
 *
 * kubectl (go-yaml v2 behind sigs.k8s.io/yaml) resolves plain scalars like YAML 1.1:
 * `yes/no/on/off/y/n` are booleans, `012` is octal 10, `0o17` is 15, `1_000` is 1000, but
 * `1:30` stays a string (no sexagesimal numbers) and so does `2026-01-01` (no timestamps).
 * What a user writes must mean here what it means to kubectl and the API server, or a
 * validated manifest could be applied with a different value than the one reviewed.
 */
import { locateIn, type Position, toPosition } from './positions.ts';
import { formatPath } from '../core/object-path.ts';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, visit } from 'yaml';
import type { Document, Node, ParseOptions, DocumentOptions, SchemaOptions, ScalarTag, Tags } from 'yaml';
import type { ObjectPath } from '../kinds/types.ts';
import type { Issue } from './issues.ts';
import { issueError, issueWarning } from './issues.ts';

/** Limits that keep a hostile commit from exhausting memory or CPU. */
export interface YamlLimits {
  /** Alias expansions per document (the "billion laughs" guard). */
  maxAliasCount: number;
  /** Documents per file. */
  maxDocuments: number;
}

/** Far above real manifests (a handful of anchors, a few documents per file). */
export const DEFAULT_YAML_LIMITS: YamlLimits = { maxAliasCount: 100, maxDocuments: 500 };

/** One non-empty YAML document of a file, as a mapping, with what is needed to locate paths. */
export interface ManifestDoc {
  file: string;
  /** 0-based index of the document in its file (empty documents count). */
  index: number;
  value: Record<string, unknown>;
  doc: Document.Parsed;
  lineCounter: LineCounter;
  line: number;
  col: number;
}

// go-yaml's ParseInt(s, 0, 64) accepts Go's `0o` octal prefix; YAML 1.1 itself does not.
const goOctalInt: ScalarTag = {
  tag: 'tag:yaml.org,2002:int',
  format: 'OCT',
  default: true,
  identify: (value) => typeof value === 'number' && Number.isInteger(value),
  test: /^[-+]?0o[0-7_]+$/,
  resolve: (text) => {
    const negative = text.startsWith('-');
    const digits = text.replace(/^[-+]?0o/, '').replace(/_/g, '');
    const value = parseInt(digits, 8);
    return negative ? -value : value;
  },
};

function kubectlTags(tags: Tags): Tags {
  const kept = tags.filter((t) => {
    if (typeof t === 'string') return !['timestamp', 'intTime', 'floatTime'].includes(t);
    if (t.tag === 'tag:yaml.org,2002:timestamp') return false;
    return t.format !== 'TIME';
  });
  return [...kept, goOctalInt];
}

/** yaml options giving kubectl's scalar resolution, duplicate-key errors and positions. */
export function kubectlYamlOptions(lineCounter?: LineCounter): ParseOptions & DocumentOptions & SchemaOptions {
  return {
    version: '1.1',
    schema: 'yaml-1.1',
    customTags: kubectlTags,
    uniqueKeys: true,
    prettyErrors: true,
    merge: true,
    // The library's own warnings go to process.emitWarning (raw lines on stderr) at 'warn';
    // every problem it finds is read from doc.errors/doc.warnings and becomes an issue instead.
    logLevel: 'error',
    ...(lineCounter ? { lineCounter } : {}),
  };
}

/** Parses one YAML value the kubectl way (no positions); for tests and small inputs. */
export function parseKubectlYaml(text: string): unknown {
  const docs = parseAllDocuments(text, kubectlYamlOptions());
  if (!Array.isArray(docs) || docs.length === 0) return null;
  const [first] = docs;
  if (!first || first.errors.length > 0) throw new Error(first?.errors[0]?.message ?? 'empty input');
  return first.toJS({ maxAliasCount: DEFAULT_YAML_LIMITS.maxAliasCount });
}

/**
 * Splits a file into its documents. Empty documents are skipped; syntax errors, duplicate
 * keys, alias bombs, values JSON cannot carry and non-mapping documents become issues and
 * their documents are dropped, so what comes back is safe to validate further.
 */
export function parseManifestFile(
  text: string,
  file: string,
  limits: YamlLimits = DEFAULT_YAML_LIMITS,
): { docs: ManifestDoc[]; issues: Issue[] } {
  const lineCounter = new LineCounter();
  // Editors do not count a byte-order mark as a column; neither do positions here.
  const parsed = parseAllDocuments(text.replace(/^\uFEFF/, ''), kubectlYamlOptions(lineCounter));
  const all = Array.isArray(parsed) ? parsed : [];
  const issues: Issue[] = [];
  const docs: ManifestDoc[] = [];
  const pos = (offset: number): Position => toPosition(lineCounter, offset);

  all.forEach((doc, index) => {
    if (index >= limits.maxDocuments) {
      if (index === limits.maxDocuments) {
        const at = pos(doc.range[0]);
        issues.push(
          issueError(
            file,
            at.line,
            at.col,
            `more than ${limits.maxDocuments} YAML documents in one file; split the file`,
          ),
        );
      }
      return;
    }
    for (const w of doc.warnings) issues.push(yamlIssue(file, w, 'warning'));
    if (doc.errors.length > 0) {
      for (const e of doc.errors) issues.push(yamlIssue(file, e, 'error'));
      return;
    }
    const contents = doc.contents;
    if (contents === null || (isScalar(contents) && contents.value === null && !contents.tag)) return;
    const at = pos(contents.range[0]);
    if (!isMap(contents)) {
      const what = isSeq(contents) ? 'a list' : isAlias(contents) ? 'an alias' : 'a plain value';
      issues.push(
        issueError(
          file,
          at.line,
          at.col,
          `document is ${what}, not a Kubernetes object (a mapping with apiVersion, kind, metadata)`,
        ),
      );
      return;
    }
    const complexKey = findComplexKey(doc);
    if (complexKey !== undefined) {
      const at = pos(complexKey);
      const message =
        'YAML: a mapping key must be a string, number or boolean, not a list or mapping ' + '(kubectl refuses it)';
      issues.push(issueError(file, at.line, at.col, message));
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: limits.maxAliasCount });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const unresolved = /^Unresolved alias/.test(message) ? /: (.*)$/.exec(message)?.[1] : undefined;
      const aliasAt = pos(firstAliasOffset(doc, unresolved) ?? contents.range[0]);
      const reason =
        unresolved !== undefined
          ? `YAML: unknown anchor "${unresolved}": an alias (*${unresolved}) needs an anchor (&${unresolved}) ` +
            'before it in the same document'
          : /alias/i.test(message)
            ? `too many YAML alias expansions (more than ${limits.maxAliasCount}); this looks like an alias bomb`
            : `cannot read document: ${message}`;
      issues.push(issueError(file, aliasAt.line, aliasAt.col, reason));
      return;
    }
    const bad = findNonJson(value, []);
    if (bad) {
      const where = locateIn(doc, lineCounter, bad.path, 'value');
      issues.push(issueError(file, where.line, where.col, `${formatPath(bad.path) || 'document'}: ${bad.message}`));
      return;
    }
    docs.push({ file, index, value: value as Record<string, unknown>, doc, lineCounter, line: at.line, col: at.col });
  });
  return { docs, issues };
}

interface YamlProblem {
  message: string;
  linePos?: [Position] | [Position, Position];
}

function yamlIssue(file: string, problem: YamlProblem, severity: 'error' | 'warning'): Issue {
  const at = problem.linePos?.[0] ?? { line: 1, col: 1 };
  // prettyErrors appends " at line L, column C:" and a source excerpt; keep the first part.
  const message = (problem.message.split(/ at line \d+, column \d+/)[0] ?? problem.message).trim();
  const text = /call stack/i.test(message) ? 'YAML: nested too deeply to read' : `YAML: ${message}`;
  return severity === 'error' ? issueError(file, at.line, at.col, text) : issueWarning(file, at.line, at.col, text);
}

function firstAliasOffset(doc: Document.Parsed, name?: string): number | undefined {
  let found: number | undefined;
  visit(doc, {
    Alias(_key, node) {
      if (name !== undefined && node.source !== name) return undefined;
      found = node.range?.[0];
      return visit.BREAK;
    },
  });
  return found;
}

/**
 * Offset of the first mapping key that is a list or a mapping (directly or through an
 * alias). go-yaml cannot use such a key in a Go map and kubectl refuses the file; the yaml
 * library would turn it into a string such as "[ a, b ]".
 */
function findComplexKey(doc: Document.Parsed): number | undefined {
  let found: number | undefined;
  visit(doc, {
    Pair(_key, pair) {
      let key = pair.key as Node | null;
      if (key && isAlias(key)) key = (key.resolve(doc) as Node | undefined) ?? null;
      if (!isMap(key) && !isSeq(key)) return undefined;
      found = (pair.key as Node).range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  return found;
}

/** What JSON (and so the API server) cannot carry: NaN/Infinity, binary, sets, dates. */
function findNonJson(value: unknown, path: ObjectPath): { path: ObjectPath; message: string } | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') {
    return Number.isFinite(value)
      ? undefined
      : { path, message: `${value} cannot be represented in JSON; quote it if you mean a string` };
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bad = findNonJson(value[i], [...path, i]);
      if (bad) return bad;
    }
    return undefined;
  }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [k, v] of Object.entries(value)) {
      const bad = findNonJson(v, [...path, k]);
      if (bad) return bad;
    }
    return undefined;
  }
  return {
    path,
    message:
      'unsupported YAML value (binary, set, ordered map or date); use plain strings, numbers, lists and mappings',
  };
}
