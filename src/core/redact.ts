/**
 * Keeps secret values out of everything modsync prints or writes. Secrets are registered as
 * they are read (git and forge tokens, resolved `${secret:...}` placeholders, dockerCfg values
 * seen in the cluster); every output boundary (logger, CLI output, status report, PR bodies)
 * passes text through `scrub`.
 */
export const MASK = '(secret)';

/** Values shorter than this are not treated as secrets: masking "1" everywhere helps no one. */
const MIN_SECRET_LENGTH = 6;

export class Redactor {
  private readonly secrets = new Set<string>();

  add(value: string | undefined | null): void {
    if (!value) return;
    const trimmed = value.trim();
    if (trimmed.length < MIN_SECRET_LENGTH) return;
    this.secrets.add(trimmed);
    // A base64 form of the secret can show up too (basic auth headers, dockerCfg).
    this.secrets.add(Buffer.from(trimmed).toString('base64'));
  }

  get size(): number {
    return this.secrets.size;
  }

  scrub(text: string): string {
    let out = text;
    // Longest first, so a secret containing another is masked whole.
    for (const s of [...this.secrets].sort((a, b) => b.length - a.length)) {
      if (out.includes(s)) out = out.split(s).join(MASK);
    }
    return out;
  }

  /** Deep copy of a JSON-like value with every string scrubbed. */
  scrubDeep<T>(value: T): T {
    if (typeof value === 'string') return this.scrub(value) as T;
    if (Array.isArray(value)) return value.map((v) => this.scrubDeep(v)) as T;
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = this.scrubDeep(v);
      return out as T;
    }
    return value;
  }
}
