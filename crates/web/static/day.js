// Keeps the day's "Waiting in a room" current while the page is open: every 20 seconds it reads
// the page again and puts the new list in place (announced politely). Without script the list is
// as it was when the page loaded.
const section = document.getElementById('waiting');
const title = document.title;
async function refresh() {
  try {
    const res = await fetch(window.location.pathname, { credentials: 'same-origin', headers: { Accept: 'text/html' } });
    if (!res.ok) return;
    const next = new DOMParser().parseFromString(await res.text(), 'text/html').getElementById('waiting');
    if (next && next.innerHTML !== section.innerHTML) section.innerHTML = next.innerHTML;
    const waiting = section.querySelectorAll('li').length;
    document.title = waiting > 0 ? `(${waiting}) ${title}` : title;
  } catch {
    // Offline for a moment: the next round tries again.
  }
}
if (section) setInterval(refresh, 20_000);
