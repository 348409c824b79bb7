/**
 * Builds and runs the structured-merge-diff oracle (oracle.go) against Debian's
 * golang-k8s-sigs-structured-merge-diff-dev (v4.1.2) in GOPATH mode, offline. The binary is
 * cached under the OS temp dir, keyed by a hash of the Go source, so a test run builds it once.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Json, JsonMap } from '../dkp-sim/types.ts';

const SMD_SRC = '/usr/share/gocode/src/sigs.k8s.io/structured-merge-diff';
const GO_SOURCES = ['oracle.go', 'objects.go'];

/** One write sent to the oracle (and replayed on dkp-sim); an Update sends `object` or a merge `patch` of live. */
export interface OracleOp {
  manager: string;
  operation: 'Apply' | 'Update';
  object?: JsonMap;
  patch?: JsonMap;
  force?: boolean;
  subresource?: 'status';
}

/** A managedFields entry as the oracle reports it; `touched` = gets this operation's time. */
export interface OracleEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  subresource?: string;
  fieldsV1: JsonMap;
  touched: boolean;
}

/** The outcome of one op: the stored object and entries, or the conflicts, or an error. */
export interface OracleResult {
  object?: JsonMap;
  managedFields?: OracleEntry[];
  conflicts?: Array<{ manager: string; field: string }>;
  error?: string;
}

/** What the oracle answers: one result per op, and ToFieldSet (fieldsV1, or an error string) per object. */
export interface OracleResponse {
  results: OracleResult[];
  fieldSets: Array<JsonMap | string>;
  error?: string;
}

/** Why the oracle cannot run here, or undefined when go and the Debian package are installed. */
export function unavailableReason(): string | undefined {
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.error || go.status !== 0) return 'the go toolchain is not installed (apt-get install golang-go)';
  if (!existsSync(join(SMD_SRC, 'merge', 'update.go'))) {
    const pkg = 'golang-k8s-sigs-structured-merge-diff-dev';
    return `structured-merge-diff sources are missing at ${SMD_SRC} (apt-get install ${pkg})`;
  }
  return undefined;
}

let built: string | undefined;

/** Path of the oracle binary, built on first use (a few seconds) and cached by the hash of its sources. */
export function oracleBinary(): string {
  if (built) return built;
  const read = (name: string): Buffer => readFileSync(fileURLToPath(new URL(`./${name}`, import.meta.url)));
  const sources = GO_SOURCES.map((name) => ({ name, text: read(name) }));
  const hash = createHash('sha256');
  for (const s of sources) hash.update(s.name).update(s.text);
  const dir = join(tmpdir(), `modsync-smd-oracle-${hash.digest('hex').slice(0, 16)}`);
  const bin = join(dir, 'oracle');
  if (!existsSync(bin)) {
    const gopath = join(dir, 'gopath');
    const link = join(gopath, 'src', 'sigs.k8s.io', 'structured-merge-diff', 'v4');
    const pkg = join(gopath, 'src', 'oracle');
    mkdirSync(join(link, '..'), { recursive: true });
    mkdirSync(pkg, { recursive: true });
    // Debian installs the module without its /v4 suffix; GOPATH mode finds it through this link.
    if (!existsSync(link)) symlinkSync(SMD_SRC, link);
    for (const s of sources) writeFileSync(join(pkg, s.name), s.text);
    const tmp = `${bin}.${process.pid}`;
    const res = spawnSync('go', ['build', '-o', tmp, '.'], {
      cwd: pkg,
      encoding: 'utf8',
      env: {
        ...process.env,
        GO111MODULE: 'off',
        GOPATH: `${gopath}:/usr/share/gocode`,
        // Shared by every source version: a rebuild after an edit compiles only the oracle itself.
        GOCACHE: join(tmpdir(), 'modsync-smd-oracle-gocache'),
        GOFLAGS: '',
      },
    });
    if (res.status !== 0) throw new Error(`building the oracle failed: ${res.stderr || res.error}`);
    renameSync(tmp, bin);
  }
  built = bin;
  return bin;
}

/** What the oracle is asked: the schema, the writes, objects to compute ToFieldSet of, and keepEmptied (README). */
export interface OracleRequest {
  schema: string;
  typeName: string;
  apiVersion: string;
  ops: OracleOp[];
  fieldSets?: Json[];
  keepEmptied?: boolean;
}

/** Runs a sequence of writes (and ToFieldSet requests) through structured-merge-diff. */
export function runOracle(req: OracleRequest): OracleResponse {
  const input = JSON.stringify({ fieldSets: [], ...req });
  const res = spawnSync(oracleBinary(), [], { input, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (res.status !== 0) throw new Error(`oracle failed: ${res.stderr || res.error}`);
  const out = JSON.parse(res.stdout) as OracleResponse;
  if (out.error) throw new Error(`oracle: ${out.error}`);
  // Go's omitempty drops an empty entry list; a stored object without entries has [].
  for (const r of out.results) if (r.object && !r.managedFields) r.managedFields = [];
  return out;
}
