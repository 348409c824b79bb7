/**
 * Approve stage: for every Pending ModuleRelease waiting for the approval
 * annotation that an approval file on the tracked branch covers, merge-patch
 * `modules.deckhouse.io/approved: "true"` (metadata only, nothing else). When the approval file
 * was removed while the release is still Pending, modsync removes the annotation it set.
 * Releases in any other phase are never touched.
 */
import type { ChangeEntry } from '../core/change-set.ts';
import { entry } from '../core/change-set.ts';
import { messageOf } from '../core/errors.ts';
import type { ClusterPort } from '../cluster/port.ts';
import type { Logger } from '../log.ts';
import { APPROVED_ANNOTATION, type ApprovalDecision } from '../approvals/releases.ts';

/** Patches (or, in plan and --dry-run, only reports) the decided annotations; one failure does not stop the rest. */
export async function approveStage(
  decisions: readonly ApprovalDecision[],
  ports: { cluster: ClusterPort; logger: Logger },
  opts: { dryRun: boolean },
): Promise<ChangeEntry[]> {
  const results: ChangeEntry[] = [];
  for (const d of decisions) {
    const id = { kind: 'ModuleRelease' as const, name: d.release.metadata.name };
    const value = d.action === 'approve' ? 'true' : null;
    const base = entry(id, d.action, opts.dryRun ? 'planned' : 'applied', {
      diff: [
        {
          path: `metadata.annotations.${APPROVED_ANNOTATION}`,
          before: d.action === 'approve' ? undefined : 'true',
          after: value ?? undefined,
        },
      ],
      origin: d.approval?.file,
    });
    if (opts.dryRun) {
      // plan / --dry-run: report what would be patched without any request.
      results.push(base);
      continue;
    }
    try {
      await ports.cluster.mergePatch(
        id,
        { metadata: { annotations: { [APPROVED_ANNOTATION]: value } } },
        { dryRun: opts.dryRun },
      );
      ports.logger.info(
        { subject: base.subject, approval: d.approval?.name },
        d.action === 'approve' ? 'release approved' : 'release approval withdrawn',
      );
      results.push(base);
    } catch (err) {
      ports.logger.error({ subject: base.subject, err: messageOf(err) }, 'approval patch failed');
      results.push({ ...base, outcome: 'failed', message: messageOf(err) });
    }
  }
  return results;
}
