// Shows booking times in the visitor's own time zone: the browser knows it; without script the
// page offers a zone chooser that does the same.
const url = new URL(window.location.href);
const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
if (zone && !url.searchParams.has('tz')) {
  url.searchParams.set('tz', zone);
  window.location.replace(url.toString());
}
