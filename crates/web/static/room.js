// The video room: a signaling socket to the practice, and one peer connection to each other person
// in the call (a mesh of up to four). The server sends the room's whole state on every change; this
// script makes the connections match it. Media goes browser to browser (or through the relay),
// encrypted by DTLS-SRTP; nothing is recorded, and the chat is not stored anywhere.

const root = document.getElementById('room');
const text = JSON.parse(document.getElementById('room-text').textContent);
const appointment = root.dataset.appointment;
const $ = (id) => document.getElementById(id);

function say(key, args = {}) {
  return (text[key] || key).replace(/\{\s*\$(\w+)\s*\}/g, (_, name) => String(args[name] ?? ''));
}

const ui = {
  status: $('room-status'),
  trouble: $('room-trouble'),
  people: $('room-people'),
  videos: $('room-videos'),
  self: $('room-self'),
  quality: $('room-quality'),
  mic: $('room-mic'),
  camera: $('room-camera'),
  audioOnly: $('room-audio-only'),
  end: $('room-end'),
  cameraChoice: $('room-camera-choice'),
  micChoice: $('room-mic-choice'),
  chatLines: $('room-chat-lines'),
  chatForm: $('room-chat-form'),
  chatText: $('room-chat-text'),
};

let socket = null;
let me = null; // this connection's id
let iceServers = [];
let local = new MediaStream();
let audioOnly = false;
let over = false;
let socketAttempts = 0;
/** connection id → { pc, offerer, pending: [], figure, video, timer, stats } */
const peers = new Map();

function setStatus(key) {
  ui.status.textContent = say(key);
  ui.status.dataset.key = key;
}

// ---- local media ----------------------------------------------------------------------------

async function startMedia(constraints = { audio: true, video: true }) {
  try {
    const stream = await navigator.mediaDevices.getUserMedia(constraints);
    useStream(stream);
  } catch {
    if (constraints.video) {
      // No camera (or refused): sound alone still makes a session.
      try {
        const stream = await navigator.mediaDevices.getUserMedia({ audio: constraints.audio });
        useStream(stream);
        note('room-no-camera');
        return;
      } catch { /* fall through */ }
    }
    note('room-no-devices');
  }
}

function useStream(stream) {
  for (const t of local.getTracks()) t.stop();
  local = stream;
  ui.self.srcObject = stream;
  for (const peer of peers.values()) attachLocal(peer.pc);
  listDevices();
}

function track(kind) {
  return local.getTracks().find((t) => t.kind === kind) || null;
}

/** Puts our current tracks on a connection's senders, without a new negotiation. */
function attachLocal(pc) {
  for (const tr of pc.getTransceivers()) {
    const kind = tr.receiver.track.kind;
    const t = kind === 'video' && audioOnly ? null : track(kind);
    if (tr.sender.track !== t) tr.sender.replaceTrack(t).catch(() => {});
    if (tr.direction !== 'sendrecv' && tr.currentDirection !== 'stopped') tr.direction = 'sendrecv';
  }
}

async function listDevices() {
  let devices = [];
  try { devices = await navigator.mediaDevices.enumerateDevices(); } catch { return; }
  fill(ui.cameraChoice, devices.filter((d) => d.kind === 'videoinput'), track('video'));
  fill(ui.micChoice, devices.filter((d) => d.kind === 'audioinput'), track('audio'));
}

function fill(select, devices, current) {
  if (!select) return;
  const chosen = current?.getSettings().deviceId;
  select.replaceChildren(...devices.map((d, i) => {
    const o = document.createElement('option');
    o.value = d.deviceId;
    o.textContent = d.label || `${i + 1}`;
    o.selected = d.deviceId === chosen;
    return o;
  }));
}

async function switchDevice(kind, deviceId) {
  try {
    const fresh = await navigator.mediaDevices.getUserMedia({ [kind]: { deviceId: { exact: deviceId } } });
    const next = fresh.getTracks()[0];
    const old = track(kind);
    if (old) { local.removeTrack(old); old.stop(); }
    if (kind === 'audio' && ui.mic.dataset.on === 'true') next.enabled = false;
    if (kind === 'video' && ui.camera.dataset.on === 'true') next.enabled = false;
    local.addTrack(next);
    ui.self.srcObject = local;
    for (const peer of peers.values()) attachLocal(peer.pc);
  } catch {
    note('room-no-devices');
  }
}

/** A button whose words say what it will do next ("Mute", then "Unmute"); its state is kept in
 *  `data-on` rather than aria-pressed, which would contradict the changing words. */
function toggle(button, onKey, offKey, apply) {
  const on = button.dataset.on !== 'true';
  button.dataset.on = String(on);
  button.textContent = say(on ? offKey : onKey);
  apply(on);
}

// ---- signaling --------------------------------------------------------------------------------

function connect() {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  socket = new WebSocket(`${scheme}://${location.host}/rooms/${appointment}/ws`);
  socket.addEventListener('open', () => { socketAttempts = 0; });
  socket.addEventListener('message', (e) => {
    let msg;
    try { msg = JSON.parse(e.data); } catch { return; }
    handle(msg);
  });
  socket.addEventListener('close', () => {
    if (over) return;
    // The practice went away for a moment (a restart, a network change): try again, calmly.
    for (const id of [...peers.keys()]) closePeer(id);
    setStatus('room-socket-lost');
    const wait = Math.min(1000 * 2 ** socketAttempts, 10000);
    socketAttempts += 1;
    if (socketAttempts > 4) ui.trouble.hidden = false;
    setTimeout(connect, wait);
  });
}

function send(msg) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(msg));
}

function handle(msg) {
  switch (msg.type) {
    case 'hello':
      me = msg.connection;
      iceServers = msg.iceServers || [];
      break;
    case 'state':
      applyState(msg);
      break;
    case 'signal':
      onSignal(msg.from, msg.data);
      break;
    case 'chat':
      addChat(msg.mine ? say('room-chat-from-you') : msg.name, msg.text);
      break;
    case 'replaced':
      over = true;
      leaveCall();
      setStatus('room-replaced');
      break;
    default:
      break;
  }
}

function applyState(s) {
  const inCall = s.me.current && (s.me.host || s.me.admitted) && s.phase !== 'ended' && s.phase !== 'closed';
  if (s.phase === 'ended') {
    over = true;
    leaveCall();
    setStatus('room-ended');
    socket.close();
    return;
  }
  if (s.me.host) renderLobby(s);
  const wanted = new Set(inCall
    ? s.people.filter((p) => p.connection && p.connection !== me).map((p) => p.connection)
    : []);
  for (const id of [...peers.keys()]) if (!wanted.has(id)) closePeer(id);
  for (const id of wanted) {
    if (!peers.has(id)) {
      const person = s.people.find((p) => p.connection === id);
      openPeer(id, person ? person.name : '');
    }
  }
  if (!inCall) {
    setStatus(s.phase === 'closed' ? 'room-closed' : 'room-waiting');
  } else if (wanted.size === 0) {
    setStatus(s.me.host ? 'room-connected' : 'room-admitted');
  } else {
    updateCallStatus();
  }
}

function renderLobby(s) {
  if (!ui.people) return;
  const guests = s.people.filter((p) => !p.host);
  const items = guests.filter((p) => p.here || p.admitted).map((p) => {
    const li = document.createElement('li');
    const name = document.createElement('span');
    name.textContent = p.name;
    li.append(name);
    if (p.waiting) {
      const note = document.createElement('span');
      note.className = 'badge';
      note.textContent = say('room-waiting-since');
      li.append(' ', note, ' ');
      li.append(command('room-let-in', { type: 'admit', user: p.user }, `admit-${p.user}`));
    } else if (p.admitted) {
      li.append(' ', command('room-send-back', { type: 'send_back', user: p.user }, `send-back-${p.user}`, 'secondary'));
    }
    return li;
  });
  if (items.length === 0) {
    const li = document.createElement('li');
    li.textContent = say('room-nobody-waiting');
    items.push(li);
  }
  // Keep focus where it was when the list is redrawn (a keyboard user may be on a button).
  const focused = document.activeElement?.dataset?.command;
  ui.people.replaceChildren(...items);
  if (focused) ui.people.querySelector(`[data-command="${focused}"]`)?.focus();
}

function command(key, msg, id, kind = '') {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = `button ${kind}`.trim();
  b.textContent = say(key);
  b.dataset.command = id;
  b.addEventListener('click', () => send(msg));
  return b;
}

// ---- peer connections -------------------------------------------------------------------------

function openPeer(id, name) {
  const pc = new RTCPeerConnection({ iceServers });
  const offerer = me < id; // one side offers, so two offers never cross
  const figure = document.createElement('li');
  figure.className = 'room-remote';
  const video = document.createElement('video');
  video.autoplay = true;
  video.playsInline = true;
  video.setAttribute('aria-label', name);
  const caption = document.createElement('p');
  caption.className = 'room-name';
  caption.textContent = name;
  figure.append(video, caption);
  ui.videos.append(figure);
  const peer = { pc, offerer, pending: [], figure, video, timer: null, restarts: 0, last: null };
  peers.set(id, peer);

  for (const kind of ['audio', 'video']) {
    if (offerer) pc.addTransceiver(kind, { direction: 'sendrecv', streams: [local] });
  }
  if (offerer) attachLocal(pc);
  const remote = new MediaStream();
  video.srcObject = remote;
  pc.addEventListener('track', (e) => {
    remote.addTrack(e.track);
    video.play().catch(() => {});
  });
  pc.addEventListener('icecandidate', (e) => {
    if (e.candidate) send({ type: 'signal', to: id, data: { candidate: e.candidate.toJSON() } });
  });
  pc.addEventListener('connectionstatechange', () => onConnectionState(id));
  if (offerer) negotiate(id, false);
}

async function negotiate(id, restart) {
  const peer = peers.get(id);
  if (!peer) return;
  try {
    const offer = await peer.pc.createOffer(restart ? { iceRestart: true } : {});
    await peer.pc.setLocalDescription(offer);
    send({ type: 'signal', to: id, data: { description: peer.pc.localDescription.toJSON() } });
  } catch { /* the state's next change or the timer tries again */ }
}

async function onSignal(from, data) {
  const peer = peers.get(from);
  if (!peer) return;
  const { pc } = peer;
  try {
    if (data.description) {
      await pc.setRemoteDescription(data.description);
      if (data.description.type === 'offer') {
        attachLocal(pc);
        await pc.setLocalDescription(await pc.createAnswer());
        send({ type: 'signal', to: from, data: { description: pc.localDescription.toJSON() } });
      }
      for (const c of peer.pending.splice(0)) await pc.addIceCandidate(c).catch(() => {});
    } else if (data.candidate) {
      if (pc.remoteDescription) await pc.addIceCandidate(data.candidate).catch(() => {});
      else peer.pending.push(data.candidate);
    } else if (data.restart && peer.offerer) {
      negotiate(from, true);
    }
  } catch { /* a stale description after a restart: the next offer settles it */ }
}

function onConnectionState(id) {
  const peer = peers.get(id);
  if (!peer) return;
  const s = peer.pc.connectionState;
  peer.figure.dataset.state = s;
  if (s === 'connected') {
    clearTimeout(peer.timer);
    peer.timer = null;
    peer.restarts = 0;
    ui.trouble.hidden = true;
  } else if (s === 'disconnected' || s === 'failed') {
    // A dropped network: restart ICE (the offerer does; the other side asks it to), and tell
    // the person calmly; after 20 s without success, show how to reach the practice.
    if (s === 'failed') restartIce(id);
    if (!peer.timer) {
      peer.timer = setTimeout(() => {
        if (peers.get(id)?.pc.connectionState !== 'connected') ui.trouble.hidden = false;
      }, 20000);
    }
  }
  updateCallStatus();
}

function restartIce(id) {
  const peer = peers.get(id);
  if (!peer || peer.restarts > 5) return;
  peer.restarts += 1;
  if (peer.offerer) negotiate(id, true);
  else send({ type: 'signal', to: id, data: { restart: true } });
}

function closePeer(id) {
  const peer = peers.get(id);
  if (!peer) return;
  clearTimeout(peer.timer);
  peer.pc.close();
  peer.figure.remove();
  peers.delete(id);
}

function leaveCall() {
  for (const id of [...peers.keys()]) closePeer(id);
  for (const t of local.getTracks()) t.stop();
  ui.quality.hidden = true;
}

function updateCallStatus() {
  const states = [...peers.values()].map((p) => p.pc.connectionState);
  if (states.length === 0) return;
  if (states.every((s) => s === 'connected')) setStatus('room-connected');
  else if (states.some((s) => s === 'disconnected' || s === 'failed')) setStatus('room-reconnecting');
  else setStatus('room-connecting');
}

// ---- connection quality -----------------------------------------------------------------------

async function measure() {
  let worst = null;
  for (const peer of peers.values()) {
    if (peer.pc.connectionState !== 'connected') continue;
    const report = await peer.pc.getStats();
    let rtt = 0; let lost = 0; let received = 0; let bytes = 0;
    report.forEach((r) => {
      if (r.type === 'candidate-pair' && r.nominated && r.state === 'succeeded' && r.currentRoundTripTime !== undefined) {
        rtt = r.currentRoundTripTime * 1000;
      }
      if (r.type === 'inbound-rtp') {
        lost += r.packetsLost || 0;
        received += r.packetsReceived || 0;
        bytes += r.bytesReceived || 0;
      }
    });
    const now = performance.now();
    const rate = peer.last ? ((bytes - peer.last.bytes) * 8) / (now - peer.last.at) : 0; // kbit/s
    const loss = peer.last && received + lost > peer.last.packets
      ? (100 * (lost - peer.last.lost)) / Math.max(1, received + lost - peer.last.packets)
      : 0;
    peer.last = { bytes, at: now, lost, packets: received + lost };
    peer.figure.dataset.bytesIn = String(bytes);
    const q = { rtt: Math.round(rtt), loss: Math.max(0, Math.round(loss * 10) / 10), rate: Math.round(rate) };
    if (!worst || q.rtt + q.loss * 50 > worst.rtt + worst.loss * 50) worst = q;
  }
  if (!worst) { ui.quality.hidden = true; return; }
  const key = worst.rtt > 400 || worst.loss > 5 ? 'room-quality-poor'
    : worst.rtt > 200 || worst.loss > 1 ? 'room-quality-fair' : 'room-quality-good';
  ui.quality.textContent = `${say(key)} (${say('room-quality-detail', worst)})`;
  ui.quality.dataset.quality = key.replace('room-quality-', '');
  ui.quality.hidden = false;
}

// ---- chat -----------------------------------------------------------------------------------

function addChat(who, line) {
  const li = document.createElement('li');
  const name = document.createElement('strong');
  name.textContent = `${who}: `;
  li.append(name, document.createTextNode(line));
  ui.chatLines.append(li);
}

function note(key) {
  const p = document.createElement('p');
  p.className = 'notice';
  p.textContent = say(key);
  ui.status.after(p);
}

// ---- wiring ---------------------------------------------------------------------------------

ui.mic.addEventListener('click', () => toggle(ui.mic, 'room-mute', 'room-unmute', (muted) => {
  const t = track('audio');
  if (t) t.enabled = !muted;
}));
ui.camera.addEventListener('click', () => toggle(ui.camera, 'room-camera-off', 'room-camera-on', (off) => {
  const t = track('video');
  if (t) t.enabled = !off;
}));
ui.audioOnly.addEventListener('click', () => toggle(ui.audioOnly, 'room-audio-only', 'room-video-back', (on) => {
  // Sound only: stop sending video (and the camera), which spares a weak connection.
  audioOnly = on;
  const t = track('video');
  if (on && t) { t.stop(); local.removeTrack(t); }
  if (!on) {
    navigator.mediaDevices.getUserMedia({ video: true }).then((s) => {
      local.addTrack(s.getVideoTracks()[0]);
      ui.self.srcObject = local;
      for (const peer of peers.values()) attachLocal(peer.pc);
    }).catch(() => note('room-no-camera'));
  }
  for (const peer of peers.values()) attachLocal(peer.pc);
}));
ui.end?.addEventListener('click', () => send({ type: 'end' }));
ui.cameraChoice?.addEventListener('change', () => switchDevice('video', ui.cameraChoice.value));
ui.micChoice?.addEventListener('change', () => switchDevice('audio', ui.micChoice.value));
ui.chatForm.addEventListener('submit', (e) => {
  e.preventDefault();
  const line = ui.chatText.value.trim();
  if (!line) return;
  send({ type: 'chat', text: line });
  ui.chatText.value = '';
});
window.addEventListener('pagehide', () => {
  over = true;
  if (socket) socket.close();
  leaveCall();
});

setInterval(() => { measure().catch(() => {}); }, 2000);
startMedia().finally(connect);
