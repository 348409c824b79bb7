/**
 * Release requirements on the platform versions (`spec.requirements.deckhouse` / `.kubernetes`)
 * checked against the versions dkp-sim pretends to run, with the texts Deckhouse shows on a
 * Pending release (`requirements are not satisfied: current deckhouse version is not suitable:
 * 1.0.0 is less than or equal to v1.64.0`, from the module dependencies docs). The wording of
 * each failed comparison is that of the Masterminds/semver constraint errors Deckhouse uses.
 * `requirements.modules` is not evaluated.
 */
import { compareVersions } from './catalog.ts';
import { dig } from './controller-objects.ts';
import type { Json, Obj } from './types.ts';

/** The platform versions a simulated cluster reports. */
export interface Platform {
  deckhouse: string;
  kubernetes: string;
}

/** The platform of a sim serving Deckhouse `deckhouseVersion` (X.Y; default the newest, 1.75). */
export function platformFor(deckhouseVersion = '1.75'): Platform {
  return { deckhouse: `${deckhouseVersion}.0`, kubernetes: '1.32.4' };
}

const FAILURE: Record<string, string> = {
  '': '%c is not equal to %v',
  '=': '%c is not equal to %v',
  '!=': '%c is equal to %v',
  '>': '%c is less than or equal to %v',
  '<': '%c is greater than or equal to %v',
  '>=': '%c is less than %v',
  '=>': '%c is less than %v',
  '<=': '%c is greater than %v',
  '=<': '%c is greater than %v',
};

/** Why the release's platform requirements fail, or undefined when they hold (or cannot be read). */
export function unmetRequirement(release: Obj, platform: Platform): string | undefined {
  for (const key of ['deckhouse', 'kubernetes'] as const) {
    const constraint = dig(release, ['spec', 'requirements', key]);
    const failure = check(constraint, platform[key]);
    if (failure) return `requirements are not satisfied: current ${key} version is not suitable: ${failure}`;
  }
  return undefined;
}

/** Check `current` against a comma/space separated AND of `op version` terms. */
function check(constraint: Json | undefined, current: string): string | undefined {
  if (typeof constraint !== 'string' || constraint.trim() === '') return undefined;
  const terms = constraint.match(/(!=|>=|=>|<=|=<|>|<|=)?\s*v?\d+(\.\d+){0,2}/g) ?? [];
  for (const term of terms) {
    const m = /^(!=|>=|=>|<=|=<|>|<|=)?\s*(v?)(\d+(?:\.\d+){0,2})$/.exec(term.trim());
    if (!m) continue;
    const op = m[1] ?? '';
    const wanted = m[3]!.split('.').concat(['0', '0']).slice(0, 3).join('.');
    const cmp = compareVersions(current, wanted);
    const holds =
      op === '>'
        ? cmp > 0
        : op === '>=' || op === '=>'
          ? cmp >= 0
          : op === '<'
            ? cmp < 0
            : op === '<=' || op === '=<'
              ? cmp <= 0
              : op === '!='
                ? cmp !== 0
                : cmp === 0;
    if (!holds) return FAILURE[op]!.replace('%c', current).replace('%v', `${m[2]}${m[3]}`);
  }
  return undefined;
}
