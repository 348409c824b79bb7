/**
 * What the fake registries offer (stub; filled in shortly).
 */
import { parse } from 'yaml';

/** The fake registries' contents, keyed by `registry.repo`. */
export interface Catalog {
  registries: Record<string, unknown>;
}

/** The built-in catalog matching the DKP docs' example. */
export function defaultCatalog(): Catalog {
  return { registries: {} };
}

/** Parse a `--catalog` YAML file. */
export function loadCatalog(yamlText: string): Catalog {
  const doc = parse(yamlText) as Catalog | null;
  return { registries: doc?.registries ?? {} };
}
