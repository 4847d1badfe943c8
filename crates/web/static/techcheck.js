// The tech check, in the browser. The checks that need no permission (browser, connection to
// the practice, relay) run as soon as the page loads. Camera and microphone wait for the
// "Start the check" button: phones only let a page start sound after a tap, and a permission
// prompt that appears by itself alarms people; desktop browsers (and the tests' Chromium with
// fake devices) behave the same way, so there is one path for all. The test sound is played by
// its own button, and the person says whether they heard it. Nothing leaves this origin.

const text = JSON.parse(document.getElementById('tc-text').textContent);
const t = (key) => text[key] || key;

const ROUND_TRIPS = 5;
const SLOW_MS = 400;
const SOCKET_TIMEOUT_MS = 10_000;
const RELAY_TIMEOUT_MS = 12_000;
/** Root-mean-square level that counts as hearing something. */
const HEARD_LEVEL = 0.01;
const SILENT_AFTER_MS = 8_000;

const checks = ['browser', 'camera', 'microphone', 'speaker', 'connection', 'relay'];
const item = (name) => document.getElementById(`tc-${name}`);

/** Sets a check's status and the sentence under it (what works, or what to do). */
function report(name, status, detail = '') {
  const el = item(name);
  el.dataset.status = status;
  const badge = {
    ok: 'tech-check-status-ok',
    fail: 'tech-check-status-fail',
    skipped: 'tech-check-status-skipped',
    checking: 'tech-check-status-checking',
  }[status];
  el.querySelector('.tc-badge').textContent = t(badge);
  // The sentence's box keeps the height reserved for it (see site.css): nothing below moves.
  el.querySelector('.tc-detail-text').textContent = detail;
  verdict();
}

let lastVerdict = '';

const detailOf = (name) => item(name).querySelector('.tc-detail-text').textContent;

/** Once nothing is still being checked: "You're ready", or the list of what to fix. */
function verdict() {
  const box = document.getElementById('tc-verdict');
  const states = checks.map((name) => item(name).dataset.status);
  if (states.includes('checking')) {
    // Checking again: the earlier result no longer holds.
    if (box.dataset.verdict) {
      delete box.dataset.verdict;
      lastVerdict = '';
      const p = document.createElement('p');
      p.textContent = t('tech-check-verdict-pending');
      box.querySelector('.tc-verdict-text').replaceChildren(p);
    }
    return;
  }
  const failed = checks.filter((name) => item(name).dataset.status === 'fail');
  const key = failed.map((name) => `${name}:${detailOf(name)}`).join('\n');
  if (box.dataset.verdict && key === lastVerdict) return;
  lastVerdict = key;
  box.dataset.verdict = failed.length ? 'not-ready' : 'ready';
  const lead = document.createElement('p');
  lead.className = 'tc-verdict-lead';
  lead.textContent = t(failed.length ? 'tech-check-verdict-not-ready' : 'tech-check-verdict-ready');
  const parts = [lead];
  if (failed.length) {
    const list = document.createElement('ul');
    for (const name of failed) {
      const li = document.createElement('li');
      const strong = document.createElement('strong');
      strong.textContent = `${item(name).querySelector('.tc-name').textContent}: `;
      li.append(strong, detailOf(name));
      list.append(li);
    }
    parts.push(list);
  }
  box.querySelector('.tc-verdict-text').replaceChildren(...parts);
}

// ---- Browser ----

function browserCanCall() {
  return Boolean(
    window.isSecureContext
      && window.RTCPeerConnection
      && navigator.mediaDevices
      && navigator.mediaDevices.getUserMedia
      && window.WebSocket
      && (window.AudioContext || window.webkitAudioContext),
  );
}

// ---- Camera and microphone ----

let stream = null;
let audio = null; // one AudioContext, made during a tap
let levelTimer = 0;

function audioContext() {
  if (!audio) {
    const Context = window.AudioContext || window.webkitAudioContext;
    audio = new Context();
  }
  if (audio.state === 'suspended') audio.resume().catch(() => {});
  return audio;
}

function stopMedia() {
  clearInterval(levelTimer);
  levelTimer = 0;
  if (stream) for (const track of stream.getTracks()) track.stop();
  stream = null;
  const video = document.getElementById('tc-video');
  video.srcObject = null;
}

/** Why a device could not be used, as the key of the sentence that says what to do. */
function problem(device, error) {
  switch (error && error.name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return `tech-check-${device}-denied`;
    case 'NotFoundError':
    case 'OverconstrainedError':
      return `tech-check-${device}-missing`;
    case 'NotReadableError':
    case 'AbortError':
      return `tech-check-${device}-busy`;
    default:
      return `tech-check-${device}-failed`;
  }
}

async function getDevice(constraints) {
  try {
    return { stream: await navigator.mediaDevices.getUserMedia(constraints) };
  } catch (error) {
    return { error };
  }
}

/** Asks for both at once (one prompt); if that fails, for each alone, to say which one is the trouble. */
async function openDevices() {
  const both = await getDevice({ video: true, audio: true });
  if (both.stream) return { video: both.stream, audio: both.stream };
  const video = await getDevice({ video: true });
  const sound = await getDevice({ audio: true });
  return {
    video: video.stream, videoError: video.error || both.error,
    audio: sound.stream, audioError: sound.error || both.error,
  };
}

async function checkCamera(devices) {
  const video = document.getElementById('tc-video');
  if (!devices.video) {
    video.dataset.live = 'false';
    report('camera', 'fail', t(problem('camera', devices.videoError)));
    return;
  }
  video.srcObject = new MediaStream(devices.video.getVideoTracks());
  video.dataset.live = 'true';
  try {
    await video.play();
  } catch { /* autoplay of a muted video is allowed; a refusal still shows the frame */ }
  const started = Date.now();
  while (video.videoWidth === 0 && Date.now() - started < 5000) {
    await new Promise((r) => setTimeout(r, 100));
  }
  if (video.videoWidth > 0) report('camera', 'ok', t('tech-check-camera-ok'));
  else report('camera', 'fail', t('tech-check-camera-failed'));
}

function checkMicrophone(devices, context) {
  const meter = document.getElementById('tc-level');
  if (!devices.audio) {
    report('microphone', 'fail', t(problem('mic', devices.audioError)));
    return;
  }
  report('microphone', 'checking', t('tech-check-mic-listening'));
  const source = context.createMediaStreamSource(new MediaStream(devices.audio.getAudioTracks()));
  const analyser = context.createAnalyser();
  analyser.fftSize = 1024;
  source.connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  const started = Date.now();
  let heard = false;
  levelTimer = setInterval(() => {
    analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    for (const s of samples) sum += s * s;
    const level = Math.sqrt(sum / samples.length);
    meter.value = Math.min(1, level * 5);
    if (!heard && level > HEARD_LEVEL) {
      heard = true;
      report('microphone', 'ok', t('tech-check-mic-ok'));
    } else if (!heard && Date.now() - started > SILENT_AFTER_MS
      && item('microphone').dataset.status === 'checking') {
      // Keeps listening: a word spoken later still turns this into "works".
      report('microphone', 'fail', t('tech-check-mic-silent'));
    }
  }, 100);
}

async function checkDevices() {
  stopMedia();
  if (!browserCanCall()) {
    report('camera', 'fail', t('tech-check-browser-fail'));
    report('microphone', 'fail', t('tech-check-browser-fail'));
    return;
  }
  // Made before the first await, while the tap still counts as the person's own action.
  const context = audioContext();
  report('camera', 'checking');
  report('microphone', 'checking');
  const devices = await openDevices();
  stream = new MediaStream([
    ...(devices.video ? devices.video.getTracks() : []),
    ...(devices.audio && devices.audio !== devices.video ? devices.audio.getTracks() : []),
  ]);
  checkMicrophone(devices, context);
  await checkCamera(devices);
}

// ---- Sound ----

/** A soft two-note chime, made here: no sound file is fetched. */
function playChime(context) {
  const now = context.currentTime;
  const gain = context.createGain();
  gain.connect(context.destination);
  gain.gain.setValueAtTime(0.0001, now);
  [[523.25, 0], [659.25, 0.45]].forEach(([frequency, at]) => {
    const osc = context.createOscillator();
    osc.type = 'sine';
    osc.frequency.value = frequency;
    osc.connect(gain);
    osc.start(now + at);
    osc.stop(now + at + 0.7);
  });
  gain.gain.exponentialRampToValueAtTime(0.25, now + 0.05);
  gain.gain.exponentialRampToValueAtTime(0.08, now + 0.4);
  gain.gain.exponentialRampToValueAtTime(0.25, now + 0.5);
  gain.gain.exponentialRampToValueAtTime(0.0001, now + 1.15);
}

function setUpSpeaker() {
  const heard = document.getElementById('tc-heard');
  document.getElementById('tc-play').addEventListener('click', () => {
    if (!(window.AudioContext || window.webkitAudioContext)) {
      report('speaker', 'fail', t('tech-check-browser-fail'));
      return;
    }
    playChime(audioContext());
    report('speaker', 'checking', t('tech-check-speaker-playing'));
    heard.dataset.shown = 'true';
  });
  document.getElementById('tc-heard-yes').addEventListener('click', () => {
    report('speaker', 'ok', t('tech-check-speaker-ok'));
  });
  document.getElementById('tc-heard-no').addEventListener('click', () => {
    report('speaker', 'fail', t('tech-check-speaker-fail'));
  });
}

// ---- Connection to the practice ----

let socket = null;

/** Times a few messages through the practice's echo; answers the middle one, in ms. */
function roundTrip() {
  return new Promise((resolve, reject) => {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${scheme}//${location.host}/tech-check/ws`);
    socket = ws;
    const times = [];
    let sentAt = 0;
    const timer = setTimeout(() => { ws.close(); reject(new Error('timeout')); }, SOCKET_TIMEOUT_MS);
    const send = () => {
      sentAt = performance.now();
      ws.send(`check ${times.length}`);
    };
    ws.onopen = send;
    ws.onmessage = (event) => {
      if (event.data !== `check ${times.length}`) return;
      times.push(performance.now() - sentAt);
      if (times.length < ROUND_TRIPS) { send(); return; }
      clearTimeout(timer);
      ws.close();
      times.sort((a, b) => a - b);
      resolve(Math.round(times[Math.floor(times.length / 2)]));
    };
    ws.onerror = () => { clearTimeout(timer); reject(new Error('socket')); };
    ws.onclose = () => { clearTimeout(timer); if (times.length < ROUND_TRIPS) reject(new Error('closed')); };
  });
}

async function checkConnection() {
  report('connection', 'checking');
  if (!window.WebSocket) {
    report('connection', 'fail', t('tech-check-browser-fail'));
    return;
  }
  try {
    const ms = await roundTrip();
    const key = ms > SLOW_MS ? 'tech-check-connection-slow' : 'tech-check-connection-ok';
    report('connection', 'ok', t(key).replace('{ms}', String(ms)));
  } catch {
    report('connection', 'fail', t('tech-check-connection-fail'));
  }
}

// ---- Relay ----

let relayPeer = null;

/** Whether the relay hands out an address: gathering with relay candidates only. */
function gatherRelay(iceServers) {
  return new Promise((resolve) => {
    const pc = new RTCPeerConnection({ iceServers, iceTransportPolicy: 'relay' });
    relayPeer = pc;
    let done = false;
    const finish = (ok) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      pc.close();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), RELAY_TIMEOUT_MS);
    pc.onicecandidate = (event) => {
      if (!event.candidate) { finish(false); return; }
      const c = event.candidate;
      if (c.type === 'relay' || / typ relay /.test(c.candidate)) finish(true);
    };
    pc.createDataChannel('tech-check');
    pc.createOffer()
      .then((offer) => pc.setLocalDescription(offer))
      .catch(() => finish(false));
  });
}

async function checkRelay() {
  report('relay', 'checking');
  let answer;
  try {
    const response = await fetch('/tech-check/ice', { cache: 'no-store', credentials: 'same-origin' });
    if (response.status === 429) {
      report('relay', 'fail', t('tech-check-relay-busy'));
      return;
    }
    if (!response.ok) throw new Error(`status ${response.status}`);
    answer = await response.json();
  } catch {
    report('relay', 'fail', t('tech-check-connection-fail'));
    return;
  }
  if (!answer.relay) {
    report('relay', 'skipped', t('tech-check-relay-skipped'));
    return;
  }
  if (!window.RTCPeerConnection) {
    report('relay', 'fail', t('tech-check-browser-fail'));
    return;
  }
  const ok = await gatherRelay(answer.iceServers);
  report('relay', ok ? 'ok' : 'fail', t(ok ? 'tech-check-relay-ok' : 'tech-check-relay-fail'));
}

// ---- Start ----

function checkBrowser() {
  if (browserCanCall()) report('browser', 'ok', t('tech-check-browser-ok'));
  else report('browser', 'fail', t('tech-check-browser-fail'));
}

function start() {
  checkBrowser();
  checkConnection();
  checkRelay();
  setUpSpeaker();
  const button = document.getElementById('tc-start');
  button.addEventListener('click', () => {
    button.textContent = t('tech-check-again');
    // Again after a failure: whatever failed is tried once more.
    if (item('connection').dataset.status === 'fail') checkConnection();
    if (item('relay').dataset.status === 'fail') checkRelay();
    checkDevices();
  });
  // Leaving the page turns the camera and microphone off at once.
  window.addEventListener('pagehide', () => {
    stopMedia();
    if (socket) socket.close();
    if (relayPeer) relayPeer.close();
    if (audio) audio.close().catch(() => {});
    audio = null;
  });
}

start();
