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
  announce: $('room-announce'),
  trouble: $('room-trouble'),
  lobby: $('room-lobby'),
  people: $('room-people'),
  waitingCount: $('room-waiting-count'),
  stage: root.querySelector('.room-stage'),
  videos: $('room-videos'),
  self: $('room-self'),
  selfTile: $('room-self-tile'),
  selfMove: $('room-self-move'),
  selfHide: $('room-self-hide'),
  level: $('room-level'),
  quality: $('room-quality'),
  qualityText: $('room-quality-text'),
  mic: $('room-mic'),
  camera: $('room-camera'),
  audioOnly: $('room-audio-only'),
  devicesOpen: $('room-devices-open'),
  devices: $('room-devices'),
  end: $('room-end'),
  endDialog: $('room-end-dialog'),
  endConfirm: $('room-end-confirm'),
  endCancel: $('room-end-cancel'),
  cameraChoice: $('room-camera-choice'),
  micChoice: $('room-mic-choice'),
  chat: $('room-chat'),
  chatOpen: $('room-chat-open'),
  chatClose: $('room-chat-close'),
  unread: $('room-unread'),
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
let unread = 0;
let inCallBefore = null; // names of the others in the call at the last state, to announce changes
let waitingBefore = 0;
const baseTitle = document.title;
/** connection id → { pc, offerer, pending: [], figure, video, timer, stats } */
const peers = new Map();

/** Says something once to screen readers (the polite live region), without moving focus. */
function announce(line) {
  // Cleared first, so the same words said twice are read twice.
  ui.announce.textContent = '';
  setTimeout(() => { ui.announce.textContent = line; }, 50);
}

const ANNOUNCED = new Set(['room-waiting', 'room-admitted', 'room-reconnecting', 'room-ended', 'room-replaced', 'room-socket-lost', 'room-failed']);

function setStatus(key) {
  const before = ui.status.dataset.key;
  if (before === key) return;
  ui.status.textContent = say(key);
  ui.status.dataset.key = key;
  root.dataset.status = key;
  if (ANNOUNCED.has(key)) announce(say(key));
  else if (key === 'room-connected' && (before === 'room-reconnecting' || before === 'room-socket-lost')) {
    announce(say('room-back-in-call'));
  }
}

/** What the stage shows: the waiting room (one's own preview), the call, or the end. */
function setView(view) {
  if (root.dataset.view === view) return;
  root.dataset.view = view;
  ui.chatOpen.hidden = view !== 'call';
  if (view !== 'call') showChat(false);
  layout();
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
  meterOn();
}

// The waiting room's microphone level: an analyser on our own sound, nothing leaves the page.
let audio = null;
let meterTimer = 0;
function meterOn() {
  if (!ui.level || !track('audio')) return;
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return;
  try {
    audio = audio || new Context();
    const analyser = audio.createAnalyser();
    analyser.fftSize = 1024;
    audio.createMediaStreamSource(new MediaStream([track('audio')])).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    clearInterval(meterTimer);
    meterTimer = setInterval(() => {
      if (audio.state === 'suspended') return;
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const x of samples) sum += x * x;
      ui.level.value = Math.min(1, Math.sqrt(sum / samples.length) * 5);
    }, 120);
  } catch { /* no meter: the call itself does not need it */ }
}

/** A soft, short, quiet two-note chime made here (no sound file): someone is waiting. */
function chime() {
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return;
  try {
    audio = audio || new Context();
    const now = audio.currentTime;
    const gain = audio.createGain();
    gain.connect(audio.destination);
    gain.gain.setValueAtTime(0.0001, now);
    gain.gain.exponentialRampToValueAtTime(0.06, now + 0.04);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + 0.9);
    [[659.25, 0], [880, 0.18]].forEach(([frequency, at]) => {
      const osc = audio.createOscillator();
      osc.type = 'sine';
      osc.frequency.value = frequency;
      osc.connect(gain);
      osc.start(now + at);
      osc.stop(now + at + 0.7);
    });
  } catch { /* silence is fine: the list and the title say it too */ }
}

// Browsers start sound only after the person has touched the page once.
for (const kind of ['pointerdown', 'keydown']) {
  window.addEventListener(kind, () => { if (audio && audio.state === 'suspended') audio.resume().catch(() => {}); }, { capture: true });
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
    if (kind === 'audio' && pressed(ui.mic)) next.enabled = false;
    if (kind === 'video' && pressed(ui.camera)) next.enabled = false;
    local.addTrack(next);
    ui.self.srcObject = local;
    for (const peer of peers.values()) attachLocal(peer.pc);
    if (kind === 'audio') meterOn();
  } catch {
    note('room-no-devices');
  }
}

/** A toggle keeps its words ("Mute") and says its state with aria-pressed (and a slashed icon). */
const pressed = (button) => button.getAttribute('aria-pressed') === 'true';
function toggle(button, apply) {
  const on = !pressed(button);
  button.setAttribute('aria-pressed', String(on));
  apply(on);
}

// ---- signaling --------------------------------------------------------------------------------

// The server's close code for "I am restarting: reconnect" (WebSocket's 1012, Service Restart).
const SERVICE_RESTART = 1012;
// Set after a planned restart: the next socket asks for this connection back, so the calls to the
// others (peer to peer, untouched by the restart) go on without being negotiated again.
let resume = null;
// How many times a socket tries to take its connection back before starting afresh.
const RESUME_ATTEMPTS = 6;

function connect() {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const query = resume ? `?resume=${encodeURIComponent(resume)}` : '';
  socket = new WebSocket(`${scheme}://${location.host}/rooms/${appointment}/ws${query}`);
  socket.addEventListener('open', () => { socketAttempts = 0; });
  socket.addEventListener('message', (e) => {
    let msg;
    try { msg = JSON.parse(e.data); } catch { return; }
    handle(msg);
  });
  socket.addEventListener('close', (e) => {
    if (over) return;
    if (e.code === SERVICE_RESTART) {
      resume = me;
      socketAttempts = 0;
    }
    socketAttempts += 1;
    if (resume && socketAttempts <= RESUME_ATTEMPTS) {
      // A planned restart: the calls go on (they are peer to peer), and the socket comes back
      // through another instance at once, with a little jitter so that a room's people do not
      // all arrive in the same instant; then the usual backoff.
      setStatus('room-reconnecting');
      const wait = socketAttempts === 1 ? 250 + Math.random() * 500 : Math.min(500 * 2 ** socketAttempts, 8000);
      setTimeout(connect, wait);
      return;
    }
    // The practice went away for a moment (a network change, a crash): try again, calmly.
    resume = null;
    for (const id of [...peers.keys()]) closePeer(id);
    setStatus('room-socket-lost');
    const wait = Math.min(1000 * 2 ** (socketAttempts - 1), 10000);
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
      // Not given our connection back (it was cleared meanwhile): the others will call the new
      // one, so the old calls end here.
      if (resume && msg.connection !== resume) for (const id of [...peers.keys()]) closePeer(id);
      resume = null;
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
      addChat(msg.mine ? say('room-chat-from-you') : msg.name, msg.text, msg.mine);
      break;
    case 'replaced':
      over = true;
      leaveCall();
      setStatus('room-replaced');
      setView('ended');
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
    setView('ended');
    socket.close();
    return;
  }
  if (s.me.host) renderLobby(s);
  announceChanges(s, inCall);
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
  // The call's view as soon as anyone else is in it; until then one's own preview, calmly.
  setView(inCall && wanted.size > 0 ? 'call' : 'waiting');
}

/** "Pat joined the call." / "Pat left the call.", for screen readers (the picture shows it). */
function announceChanges(s, inCall) {
  const now = new Set(inCall ? s.people.filter((p) => p.connection && p.user !== s.me.user).map((p) => p.name) : []);
  if (inCallBefore) {
    for (const name of now) if (!inCallBefore.has(name)) announce(say('room-joined', { name }));
    for (const name of inCallBefore) if (!now.has(name)) announce(say('room-left-call', { name }));
  }
  inCallBefore = now;
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

  // Someone arrives: a soft chime, the count, the tab's title, and the list opens by itself.
  const waiting = guests.filter((p) => p.waiting);
  ui.waitingCount.textContent = String(waiting.length);
  ui.waitingCount.hidden = waiting.length === 0;
  ui.lobby.dataset.someoneWaiting = String(waiting.length > 0);
  document.title = waiting.length ? `(${waiting.length}) ${say('room-someone-waiting')} · ${baseTitle}` : baseTitle;
  if (waiting.length === 0 && waitingBefore > 0 && !ui.lobby.contains(document.activeElement)) {
    // Nobody left to let in: the list folds away from the picture (its heading stays to open it).
    ui.lobby.open = false;
  }
  if (waiting.length > waitingBefore) {
    ui.lobby.open = true;
    chime();
    announce(`${say('room-someone-waiting')}: ${waiting.map((p) => p.name).join(', ')}`);
  }
  waitingBefore = waiting.length;
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
  layout();
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
  layout();
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
    const { videoWidth, videoHeight } = peer.video;
    if (videoWidth && videoHeight && Math.abs(videoWidth / videoHeight - (peer.aspect || 0)) > 0.01) {
      peer.aspect = videoWidth / videoHeight;
      layout();
    }
    peer.figure.dataset.bytesIn = String(bytes);
    const q = { rtt: Math.round(rtt), loss: Math.max(0, Math.round(loss * 10) / 10), rate: Math.round(rate) };
    if (!worst || q.rtt + q.loss * 50 > worst.rtt + worst.loss * 50) worst = q;
  }
  if (!worst) { ui.quality.hidden = true; return; }
  // Good, fair or poor in words (and as bars), from the round trip and the share of packets lost.
  const key = worst.rtt > 400 || worst.loss > 5 ? 'room-quality-poor'
    : worst.rtt > 200 || worst.loss > 1 ? 'room-quality-fair' : 'room-quality-good';
  ui.qualityText.textContent = say(key);
  ui.quality.title = say('room-quality-detail', worst);
  ui.quality.dataset.quality = key.replace('room-quality-', '');
  ui.quality.hidden = false;
}

// ---- layout ---------------------------------------------------------------------------------

/** The column count that makes each person's picture largest on this stage (faces stay big). */
function bestColumns(count, width, height, aspect = 4 / 3, gap = 8) {
  let best = 1;
  let bestArea = 0;
  for (let cols = 1; cols <= count; cols += 1) {
    const rows = Math.ceil(count / cols);
    const cellW = (width - gap * (cols + 1)) / cols;
    const cellH = (height - gap * (rows + 1)) / rows;
    const w = Math.min(cellW, cellH * aspect);
    const area = w * (w / aspect);
    if (area > bestArea) { bestArea = area; best = cols; }
  }
  return best;
}

function layout() {
  const count = peers.size;
  ui.videos.dataset.count = String(count);
  if (!count) return;
  const aspects = [...peers.values()].map((p) => p.aspect || 4 / 3);
  const aspect = aspects.reduce((a, b) => a + b, 0) / aspects.length;
  const { width, height } = ui.stage.getBoundingClientRect();
  ui.videos.style.setProperty('--cols', String(bestColumns(count, width, height, aspect)));
}

/** The visible height of the page: with the on-screen keyboard open on browsers that do not
 *  resize the page for it (Safari), the room shrinks to what is still visible. */
function fitViewport() {
  const vv = window.visualViewport;
  if (!vv || vv.scale > 1.01) { document.body.style.removeProperty('--room-h'); return; }
  document.body.style.setProperty('--room-h', `${Math.round(vv.height)}px`);
  layout();
}
if (window.visualViewport) window.visualViewport.addEventListener('resize', fitViewport);
window.addEventListener('resize', layout);

// ---- one's own picture: which corner, shown or hidden ---------------------------------------

const CORNERS = ['br', 'bl', 'tl', 'tr'];
function moveSelf(corner) {
  ui.selfTile.dataset.corner = corner;
}
ui.selfMove.addEventListener('click', () => {
  const at = CORNERS.indexOf(ui.selfTile.dataset.corner);
  moveSelf(CORNERS[(at + 1) % CORNERS.length]);
});
ui.selfMove.addEventListener('keydown', (e) => {
  const [v, h] = ui.selfTile.dataset.corner.split('');
  const to = {
    ArrowUp: `t${h}`, ArrowDown: `b${h}`, ArrowLeft: `${v}l`, ArrowRight: `${v}r`,
  }[e.key];
  if (!to) return;
  e.preventDefault();
  moveSelf(to);
});
// Its words say what it will do ("Hide my picture", "Show my picture"), so it is no toggle.
ui.selfHide.addEventListener('click', () => {
  const hidden = ui.selfTile.dataset.hidden !== 'true';
  ui.selfTile.dataset.hidden = String(hidden);
  ui.selfHide.setAttribute('aria-label', say(hidden ? 'room-self-show' : 'room-self-hide'));
});

// ---- chat -----------------------------------------------------------------------------------

function addChat(who, line, mine) {
  const li = document.createElement('li');
  const name = document.createElement('strong');
  name.textContent = `${who}: `;
  li.append(name, document.createTextNode(line));
  ui.chatLines.append(li);
  ui.chatLines.scrollTop = ui.chatLines.scrollHeight;
  if (!mine && ui.chat.hidden) {
    unread += 1;
    showUnread();
  }
}

function showUnread() {
  ui.unread.hidden = unread === 0;
  const kind = new Intl.PluralRules(document.documentElement.lang || 'en').select(unread);
  const words = say(text[`room-chat-unread-${kind}`] ? `room-chat-unread-${kind}` : 'room-chat-unread-other', { count: unread });
  ui.unread.replaceChildren();
  if (unread) {
    const shown = document.createElement('span');
    shown.setAttribute('aria-hidden', 'true');
    shown.textContent = String(unread);
    const told = document.createElement('span');
    told.className = 'visually-hidden';
    told.textContent = words;
    ui.unread.append(shown, told);
  }
}

function showChat(open) {
  ui.chat.hidden = !open;
  ui.chatOpen.setAttribute('aria-expanded', String(open));
  if (open) {
    unread = 0;
    showUnread();
    ui.chatText.focus();
  }
  layout();
}

function note(key) {
  const p = document.createElement('p');
  p.className = 'notice';
  p.textContent = say(key);
  ui.status.after(p);
}

// ---- wiring ---------------------------------------------------------------------------------

ui.mic.addEventListener('click', () => toggle(ui.mic, (muted) => {
  const t = track('audio');
  if (t) t.enabled = !muted;
}));
ui.camera.addEventListener('click', () => toggle(ui.camera, (off) => {
  const t = track('video');
  if (t) t.enabled = !off;
}));
ui.audioOnly.addEventListener('click', () => toggle(ui.audioOnly, (on) => {
  // Sound only: stop sending video (and the camera), which spares a weak connection.
  audioOnly = on;
  ui.camera.disabled = on;
  const t = track('video');
  if (on && t) { t.stop(); local.removeTrack(t); }
  if (!on) {
    navigator.mediaDevices.getUserMedia({ video: true }).then((s) => {
      const fresh = s.getVideoTracks()[0];
      if (pressed(ui.camera)) fresh.enabled = false;
      local.addTrack(fresh);
      ui.self.srcObject = local;
      for (const peer of peers.values()) attachLocal(peer.pc);
    }).catch(() => note('room-no-camera'));
  }
  for (const peer of peers.values()) attachLocal(peer.pc);
}));
ui.devicesOpen.addEventListener('click', () => {
  listDevices();
  ui.devices.showModal();
});
ui.end?.addEventListener('click', () => ui.endDialog.showModal());
ui.endCancel?.addEventListener('click', () => ui.endDialog.close());
ui.endConfirm?.addEventListener('click', () => {
  ui.endDialog.close();
  send({ type: 'end' });
});
ui.chatOpen.addEventListener('click', () => showChat(ui.chat.hidden));
ui.chatClose.addEventListener('click', () => {
  showChat(false);
  ui.chatOpen.focus();
});
ui.chat.addEventListener('keydown', (e) => {
  if (e.key === 'Escape') { showChat(false); ui.chatOpen.focus(); }
});
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
fitViewport();
startMedia().finally(connect);
