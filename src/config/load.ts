/**
 * Loads the configuration: documented defaults (config/modsync.yaml) < config file
 * (`--config` / MODSYNC_CONFIG) < environment (MODSYNC_*) < flags. The result is validated
 * once against the JSON schema and every problem is reported together, each naming where
 * the bad value came from.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { configDir } from '../core/paths.ts';
import { bundledConfigDefaults } from './generated-config-validator.ts';
import { configValidator, loadConfigSchema, settingsOf, type Setting } from './settings.ts';
import { SYNTAX_CHECKS } from './syntax.ts';
import type { Config } from './types.ts';

export type Origin = 'default' | 'file' | 'env' | 'flag';

export interface ConfigSources {
  /** Parsed flags by flag name (`repo`, `max-destructive`, `prune`...), strings or booleans. */
  flags: Record<string, string | boolean | undefined>;
  env: Record<string, string | undefined>;
  /** User config file; MODSYNC_CONFIG is used when this is not given. */
  file?: string;
}

export interface LoadedConfig {
  config: Config;
  /** Where each setting's value came from, by key (`git.repo`). */
  origins: Record<string, Origin>;
  /** Every problem found; the config is unusable when there is any. */
  problems: string[];
}

type Tree = Record<string, unknown>;

function getPath(tree: Tree, key: string): unknown {
  return key
    .split('.')
    .reduce<unknown>((node, part) => (node && typeof node === 'object' ? (node as Tree)[part] : undefined), tree);
}

function setPath(tree: Tree, key: string, value: unknown): void {
  const parts = key.split('.');
  let node = tree;
  for (const part of parts.slice(0, -1)) {
    if (!node[part] || typeof node[part] !== 'object') node[part] = {};
    node = node[part] as Tree;
  }
  node[parts[parts.length - 1]!] = value;
}

/** Converts a string from env or a flag into the setting's type; undefined + problem when it can't. */
function coerce(setting: Setting, raw: string | boolean, where: string, problems: string[]): unknown {
  if (typeof raw === 'boolean') return setting.type === 'boolean' ? raw : String(raw);
  switch (setting.type) {
    case 'boolean': {
      const v = raw.trim().toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(v)) return true;
      if (['false', '0', 'no', 'off'].includes(v)) return false;
      problems.push(`${setting.key}: ${where} must be true or false, got "${raw}"`);
      return undefined;
    }
    case 'integer': {
      if (!/^-?\d+$/.test(raw.trim())) {
        problems.push(`${setting.key}: ${where} must be a whole number, got "${raw}"`);
        return undefined;
      }
      return Number(raw.trim());
    }
    case 'array':
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    default:
      return raw;
  }
}

function readYamlFile(path: string, problems: string[], bundled?: (hash: string) => Tree | undefined): Tree {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    problems.push(`config file ${path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    return {};
  }
  const known = bundled?.(createHash('sha256').update(text).digest('hex'));
  if (known) return known;
  try {
    const value = parse(text) as unknown;
    if (value === null || value === undefined) return {};
    if (typeof value !== 'object' || Array.isArray(value)) {
      problems.push(`config file ${path}: must be a mapping of settings`);
      return {};
    }
    return value as Tree;
  } catch (err) {
    problems.push(`config file ${path}: ${(err as Error).message.split('\n')[0]}`);
    return {};
  }
}

/** Deep merge of plain objects; arrays and scalars of `over` replace those of `base`. */
function merge(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b)
        ? merge(b as Tree, v as Tree)
        : v;
  }
  return out;
}

export function loadConfig(sources: ConfigSources): LoadedConfig {
  const problems: string[] = [];
  const schema = loadConfigSchema();
  const settings = settingsOf(schema);
  // The shipped defaults come parsed from the generated module (no YAML parse at start).
  const defaults = readYamlFile(join(configDir(), 'modsync.yaml'), problems, bundledConfigDefaults);
  const origins: Record<string, Origin> = {};
  for (const s of settings) origins[s.key] = 'default';

  let tree = defaults;
  const file = sources.file ?? sources.env.MODSYNC_CONFIG;
  if (file) {
    const user = readYamlFile(file, problems);
    tree = merge(tree, user);
    for (const s of settings) if (getPath(user, s.key) !== undefined) origins[s.key] = 'file';
  }
  for (const s of settings) {
    const raw = sources.env[s.env];
    if (raw === undefined || raw === '') continue;
    const value = coerce(s, raw, `environment variable ${s.env}`, problems);
    if (value !== undefined) {
      setPath(tree, s.key, value);
      origins[s.key] = 'env';
    }
  }
  for (const s of settings) {
    const raw = sources.flags[s.flag];
    if (raw === undefined) continue;
    const value = coerce(s, raw, `flag --${s.flag}`, problems);
    if (value !== undefined) {
      setPath(tree, s.key, value);
      origins[s.key] = 'flag';
    }
  }

  // Generated at build time for the shipped schema (scripts/gen-validators.ts).
  const validate = configValidator(schema);
  if (!validate(tree)) {
    for (const e of validate.errors ?? []) {
      const key = e.instancePath.slice(1).replace(/\//g, '.');
      if (e.keyword === 'additionalProperties') {
        const extra = (e.params as { additionalProperty: string }).additionalProperty;
        problems.push(`${key ? key + '.' : ''}${extra}: unknown setting (see config/modsync.yaml for the list)`);
        continue;
      }
      const setting = settings.find((s) => key === s.key || key.startsWith(s.key + '.'));
      const from = setting ? ` (from ${describeOrigin(setting, origins[setting.key] ?? 'default')})` : '';
      problems.push(`${key || '(root)'}: ${e.message ?? 'is invalid'}${from}`);
    }
  }
  // Keys the schema already refused are not checked again (one problem per setting).
  const refused = new Set((validate.errors ?? []).map((e) => e.instancePath.slice(1).replace(/\//g, '.')));
  for (const [key, check] of Object.entries(SYNTAX_CHECKS)) {
    const value = getPath(tree, key);
    const setting = settings.find((s) => s.key === key);
    const origin = origins[key] ?? 'default';
    if (typeof value !== 'string' || refused.has(key) || !setting || origin === 'default') continue;
    const why = check(value);
    if (why) problems.push(`${key}: ${why} (from ${describeOrigin(setting, origin)})`);
  }
  return { config: tree as unknown as Config, origins, problems };
}

function describeOrigin(s: Setting, origin: Origin): string {
  switch (origin) {
    case 'flag':
      return `--${s.flag}`;
    case 'env':
      return s.env;
    case 'file':
      return 'the config file';
    default:
      return 'the defaults';
  }
}
