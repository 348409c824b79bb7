/**
 * A renderer for the Go-template subset the modsync Helm chart uses, so chart tests run without
 * a helm binary: {{ .Path }} and {{ $.Path }}, pipelines, parentheses, string/number/bool
 * literals, if / else if / else / range / define / end, {{- -}} trimming, comments, and the
 * Sprig/Helm functions the chart calls. Unknown syntax throws, so the chart cannot drift past it.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

/** One node of a parsed template: text, an action that prints, an if chain or a range. */
export type TemplateNode =
  | { t: 'text'; s: string }
  | { t: 'out'; e: string }
  | { t: 'if'; arms: { cond: string | null; body: TemplateNode[] }[] }
  | { t: 'range'; e: string; body: TemplateNode[] };

/** Parses `src` into nodes; `define` blocks go into `defines` (shared by include). */
export function parseTemplate(src: string, defines: Map<string, TemplateNode[]>): TemplateNode[] {
  const root: TemplateNode[] = [];
  const stack: { kind: 'if' | 'range' | 'define'; node?: TemplateNode; name?: string; body: TemplateNode[] }[] = [
    { kind: 'define', body: root },
  ];
  const re = /\{\{(-?)\s*([\s\S]*?)\s*(-?)\}\}/g;
  let last = 0;
  let trimNext = false;
  for (let m = re.exec(src); m; m = re.exec(src)) {
    let text = src.slice(last, m.index);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (m[1]) text = text.replace(/\s+$/, '');
    if (text) stack.at(-1)!.body.push({ t: 'text', s: text });
    last = re.lastIndex;
    trimNext = Boolean(m[3]);
    const a = m[2]!;
    const top = stack.at(-1)!;
    if (a.startsWith('/*')) continue;
    if (a.startsWith('if ')) {
      const node: TemplateNode = { t: 'if', arms: [{ cond: a.slice(3), body: [] }] };
      top.body.push(node);
      stack.push({ kind: 'if', node, body: node.arms[0]!.body });
    } else if (a === 'else' || a.startsWith('else if ')) {
      const node = top.node as Extract<TemplateNode, { t: 'if' }>;
      node.arms.push({ cond: a === 'else' ? null : a.slice(8), body: [] });
      top.body = node.arms.at(-1)!.body;
    } else if (a.startsWith('range ')) {
      const node: TemplateNode = { t: 'range', e: a.slice(6), body: [] };
      top.body.push(node);
      stack.push({ kind: 'range', node, body: node.body });
    } else if (a.startsWith('define ')) {
      stack.push({ kind: 'define', name: JSON.parse(a.slice(7)) as string, body: [] });
    } else if (a === 'end') {
      const done = stack.pop()!;
      if (done.kind === 'define') defines.set(done.name!, done.body);
    } else top.body.push({ t: 'out', e: a });
  }
  let tail = src.slice(last);
  if (trimNext) tail = tail.replace(/^\s+/, '');
  if (tail) root.push({ t: 'text', s: tail });
  if (stack.length !== 1) throw new Error('template: unclosed block');
  return root;
}

function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (v && typeof v === 'object') return Object.keys(v).length > 0;
  return Boolean(v);
}

function print(v: unknown): string {
  return v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function lex(expr: string): string[] {
  const tokens = expr.match(/"(?:[^"\\]|\\.)*"|\(|\)|\||[^\s()|]+/g);
  if (!tokens) throw new Error(`template: empty expression`);
  return tokens;
}

/** Renders `nodes` with `.` = `dot` and `$` = `root`; include looks names up in `defines`. */
export function renderNodes(
  nodes: TemplateNode[],
  dot: unknown,
  root: unknown,
  defines: Map<string, TemplateNode[]>,
): string {
  const fns: Record<string, (...a: any[]) => unknown> = {
    include: (name: string, ctx: unknown) => {
      const body = defines.get(name);
      if (!body) throw new Error(`template: no define "${name}"`);
      return renderNodes(body, ctx, root, defines);
    },
    default: (d: unknown, v?: unknown) => (truthy(v) ? v : d),
    quote: (v: unknown) => JSON.stringify(print(v)),
    toYaml: (v: unknown) => stringify(v, { lineWidth: 0 }).replace(/\n$/, ''),
    indent: (n: number, s: string) => s.replace(/^/gm, ' '.repeat(n)),
    nindent: (n: number, s: string) => '\n' + s.replace(/^/gm, ' '.repeat(n)),
    trunc: (n: number, s: string) => s.slice(0, n),
    trimSuffix: (suf: string, s: string) => (s.endsWith(suf) ? s.slice(0, -suf.length) : s),
    contains: (sub: string, s: string) => s.includes(sub),
    printf: (f: string, ...args: unknown[]) => f.replace(/%[sdv]/g, () => print(args.shift())),
    required: (msg: string, v: unknown) => {
      if (!truthy(v)) throw new Error(`execution error: ${msg}`);
      return v;
    },
    eq: (a: unknown, b: unknown) => a === b,
    ne: (a: unknown, b: unknown) => a !== b,
    and: (...a: unknown[]) => a.every(truthy),
    or: (...a: unknown[]) => a.some(truthy),
    not: (a: unknown) => !truthy(a),
    sha256sum: (s: string) => createHash('sha256').update(s).digest('hex'),
  };
  const evaluate = (expr: string): unknown => {
    const tokens = lex(expr);
    let i = 0;
    const term = (): unknown => {
      const tok = tokens[i++]!;
      if (tok === '(') {
        const v = pipeline();
        if (tokens[i++] !== ')') throw new Error(`template: missing ) in ${expr}`);
        return v;
      }
      if (tok.startsWith('"')) return JSON.parse(tok);
      if (/^-?\d+$/.test(tok)) return Number(tok);
      if (tok === 'true' || tok === 'false') return tok === 'true';
      if (tok === '.') return dot;
      if (tok.startsWith('.') || tok.startsWith('$.')) {
        const start = tok.startsWith('$') ? root : dot;
        return tok
          .replace(/^\$/, '')
          .slice(1)
          .split('.')
          .reduce<any>((o, k) => (o == null ? undefined : o[k]), start);
      }
      if (tok === '$') return root;
      throw new Error(`template: unsupported token ${tok} in ${expr}`);
    };
    const command = (piped: unknown[]): unknown => {
      const head = tokens[i]!;
      if (/^[a-zA-Z]\w*$/.test(head) && !['true', 'false'].includes(head)) {
        i++;
        const fn = fns[head];
        if (!fn) throw new Error(`template: unsupported function ${head}`);
        const args: unknown[] = [];
        while (i < tokens.length && tokens[i] !== '|' && tokens[i] !== ')') args.push(term());
        return fn(...args, ...piped);
      }
      if (piped.length) throw new Error(`template: cannot pipe into a value in ${expr}`);
      return term();
    };
    const pipeline = (): unknown => {
      let v = command([]);
      while (tokens[i] === '|') {
        i++;
        v = command([v]);
      }
      return v;
    };
    const v = pipeline();
    if (i !== tokens.length) throw new Error(`template: trailing tokens in ${expr}`);
    return v;
  };
  let out = '';
  for (const n of nodes) {
    if (n.t === 'text') out += n.s;
    else if (n.t === 'out') out += print(evaluate(n.e));
    else if (n.t === 'if') {
      const arm = n.arms.find((a) => a.cond === null || truthy(evaluate(a.cond)));
      if (arm) out += renderNodes(arm.body, dot, root, defines);
    } else {
      const list = evaluate(n.e);
      for (const item of Array.isArray(list) ? list : []) out += renderNodes(n.body, item, root, defines);
    }
  }
  return out;
}

/**
 * Renders every template of a chart's `templates/` directory (files starting with `_` only
 * contribute defines, `_helpers.tpl` first) against `root` (`{ Values, Release, Chart }`), like
 * `helm template`; returns the rendered text by file name, in file-name order.
 */
export function renderChartTemplates(templatesDir: string, root: object): Map<string, string> {
  const defines = new Map<string, TemplateNode[]>();
  const files = readdirSync(templatesDir).sort();
  for (const file of files.filter((f) => f.startsWith('_')))
    parseTemplate(readFileSync(join(templatesDir, file), 'utf8'), defines);
  const out = new Map<string, string>();
  for (const file of files.filter((f) => !f.startsWith('_'))) {
    out.set(
      file,
      renderNodes(parseTemplate(readFileSync(join(templatesDir, file), 'utf8'), defines), root, root, defines),
    );
  }
  return out;
}
