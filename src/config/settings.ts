/**
 * The list of settings, derived from the config JSON schema (each leaf carries its flag in
 * `x-flag`), so the schema stays the one place where a setting is declared: the config file
 * key, the flag `--<flag>` and the env var `MODSYNC_<FLAG>` all come from it.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Ajv, ErrorObject, Options } from 'ajv';
import { configDir } from '../core/paths.ts';
import { PRECOMPILED_CONFIG_VALIDATOR } from './generated-config-validator.ts';

export type SettingType = 'string' | 'integer' | 'boolean' | 'array';

export interface Setting {
  /** Dotted path in the config file, e.g. `git.repo`. */
  key: string;
  /** Flag name without dashes, e.g. `repo` (`--repo`; booleans also get `--no-<flag>`). */
  flag: string;
  /** Environment variable, e.g. `MODSYNC_REPO`. */
  env: string;
  type: SettingType;
  description: string;
}

interface SchemaNode {
  type?: string;
  description?: string;
  properties?: Record<string, SchemaNode>;
  'x-flag'?: string;
}

/** The config JSON schema as shipped in config/modsync.schema.json. */
export function loadConfigSchema(): Record<string, unknown> {
  return JSON.parse(readFileSync(join(configDir(), 'modsync.schema.json'), 'utf8')) as Record<string, unknown>;
}

export function envNameOf(flag: string): string {
  return 'MODSYNC_' + flag.toUpperCase().replace(/-/g, '_');
}

/** Every leaf setting of the schema, in schema order. */
export function settingsOf(schema: Record<string, unknown>): Setting[] {
  const out: Setting[] = [];
  const walk = (node: SchemaNode, prefix: string[]): void => {
    for (const [name, child] of Object.entries(node.properties ?? {})) {
      const path = [...prefix, name];
      if (child.type === 'object') {
        walk(child, path);
      } else if (child['x-flag']) {
        const flag = child['x-flag'];
        out.push({
          key: path.join('.'),
          flag,
          env: envNameOf(flag),
          type: child.type as SettingType,
          description: child.description ?? '',
        });
      }
    }
  };
  walk(schema as SchemaNode, []);
  return out;
}

/** Checks a config tree against the schema; `errors` as ajv reports them. */
export interface ConfigCheck {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

/** How the config schema is compiled (at build time by scripts/gen-validators.ts, or here). */
export const CONFIG_AJV_OPTIONS: Options = { allErrors: true, strict: true };

/** The keywords of modsync's config schema that ajv does not know. */
export function addConfigKeywords(ajv: Ajv): Ajv {
  ajv.addKeyword({ keyword: 'x-flag', schemaType: 'string' });
  return ajv;
}

/**
 * The validator of `schema`: the one generated at build time when the schema is the one it was
 * made from (no ajv compiler loaded, ~60 ms saved per start), else compiled with ajv.
 */
export function configValidator(schema: Record<string, unknown>): ConfigCheck {
  const hash = createHash('sha256').update(JSON.stringify(schema)).digest('hex');
  if (hash === PRECOMPILED_CONFIG_VALIDATOR.hash) return PRECOMPILED_CONFIG_VALIDATOR.validate;
  const { Ajv: AjvClass } = createRequire(import.meta.url)('ajv') as { Ajv: new (o: Options) => Ajv };
  return addConfigKeywords(new AjvClass(CONFIG_AJV_OPTIONS)).compile(schema);
}
