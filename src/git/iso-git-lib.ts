/**
 * isomorphic-git, loaded on first use: a no-op run (the remote ref still where the local one
 * is) reads only the advertisement and the local ref (advertisement.ts), and never needs it.
 */
type IsoGit = typeof import('isomorphic-git').default;

let loading: Promise<IsoGit> | undefined;

export function isoGit(): Promise<IsoGit> {
  loading ??= import('isomorphic-git').then((m) => m.default);
  return loading;
}
