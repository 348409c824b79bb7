/**
 * Planning time at scale, in process: `planChanges` for 1,000 and 5,000 ModuleConfigs against
 * generated live objects that look like what modsync applied before (its Apply entry in
 * managedFields). The mix is typical for a steady cluster: 90% unchanged, 6% updates, 2%
 * creates, 2% prune candidates. No cluster and no git: this is the CPU cost of the diff.
 *
 * Run: ./node_modules/.bin/node bench/plan-scale.ts [sizes...]   (default 1000 5000)
 */
import { encodeFieldsV1 } from '../src/core/field-set.ts';
import { fieldSetOf } from '../src/core/field-set-walk.ts';
import type { ManagedKind } from '../src/core/kinds.ts';
import type { KubeObject } from '../src/core/object.ts';
import { withOwnership } from '../src/core/ownership.ts';
import { Redactor } from '../src/core/redact.ts';
import { loadSchemaInfo, type SchemaInfo } from '../src/core/schema-info.ts';
import { handlerFor } from '../src/kinds/registry.ts';
import { planChanges, type PlanObject } from '../src/pipeline/plan.ts';
import { machineLine, mb, ms, peakRss, quantile, timed } from './stats.ts';

const INSTANCE = 'bench';
const ROUNDS = 7;

function moduleConfig(i: number, replicas: number): KubeObject {
  return {
    apiVersion: 'deckhouse.io/v1alpha1',
    kind: 'ModuleConfig',
    metadata: { name: `module-${String(i).padStart(5, '0')}` },
    spec: {
      enabled: true,
      source: 'example',
      updatePolicy: 'stable-auto',
      version: 1,
      settings: { replicas, tier: i % 3 === 0 ? 'gold' : 'silver', limits: { cpu: '500m', memory: '512Mi' } },
    },
  };
}

/** A live object as the API server returns it after modsync applied `applied`. */
function liveOf(applied: KubeObject, schemas: SchemaInfo, i: number): KubeObject {
  const owned = withOwnership(applied, INSTANCE);
  const fields = fieldSetOf(owned, schemas.schemaFor(owned.kind, owned.apiVersion)!);
  return {
    ...owned,
    metadata: {
      ...owned.metadata,
      uid: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`,
      resourceVersion: String(1000 + i),
      generation: 1,
      creationTimestamp: '2026-01-01T00:00:00Z',
      managedFields: [
        {
          manager: 'modsync',
          operation: 'Apply',
          apiVersion: owned.apiVersion,
          time: '2026-01-01T00:00:00Z',
          fieldsType: 'FieldsV1',
          fieldsV1: encodeFieldsV1(fields),
        },
        {
          manager: 'deckhouse-controller',
          operation: 'Update',
          apiVersion: owned.apiVersion,
          subresource: 'status',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:status': { 'f:message': {} } },
        },
      ],
    },
    status: { message: '', version: '1' },
  };
}

function scenario(n: number, schemas: SchemaInfo): { desired: PlanObject[]; live: Map<ManagedKind, KubeObject[]> } {
  const desired: PlanObject[] = [];
  const live: KubeObject[] = [];
  for (let i = 0; i < n; i++) {
    const slot = i % 50;
    const wanted = moduleConfig(i, slot < 3 ? 3 : 2); // 6% updates (replicas 2 → 3)
    if (slot < 49)
      desired.push({
        id: { kind: 'ModuleConfig', name: wanted.metadata.name },
        object: wanted,
        file: `modules/${wanted.metadata.name}.yaml`,
        line: 1,
      });
    if (slot !== 3) live.push(liveOf(moduleConfig(i, 2), schemas, i)); // slot 3: 2% creates; slot 49: 2% prunes
  }
  return { desired, live: new Map([['ModuleConfig', live]]) };
}

async function main(): Promise<void> {
  const sizes = process.argv
    .slice(2)
    .map(Number)
    .filter((x) => x > 0);
  console.log(`plan-scale: ${machineLine()}`);
  const [schemas, loadMs] = await timed(() => loadSchemaInfo());
  console.log(`CRD schemas loaded once in ${ms(loadMs)}`);
  for (const n of sizes.length ? sizes : [1000, 5000]) {
    const { desired, live } = scenario(n, schemas);
    const times: number[] = [];
    let summary = '';
    for (let r = 0; r < ROUNDS; r++) {
      const [plan, t] = await timed(() =>
        planChanges({
          desired,
          live,
          instance: INSTANCE,
          prune: true,
          protectedNames: [],
          handlers: handlerFor,
          redactor: new Redactor(),
          schemas,
        }),
      );
      times.push(t);
      const count = (a: string) => plan.entries.filter((c) => c.action === a).length;
      summary = `${count('unchanged')} unchanged, ${count('update')} update, ${count('create')} create, ${count('delete')} delete`;
    }
    console.log(
      `${String(n).padStart(5)} ModuleConfigs: first ${ms(times[0]!)}, median ${ms(quantile(times.slice(1), 0.5))}, p90 ${ms(quantile(times.slice(1), 0.9))} ` +
        `(${ROUNDS - 1} warm rounds; ${summary}); peak RSS ${mb(peakRss())}`,
    );
  }
}

await main();
