// Passkeys in the browser: the one place besides the video room where holdspace needs script.
// Buttons marked data-passkey="register" | "sign-in" | "second-factor" are shown only where the
// browser supports passkeys; everything else on these pages works without script.

const b64 = {
  decode(text) {
    const s = text.replace(/-/g, '+').replace(/_/g, '/');
    const bin = atob(s + '='.repeat((4 - (s.length % 4)) % 4));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0)).buffer;
  },
  encode(buffer) {
    let bin = '';
    for (const byte of new Uint8Array(buffer)) bin += String.fromCharCode(byte);
    return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  },
};

function csrf() {
  return document.querySelector('input[name="csrf"]')?.value ?? '';
}

async function post(url, body) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-csrf-token': csrf() },
    credentials: 'same-origin',
    body: JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.message || 'The passkey did not work.');
  return data;
}

function creationOptions(options) {
  const pk = structuredClone(options.publicKey);
  pk.challenge = b64.decode(pk.challenge);
  pk.user.id = b64.decode(pk.user.id);
  pk.excludeCredentials = (pk.excludeCredentials || []).map((c) => ({ ...c, id: b64.decode(c.id) }));
  return { publicKey: pk };
}

function requestOptions(options) {
  const pk = structuredClone(options.publicKey);
  pk.challenge = b64.decode(pk.challenge);
  pk.allowCredentials = (pk.allowCredentials || []).map((c) => ({ ...c, id: b64.decode(c.id) }));
  return { publicKey: pk };
}

function registration(credential) {
  return {
    id: credential.id,
    rawId: b64.encode(credential.rawId),
    type: credential.type,
    response: {
      attestationObject: b64.encode(credential.response.attestationObject),
      clientDataJSON: b64.encode(credential.response.clientDataJSON),
    },
    extensions: credential.getClientExtensionResults(),
  };
}

function assertion(credential) {
  return {
    id: credential.id,
    rawId: b64.encode(credential.rawId),
    type: credential.type,
    response: {
      authenticatorData: b64.encode(credential.response.authenticatorData),
      clientDataJSON: b64.encode(credential.response.clientDataJSON),
      signature: b64.encode(credential.response.signature),
      userHandle: credential.response.userHandle ? b64.encode(credential.response.userHandle) : null,
    },
    extensions: credential.getClientExtensionResults(),
  };
}

const ceremonies = {
  async register() {
    const started = await post('/passkeys/register/start', {});
    const credential = await navigator.credentials.create(creationOptions(started.options));
    return post('/passkeys/register/finish', { ceremony: started.ceremony, credential: registration(credential) });
  },
  async 'sign-in'() {
    const email = document.getElementById('email')?.value ?? '';
    const started = await post('/passkeys/sign-in/start', { email });
    const credential = await navigator.credentials.get(requestOptions(started.options));
    return post('/passkeys/sign-in/finish', { ceremony: started.ceremony, credential: assertion(credential) });
  },
  async 'second-factor'() {
    const started = await post('/passkeys/second-factor/start', {});
    const credential = await navigator.credentials.get(requestOptions(started.options));
    return post('/passkeys/second-factor/finish', { ceremony: started.ceremony, credential: assertion(credential) });
  },
};

function say(button, text) {
  const status = document.getElementById(button.getAttribute('aria-describedby') || 'passkey-status');
  if (status) status.textContent = text;
}

if (window.PublicKeyCredential) {
  for (const button of document.querySelectorAll('[data-passkey]')) {
    const container = button.closest('[data-passkey-box]') || button;
    container.hidden = false;
    button.addEventListener('click', async (event) => {
      event.preventDefault();
      button.disabled = true;
      say(button, button.dataset.working || '');
      try {
        const done = await ceremonies[button.dataset.passkey]();
        if (done.redirect) window.location.assign(done.redirect);
        else say(button, button.dataset.done || 'Done.');
      } catch (e) {
        say(button, e && e.name === 'NotAllowedError' ? (button.dataset.cancelled || 'Cancelled.') : (e.message || 'The passkey did not work.'));
      } finally {
        button.disabled = false;
      }
    });
  }
}
