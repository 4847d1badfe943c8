// The server's "now" for tests: the real time, or with E2E_NOW=<instant> a clock that started at that
// instant when this test file began and runs on in real time (the server is started on the same clock).
const start = process.env.E2E_NOW;
let offsetMs = start ? Date.parse(start) - Date.now() : 0;
if (start && Number.isNaN(offsetMs)) throw new Error(`E2E_NOW=${start} is not an instant such as 2027-03-28T00:30:00Z`);

export const HOUR = 3_600_000;
export const MINUTE = 60_000;

/** Whether the servers of this run believe it is another time than the machine does. */
export const testClock = Boolean(start);

/** The server's current time in milliseconds since the epoch. */
export function serverNowMs() {
  return Date.now() + offsetMs;
}

/** The server's current time. */
export function serverNow() {
  return new Date(serverNowMs());
}

/**
 * Moves this file's clock on by `ms` (only with E2E_NOW: the machine's clock is not ours to move).
 * A server picks the new time up when it is (re)started; TOTP codes follow at once.
 */
export function advanceClock(ms) {
  if (!testClock) throw new Error('advanceClock needs E2E_NOW');
  offsetMs += ms;
}
