/**
 * The container image, checked without a container engine: the Dockerfile is parsed and its
 * stages, user, entrypoint and copied files are checked against what the code needs at run
 * time; `.dockerignore` is evaluated with Docker's matching rules; and the runtime layout the
 * Dockerfile describes is assembled in a temp folder and run through the `modsync` symlink.
 */
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  statSync,
  mkdirSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

interface Instruction {
  op: string;
  args: string;
}

interface Stage {
  image: string;
  name: string;
  steps: Instruction[];
}

/** Instructions in order: comments dropped, `\` continuations joined. */
function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!pending && (line === '' || line.startsWith('#'))) continue;
    if (pending && line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      pending += line.slice(0, -1) + ' ';
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    const m = /^(\w+)\s+(.*)$/s.exec(full);
    if (m) out.push({ op: m[1]!.toUpperCase(), args: m[2]!.trim() });
  }
  return out;
}

/** Splits instructions into stages; `${ARG}` in FROM is resolved from the global ARG defaults. */
function stagesOf(steps: Instruction[]): Stage[] {
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const s of steps) {
    if (s.op === 'ARG' && stages.length === 0) {
      const [k, v] = s.args.split('=');
      args.set(k!, v ?? '');
    } else if (s.op === 'FROM') {
      const [image, , name] = s.args.split(/\s+/);
      const resolved = image!.replace(/\$\{(\w+)\}/g, (_, k: string) => args.get(k) ?? '');
      stages.push({ image: resolved, name: name ?? String(stages.length), steps: [] });
    } else {
      stages.at(-1)?.steps.push(s);
    }
  }
  return stages;
}

function jsonForm(args: string): string[] {
  return JSON.parse(args) as string[];
}

interface Copy {
  from: string | undefined;
  sources: string[];
  dest: string;
  /** WORKDIR at this COPY. */
  workdir: string;
}

function copiesOf(stage: Stage): Copy[] {
  const out: Copy[] = [];
  let workdir = '/';
  for (const s of stage.steps) {
    if (s.op === 'WORKDIR') workdir = posix.resolve(workdir, s.args);
    if (s.op !== 'COPY') continue;
    const words = s.args.split(/\s+/);
    const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
    const paths = words.filter((w) => !w.startsWith('--'));
    out.push({ from, sources: paths.slice(0, -1), dest: paths.at(-1)!, workdir });
  }
  return out;
}

/** Where a COPY puts one of its sources inside the image. */
function destinationOf(copy: Copy, source: string): string {
  const dest = posix.resolve(copy.workdir, copy.dest);
  return copy.dest.endsWith('/') || copy.sources.length > 1 ? posix.join(dest, posix.basename(source)) : dest;
}

/** Docker's .dockerignore rules: last matching pattern wins, `!` re-includes, a match on a parent folder counts. */
function dockerignored(patterns: string[], path: string): boolean {
  const toRegex = (p: string): RegExp => {
    const clean = posix.normalize(p.replace(/^\//, '')).replace(/\/$/, '');
    let re = '';
    for (let i = 0; i < clean.length; i++) {
      const c = clean[i]!;
      if (c === '*' && clean[i + 1] === '*') {
        re += clean[i + 2] === '/' ? '(?:.*/)?' : '.*';
        i += clean[i + 2] === '/' ? 2 : 1;
      } else if (c === '*') re += '[^/]*';
      else if (c === '?') re += '[^/]';
      else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
    return new RegExp(`^${re}$`);
  };
  const parts = path.split('/');
  const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let excluded = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const re = toRegex(negated ? raw.slice(1) : raw);
    if (prefixes.some((p) => re.test(p))) excluded = !negated;
  }
  return excluded;
}

const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const stages = stagesOf(parseDockerfile(dockerfile));
const runtime = stages.at(-1)!;
const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));
const runtimeOps = (op: string): Instruction[] => runtime.steps.filter((s) => s.op === op);
const stageNamed = (name: string): Stage => stages.find((s) => s.name === name)!;

describe('Dockerfile stages', () => {
  it('builds in separate stages on the official Node 24 image', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages)
      expect(s.image, `stage ${s.name}`).toMatch(/^node:24-(bookworm-slim|alpine)(@sha256:[0-9a-f]{64})?$/);
  });

  it('bundles the CLI in a build stage with the project build script', () => {
    const built = runtime.steps.some((s) => s.op === 'RUN' && /scripts\/build\.ts|tsc\b|esbuild/.test(s.args));
    expect(built, 'the runtime stage must not build').toBe(false);
    const builder = copiesOf(runtime).find((c) => c.sources.some((p) => /dist\/?$/.test(p)))?.from;
    expect(builder).toBeDefined();
    expect(stageNamed(builder!).steps.some((s) => s.op === 'RUN' && /\bnode scripts\/build\.ts\b/.test(s.args))).toBe(
      true,
    );
  });

  it('installs production dependencies only for the runtime', () => {
    const modules = copiesOf(runtime).find((c) => c.sources.some((p) => /node_modules\/?$/.test(p)));
    expect(modules?.from, 'node_modules must come from a stage, not the build context').toBeDefined();
    const install = stageNamed(modules!.from!).steps.filter((s) => s.op === 'RUN' && /npm (ci|install)/.test(s.args));
    expect(install.length).toBe(1);
    expect(install[0]!.args).toMatch(/npm ci\b.*--omit=dev/);
    expect(install[0]!.args).toContain('--ignore-scripts');
  });
});

describe('Dockerfile runtime stage', () => {
  it('runs as a numeric non-root user', () => {
    const users = runtimeOps('USER');
    expect(users.length).toBeGreaterThan(0);
    const [uid, gid] = users.at(-1)!.args.split(':');
    expect(uid).toMatch(/^\d+$/);
    expect(Number(uid)).toBeGreaterThan(0);
    if (gid !== undefined) expect(Number(gid)).toBeGreaterThan(0);
  });

  it('starts `modsync run` through a modsync command on PATH that is the package binary', () => {
    expect(jsonForm(runtimeOps('ENTRYPOINT').at(-1)!.args)).toEqual(['modsync']);
    expect(jsonForm(runtimeOps('CMD').at(-1)!.args)).toEqual(['run']);
    expect(runtimeOps('EXPOSE').map((e) => e.args)).toContain('8080');
    const link = runtimeOps('RUN')
      .map((r) => /ln -s(?:f)? (\S+) (\/usr\/(?:local\/)?bin\/modsync)\b/.exec(r.args))
      .find(Boolean);
    expect(link, 'a modsync symlink in /usr/local/bin').toBeTruthy();
    expect(link![1]).toBe(posix.join('/app', pkg.bin.modsync!));
  });

  it('keeps the git cache on a volume owned by the runtime user', () => {
    const env = runtimeOps('ENV')
      .map((e) => e.args)
      .join(' ');
    expect(env).toMatch(/MODSYNC_CACHE_DIR=\/var\/cache\/modsync\b/);
    expect(
      runtimeOps('VOLUME')
        .map((v) => v.args)
        .join(' '),
    ).toContain('/var/cache/modsync');
    const uid = runtimeOps('USER').at(-1)!.args.split(':')[0];
    expect(runtimeOps('RUN').some((r) => new RegExp(`chown ${uid}(:\\d+)? /var/cache/modsync`).test(r.args))).toBe(
      true,
    );
  });

  it('ships a filled Node compile cache, and leaves the code cache volume empty for the runtime user', () => {
    const env = runtimeOps('ENV')
      .map((e) => e.args)
      .join(' ');
    const dir = /NODE_COMPILE_CACHE=(\S+)/.exec(env)?.[1];
    expect(dir, 'NODE_COMPILE_CACHE in the runtime environment').toBeDefined();
    expect(dir!.startsWith('/app/') || dir === '/app').toBe(true);
    const runs = runtimeOps('RUN').map((r) => r.args);
    const fill = runs.findIndex((r) => /\bmodsync validate\b/.test(r));
    expect(fill, 'a RUN that runs modsync after it is on PATH').toBeGreaterThan(runs.findIndex((r) => /ln -s/.test(r)));
    // Every modsync the build runs writes its per-command code cache outside the cache volume
    // (bin.ts: $MODSYNC_CACHE_DIR/code-cache), so that volume is not left with root-owned files.
    const calls = runs[fill]!.split('&&').filter((c) => /\bmodsync\b/.test(c) && !/mkdir|rm -rf/.test(c));
    for (const call of calls) expect(call, call).toMatch(/MODSYNC_CACHE_DIR=\/tmp\//);
  });

  it('copies every file the code reads at run time next to dist/', () => {
    const copied = copiesOf(runtime).flatMap((c) => c.sources.map((s) => destinationOf(c, s).replace(/\/$/, '')));
    for (const needed of ['/app/dist', '/app/config', '/app/crds', '/app/package.json', '/app/node_modules'])
      expect(copied).toContain(needed);
    // The files behind src/core/paths.ts: the default config, its schema and the CRDs.
    for (const f of ['config/modsync.yaml', 'config/modsync.schema.json', 'crds/deckhouse/moduleconfig.yaml'])
      expect(existsSync(join(ROOT, f)), f).toBe(true);
  });

  it('copies nothing else from the build context: no sources, tests, dev tooling or secrets', () => {
    const fromContext = copiesOf(runtime)
      .filter((c) => !c.from)
      .flatMap((c) => c.sources);
    expect(fromContext.sort()).toEqual(['config', 'crds', 'package.json']);
    expect(dockerfile).not.toMatch(/\b(TOKEN|PASSWORD|SECRET)\w*=/i);
  });
});

describe('.dockerignore', () => {
  it('keeps node_modules, .git, tests, caches and local secrets out of the build context', () => {
    for (const p of [
      'node_modules/yaml/package.json',
      '.git/HEAD',
      'test/unit/a.test.ts',
      '.cache/modsync/x',
      'dist/src/cli/main.js',
      '.env',
      'src/.cache/x',
      'src/node_modules/x',
      'examples/clusters/demo/sources/example.yaml',
      'admin.kubeconfig',
    ]) {
      expect(dockerignored(ignore, p), p).toBe(true);
    }
  });

  it('sends every file the Dockerfile copies from the context', () => {
    const sources = stages.flatMap((s) =>
      copiesOf(s)
        .filter((c) => !c.from)
        .flatMap((c) => c.sources),
    );
    for (const source of sources) {
      expect(existsSync(join(ROOT, source)), source).toBe(true);
      const files = statSync(join(ROOT, source)).isDirectory()
        ? readdirSync(join(ROOT, source), { recursive: true }).map((f) => posix.join(source, String(f)))
        : [source];
      for (const f of files) expect(dockerignored(ignore, f), f).toBe(false);
    }
  });
});

describe('dependencies', () => {
  it('no production dependency needs an install script (the image installs them with --ignore-scripts)', () => {
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean; hasInstallScript?: boolean }>;
    };
    const scripted = Object.entries(lock.packages)
      .filter(([path, p]) => path && p.hasInstallScript && !p.dev)
      .map(([path]) => path);
    expect(scripted).toEqual([]);
  });

  it('every package the compiled code imports is a production dependency', () => {
    const specifiers = new Set<string>();
    for (const f of readdirSync(join(ROOT, 'src'), { recursive: true }).map(String)) {
      if (!f.endsWith('.ts')) continue;
      const text = readFileSync(join(ROOT, 'src', f), 'utf8');
      for (const m of text.matchAll(/^\s*(?:(?:import|export)\b[^;]*?\bfrom|import)\s*['"]([^'"]+)['"]/gm))
        specifiers.add(m[1]!);
      for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) specifiers.add(m[1]!);
    }
    const packages = [...specifiers]
      .filter((s) => !s.startsWith('node:') && !s.startsWith('.'))
      .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!));
    expect(packages).toContain('@kubernetes/client-node');
    for (const p of packages) expect(Object.keys(pkg.dependencies), p).toContain(p);
  });
});

describe('the runtime layout', () => {
  const dir = mkdtempSync(join(tmpdir(), 'modsync-image-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs `modsync` from only what the runtime stage copies', () => {
    // Assemble /app as the Dockerfile does: the bundled dist/ plus the copied context paths;
    // node_modules is linked (the import check above covers production-only).
    const app = join(dir, 'app');
    mkdirSync(app);
    execFileSync(process.execPath, [join(ROOT, 'scripts/build.ts'), join(app, 'dist')], { cwd: ROOT, stdio: 'pipe' });
    for (const c of copiesOf(runtime).filter((x) => !x.from))
      for (const s of c.sources) cpSync(join(ROOT, s), join(app, s), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(app, 'node_modules'));
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    // No chmod here: the build script must leave the binary executable (COPY keeps the mode).
    symlinkSync(join(app, pkg.bin.modsync!), join(bin, 'modsync'));
    const env = { PATH: `${bin}:${dirname(process.execPath)}:/usr/bin:/bin`, HOME: dir };
    expect(execFileSync('modsync', ['--version'], { env, encoding: 'utf8' })).toBe('modsync 0.1.0\n');
    const out = execFileSync('modsync', ['validate', join(ROOT, 'examples'), '--path', 'clusters/demo'], {
      env,
      encoding: 'utf8',
      cwd: dir,
    });
    expect(out).toMatch(/0 errors/);
  }, 60_000);
});
