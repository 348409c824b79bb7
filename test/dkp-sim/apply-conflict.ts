/**
 * The 409 Conflict a server-side apply answers when fields it sets are owned by other managers
 * (k8s.io/apimachinery pkg/util/managedfields/internal/conflict.go, NewConflictError).
 */
import { conflictManagerKey, conflictManagerText, type ManagedFieldsConflict } from './managed-fields.ts';
import { ApiError, failure } from './status.ts';
import type { Target } from './write-path.ts';

/**
 * The 409 of a server-side apply conflict, worded like the apiserver's getConflictMessage: one
 * conflict inline, several grouped per manager (managers in identifier order, see
 * conflictManagerKey); managers named by conflictManagerText (updaters without a time).
 */
export function applyConflictError(t: Target, name: string, conflicts: ManagedFieldsConflict[]): ApiError {
  let detail: string;
  if (conflicts.length === 1) {
    detail = `conflict with ${conflictManagerText(conflicts[0]!)}: ${conflicts[0]!.field}`;
  } else {
    const groups = new Map<string, { text: string; fields: string[] }>();
    for (const c of conflicts) {
      const key = conflictManagerKey(c);
      const group = groups.get(key) ?? { text: conflictManagerText(c), fields: [] };
      group.fields.push(c.field);
      groups.set(key, group);
    }
    const keys = [...groups.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    detail = keys
      .map((k) => {
        const g = groups.get(k)!;
        return `conflicts with ${g.text}:\n${g.fields.map((f) => `- ${f}`).join('\n')}`;
      })
      .join('\n');
  }
  const plural = conflicts.length === 1 ? 'conflict' : 'conflicts';
  const causes = conflicts.map((c) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${conflictManagerText(c)}`,
    field: c.field,
  }));
  const details: NonNullable<ApiError['status']['details']> = { name, kind: t.def.plural, causes };
  if (t.def.group) details.group = t.def.group;
  return new ApiError(failure(409, 'Conflict', `Apply failed with ${conflicts.length} ${plural}: ${detail}`, details));
}
