/**
 * The ref advertisement a no-op run reads instead of loading isomorphic-git, and the local ref
 * it compares with. The bytes are what `git http-backend` sends (gitprotocol-http.txt).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAdvertisement, readLocalRef } from '../../src/git/advertisement.ts';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);

function pkt(line: string | null): string {
  if (line === null) return '0000';
  return (Buffer.byteLength(line) + 4).toString(16).padStart(4, '0') + line;
}

function advertisement(lines: string[]): Buffer {
  return Buffer.from([pkt('# service=git-upload-pack\n'), pkt(null), ...lines.map(pkt), pkt(null)].join(''));
}

describe('the ref advertisement', () => {
  it('reads branches and peels annotated tags, ignoring capabilities and other prefixes', () => {
    const body = advertisement([
      `${A} HEAD\0multi_ack side-band-64k symref=HEAD:refs/heads/main agent=git/2.43\n`,
      `${A} refs/heads/main\n`,
      `${B} refs/heads/modsync/approve-x\n`,
      `${C} refs/tags/v1\n`,
      `${A} refs/tags/v1^{}\n`,
    ]);
    expect(parseAdvertisement(body, 'refs/heads/')).toEqual(
      new Map([
        ['refs/heads/main', { oid: A }],
        ['refs/heads/modsync/approve-x', { oid: B }],
      ]),
    );
    expect(parseAdvertisement(body, 'refs/tags/v1').get('refs/tags/v1')).toEqual({ oid: C, peeled: A });
  });

  it('has no refs for an empty repository', () => {
    const body = advertisement([`${'0'.repeat(40)} capabilities^{}\0side-band-64k\n`]);
    expect(parseAdvertisement(body, 'refs/heads/main').size).toBe(0);
  });

  it("passes on a refusal in the server's own words", () => {
    const body = advertisement(['ERR access denied: repository is archived\n']);
    expect(() => parseAdvertisement(body, 'refs/heads/main')).toThrow(
      'the server reported: access denied: repository is archived',
    );
  });

  it('refuses an answer that is not smart HTTP, like a dumb server or an HTML login page', () => {
    expect(() => parseAdvertisement(Buffer.from('<html>sign in</html>'), 'refs/heads/main')).toThrow(
      expect.objectContaining({ code: 'SmartHttpError' }),
    );
    expect(() => parseAdvertisement(Buffer.from(`${A}\trefs/heads/main\n`), 'refs/heads/main')).toThrow(
      expect.objectContaining({ code: 'SmartHttpError' }),
    );
  });
});

describe('the local ref', () => {
  const gitdir = mkdtempSync(join(tmpdir(), 'modsync-refs-'));
  afterAll(() => rmSync(gitdir, { recursive: true, force: true }));

  it('is read from a loose file first, then from packed-refs, else absent', async () => {
    mkdirSync(join(gitdir, 'refs/heads'), { recursive: true });
    writeFileSync(join(gitdir, 'refs/heads/main'), `${A}\n`);
    writeFileSync(
      join(gitdir, 'packed-refs'),
      `# pack-refs with: peeled fully-peeled sorted\n${B} refs/heads/main\n${C} refs/heads/other\n`,
    );
    expect(await readLocalRef(gitdir, 'refs/heads/main')).toBe(A);
    expect(await readLocalRef(gitdir, 'refs/heads/other')).toBe(C);
    expect(await readLocalRef(gitdir, 'refs/heads/missing')).toBeNull();
  });
});
