/**
 * The simulation clock: real time plus an offset tests can move, so timestamps, ages and
 * update windows can be driven without waiting.
 */

/** Readable and movable time source shared by the API layer and the controller. */
export interface Clock {
  now(): Date;
  set(now: Date): void;
  advance(seconds: number): void;
}

/** A clock that starts at real time and keeps flowing after set/advance. */
export function createClock(): Clock {
  let offsetMs = 0;
  return {
    now: () => new Date(Date.now() + offsetMs),
    set: (now) => {
      offsetMs = now.getTime() - Date.now();
    },
    advance: (seconds) => {
      offsetMs += seconds * 1000;
    },
  };
}

/** RFC 3339 with second precision, as metav1.Time serialises (`2024-12-12T10:49:40Z`). */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
