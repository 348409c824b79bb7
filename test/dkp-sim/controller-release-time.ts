/**
 * The deploy-time checks Deckhouse runs on a release the task calculator lets through:
 * apply-now, canary (`spec.applyAfter`), update windows and manual approval, per update mode,
 * with the status messages they produce. From deckhouse/deckhouse `deckhouse-controller/pkg/
 * releaseupdater/deploy_time_checker.go` (CalculatePatchDeployTime / CalculateMinorDeployTime:
 * a patch waits for windows unless the mode is Manual and for approval only in Manual; a minor
 * waits for windows only in Auto and for approval in every mode but Auto; an approval wait
 * replaces the other reasons) and `deploy_delay_reason.go` (the message text).
 * No notification config is simulated (MinimalNotificationTime 0), so there is no notify delay.
 */
import { inWindow, nextWindowStart, type UpdateWindow } from './controller-objects.ts';

/** The annotation a Manual (or AutoPatch minor) release waits for. */
export const APPROVED_ANNOTATION = 'modules.deckhouse.io/approved';

/** What the deploy-time check looks at. */
export interface DeployTimeInput {
  mode: string;
  windows: UpdateWindow[];
  now: Date;
  /** The task calculator's `IsPatch`. */
  isPatch: boolean;
  /** `GetApplyNow()` of the release. */
  applyNow: boolean;
  /** `GetManuallyApproved()` of the release. */
  approved: boolean;
  /** `spec.applyAfter`, if set. */
  applyAfter?: Date;
}

type Reason = 'canary' | 'window' | 'approval';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Go's `02 Jan 2006 15:04 MST` layout in UTC, as deploy_delay_reason.go prints apply times. */
export function applyTimeText(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  const day = `${pad(date.getUTCDate())} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
  return `${day} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())} UTC`;
}

/** Why the release may not deploy now (its status message), or undefined when it may. */
export function deployDelay(input: DeployTimeInput): string | undefined {
  if (input.applyNow) return undefined;
  const { mode, now } = input;
  let reasons = new Set<Reason>();
  let applyTime = now;
  const canary = input.isPatch || mode !== 'Manual';
  if (canary && input.applyAfter && now < input.applyAfter) {
    applyTime = input.applyAfter;
    reasons.add('canary');
  }
  const windowed = input.isPatch ? mode !== 'Manual' : mode === 'Auto';
  if (windowed && !inWindow(input.windows, applyTime)) {
    applyTime = nextWindowStart(input.windows, applyTime);
    reasons.add('window');
  }
  const needsApproval = input.isPatch ? mode === 'Manual' : mode !== 'Auto';
  if (needsApproval && !input.approved) {
    reasons = new Set(['approval']);
    applyTime = now;
  }
  if (reasons.size === 0) return undefined;
  const parts: string[] = [];
  if (reasons.has('canary')) parts.push('postponed');
  if (reasons.has('window')) parts.push('waiting for the update window');
  if (reasons.has('approval')) parts.push(`waiting for the '${APPROVED_ANNOTATION}: "true"' annotation`);
  let message = `Release is ${parts.join(', ')}`;
  if (applyTime.getTime() === now.getTime()) return message;
  if (reasons.has('approval')) message += '. After approval the release will be delayed';
  return `${message} until ${applyTimeText(applyTime)}`;
}
