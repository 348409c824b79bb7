/**
 * The Deckhouse CRD schemas the differential tests run on, with the structured-merge-diff
 * schema the apiserver would derive from each.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { JsonMap, Schema } from '../dkp-sim/types.ts';
import { smdSchema } from './smd-schema.ts';

/** One served kind/version: its CRD schema and what the oracle needs. */
export interface Kind {
  kind: string;
  apiVersion: string;
  name: string;
  openAPIV3Schema: Schema;
  smd: string;
}

function load(file: string, kind: string, version: string, name: string): Kind {
  const path = fileURLToPath(new URL(`../../crds/deckhouse/${file}.yaml`, import.meta.url));
  type Crd = { spec: { versions: Array<{ name: string; schema: { openAPIV3Schema: Schema } }> } };
  const crd = parse(readFileSync(path, 'utf8')) as Crd;
  const openAPIV3Schema = crd.spec.versions.find((v) => v.name === version)!.schema.openAPIV3Schema;
  return { kind, apiVersion: `deckhouse.io/${version}`, name, openAPIV3Schema, smd: smdSchema(openAPIV3Schema) };
}

/** ModuleSource, ModuleConfig and ModuleUpdatePolicy at their served versions. */
export const KINDS: Kind[] = [
  load('modulesource', 'ModuleSource', 'v1alpha1', 'example'),
  load('moduleconfig', 'ModuleConfig', 'v1alpha1', 'module-one'),
  load('moduleupdatepolicy', 'ModuleUpdatePolicy', 'v1alpha2', 'example-policy'),
];

/** The kind called `kind`. */
export function kindOf(kind: string): Kind {
  return KINDS.find((k) => k.kind === kind)!;
}

/** An object of `k` with these metadata extras and top-level fields. */
export function objectOf(k: Kind, body: JsonMap, metadata: JsonMap = {}): JsonMap {
  return { apiVersion: k.apiVersion, kind: k.kind, metadata: { name: k.name, ...metadata }, ...body };
}
