// Saves a questionnaire's draft a moment after typing stops, and once more when the page is
// left, so that closing the tab loses nothing. The form posts itself as usual; this only sends the
// same fields early (to the route in `data-autosave`, or with action=autosave to the form's own),
// and says "Saved" in the form's live region. Without
// script the form's own "Save" buttons do the same.
const form = document.querySelector('form[data-autosave]');
const status = document.getElementById('autosave-status');
const DELAY_MS = 800;

if (form && status) {
  let timer = null;
  let running = null;
  let dirty = false;
  // Not `form.action`: the form's buttons are named "action", and that name wins.
  // A form whose drafts have a JSON route of their own names it in `data-autosave`; otherwise the
  // draft goes to the form's own address.
  const target = form.dataset.autosave || form.getAttribute('action');

  const say = (text) => { status.textContent = text || ''; };

  const body = () => {
    const data = new URLSearchParams(new FormData(form));
    data.set('action', 'autosave');
    return data;
  };

  const showRisk = () => {
    const notice = document.getElementById('risk-notice');
    const live = document.getElementById('risk-live');
    if (!notice || !notice.hidden) return;
    notice.hidden = false;
    if (live) live.textContent = notice.textContent.replace(/\s+/g, ' ').trim();
  };

  const showProgress = (data) => {
    const text = document.getElementById('progress-answered');
    const bar = document.getElementById('progress-bar');
    if (text && data.progress_text) text.textContent = data.progress_text;
    if (bar && Number.isFinite(data.answered)) {
      bar.max = Math.max(1, data.total);
      bar.value = data.answered;
    }
  };

  const send = async () => {
    dirty = false;
    say(status.dataset.saving);
    try {
      const res = await fetch(target, {
        method: 'POST',
        body: body(),
        credentials: 'same-origin',
        headers: { Accept: 'application/json' },
      });
      const data = await res.json().catch(() => ({}));
      if (data.risk) showRisk();
      if (res.ok && data.saved) {
        showProgress(data);
        say(status.dataset.saved);
      } else {
        if (res.status !== 409) dirty = true;
        say(data.message || status.dataset.failed);
      }
    } catch {
      dirty = true;
      say(status.dataset.failed);
    }
  };

  const save = async () => {
    clearTimeout(timer);
    timer = null;
    while (running) await running;
    if (!dirty) return;
    running = send();
    await running;
    running = null;
  };

  /** The page is going away: send what is unsaved without waiting for an answer. */
  const flush = () => {
    clearTimeout(timer);
    if (!dirty) return;
    dirty = false;
    fetch(target, { method: 'POST', body: body(), credentials: 'same-origin', keepalive: true }).catch(() => {});
  };

  const changed = (event) => {
    if (event.target && event.target.type === 'hidden') return;
    dirty = true;
    clearTimeout(timer);
    timer = setTimeout(save, DELAY_MS);
  };

  form.addEventListener('input', changed);
  form.addEventListener('change', changed);
  // A button press posts the whole form anyway.
  form.addEventListener('submit', () => { clearTimeout(timer); dirty = false; });
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'hidden') flush(); });
  window.addEventListener('pagehide', flush);
}
