// Picks offered booking times by what the server's rules allow at the server's "now", never by the
// machine's wall clock: the first offered time may be inside a notice period a moment later.
import { serverNowMs, HOUR, MINUTE } from './clock.js';

/** The demo practice's rules: a booking needs 24 hours' notice, a move or free cancellation 48. */
export const BOOKING_NOTICE = 24 * HOUR;
export const CANCEL_NOTICE = 48 * HOUR;
/** Room for a test's own minutes, so a time chosen at the start still qualifies at the end. */
export const SLACK = 15 * MINUTE;

/** The instant (ms) a slot link stands for: its slot reference ends in `-<unix seconds>`. */
export function slotStartMs(href) {
  return Number(new URL(href, 'http://slot.invalid').pathname.split('-').pop()) * 1000;
}

/** The first offered time on the page that starts at least `leadMs` after the server's now. */
export async function firstSlotAfter(page, leadMs) {
  const links = page.locator('.slot-list a');
  const hrefs = await links.evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  const earliest = serverNowMs() + leadMs;
  const i = hrefs.findIndex((h) => slotStartMs(h) >= earliest);
  if (i < 0) {
    throw new Error(`no offered time starts ${leadMs / HOUR} h after the server's now (${new Date(serverNowMs()).toISOString()}); offered: ${hrefs.length}`);
  }
  return links.nth(i);
}
