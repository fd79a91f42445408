// orchd dashboard: polls this master's GET /v1/status once a second and
// draws it. Same origin only; nothing else is fetched (the page's
// Content-Security-Policy forbids it). Text from the status document is
// only ever set as textContent, never parsed as markup.
'use strict';

const POLL_MS = 1000;
const HISTORY = 120;             // polls of queue depth kept for its chart
const TOKEN_KEY = 'orchd.token'; // sessionStorage: this tab only
const SVG_NS = 'http://www.w3.org/2000/svg';

const state = {
  previous: null,      // the last status document, and when it came
  lastOk: 0,
  queueHistory: [],
  loans: null,         // Map "from\u0000to" -> {from, to, workers}
  events: [],
};

function $(id) { return document.getElementById(id); }

function el(tag, attrs, children) {
  const node = tag.startsWith('svg:') ? document.createElementNS(SVG_NS, tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== undefined && v !== null) node.setAttribute(k, String(v));
  }
  for (const child of [].concat(children || [])) {
    node.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
  return node;
}

function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

function fmtUs(us) {
  if (!us) return '0';
  if (us < 1000) return us + ' µs';
  if (us < 1e6) return (us / 1000).toFixed(us < 10000 ? 2 : 1) + ' ms';
  return (us / 1e6).toFixed(2) + ' s';
}

function fmtAge(ms) {
  if (ms === null || ms === undefined) return 'never heard';
  if (ms < 1000) return Math.round(ms) + ' ms';
  if (ms < 10000) return (ms / 1000).toFixed(1) + ' s';
  const s = Math.round(ms / 1000);
  if (s < 60) return s + ' s';
  if (s < 3600) return Math.floor(s / 60) + ' min ' + (s % 60) + ' s';
  return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
}

function fmtBytes(n) {
  if (n < 1024) return n + ' B';
  if (n < 1048576) return (n / 1024).toFixed(1) + ' KiB';
  return (n / 1048576).toFixed(1) + ' MiB';
}

function fmtRate(x) { return x >= 100 ? Math.round(x).toString() : x.toFixed(1); }

// --- token ---------------------------------------------------------------

function takeTokenFromFragment() {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (!m) return;
  sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
  // Out of the address bar, the history and any screenshot.
  history.replaceState(null, '', location.pathname + location.search);
}

function askForToken(why) {
  $('token-form').hidden = false;
  $('token-why').textContent = why;
}

function setupTokenForm() {
  $('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const value = $('token-input').value.trim();
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    $('token-input').value = '';
    $('token-form').hidden = true;
    poll();
  });
}

// --- polling -------------------------------------------------------------

let timer = null;

async function poll() {
  clearTimeout(timer);
  const headers = {};
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.Authorization = 'Bearer ' + token;
  const abort = new AbortController();
  const deadline = setTimeout(() => abort.abort(), 4000);
  try {
    const response = await fetch('/v1/status', { headers, cache: 'no-store', signal: abort.signal });
    const text = await response.text();
    if (response.status === 401 || response.status === 403) {
      let why = 'HTTP ' + response.status;
      try { why = JSON.parse(text).ERROR || why; } catch (e) { /* not JSON: keep the status */ }
      setLive('error', 'needs a read token');
      askForToken(why);
    } else if (!response.ok) {
      setLive('error', 'HTTP ' + response.status);
    } else {
      render(JSON.parse(text));
      state.lastOk = performance.now();
    }
  } catch (e) {
    setLive('error', 'no answer: ' + e.message);
  } finally {
    clearTimeout(deadline);
    timer = setTimeout(poll, POLL_MS);
  }
}

function setLive(kind, text) {
  const live = $('live');
  live.dataset.live = kind;
  const since = state.lastOk ? ' (last update ' + fmtAge(performance.now() - state.lastOk) + ' ago)' : '';
  live.textContent = kind === 'live' ? text : text + since;
}

// --- rendering -----------------------------------------------------------

function render(status) {
  document.title = 'orchd ' + status.id;
  $('master-id').textContent = status.id;
  $('uptime').textContent = 'up ' + fmtAge(status.uptime_ms);
  setLive('live', 'live · polling /v1/status every ' + POLL_MS / 1000 + ' s');
  const loans = loansOf(status);
  renderFederation(status, loans);
  renderQueue(status);
  renderRates(status);
  renderWorkers(status);
  renderLoanEvents(status, loans);
  state.previous = status;
}

function loansOf(status) {
  // The master's own loans, from each peer's entry: its workers lent to
  // the peer, and the peer's workers working here.
  const loans = new Map();
  for (const peer of status.peers || []) {
    const lent = peer.lent_to_it || [];
    const hosted = peer.hosted_from_it || [];
    if (lent.length) loans.set(status.id + '\u0000' + peer.id, { from: status.id, to: peer.id, workers: lent.slice().sort() });
    if (hosted.length) loans.set(peer.id + '\u0000' + status.id, { from: peer.id, to: status.id, workers: hosted.slice().sort() });
  }
  return loans;
}

function renderFederation(status, loans) {
  const links = $('links'), arrows = $('loans'), masters = $('masters');
  clear(links); clear(arrows); clear(masters);
  const peers = status.peers || [];
  // This master in the middle, its peers around it; with one peer, side by side.
  const one = peers.length === 1;
  const cx = one ? 170 : 310, cy = one ? 110 : 125, rx = one ? 280 : 220, ry = 80, r = 58;
  const at = new Map([[status.id, { x: cx, y: cy }]]);
  peers.forEach((peer, i) => {
    const angle = (i / peers.length) * 2 * Math.PI;
    at.set(peer.id, { x: cx + rx * Math.cos(angle), y: cy + ry * Math.sin(angle) });
  });
  for (const peer of peers) {
    const p = at.get(peer.id);
    links.appendChild(el('svg:line', { class: 'link' + (peer.linked ? '' : ' unlinked'), x1: cx, y1: cy, x2: p.x, y2: p.y }));
  }
  for (const loan of loans.values()) arrows.appendChild(loanArrow(loan, at.get(loan.from), at.get(loan.to), r));
  const own = (status.workers || []).filter((w) => !w.borrowed).length;
  const lent = (status.workers || []).filter((w) => w.state === 'lent').length;
  masters.appendChild(masterNode(status.id, null, at.get(status.id), r, 'this master', [
    'queue ' + status.queue.depth + ' · ' + (own - lent) + ' own workers here',
    'lent ' + lent + ' · borrowed ' + ((status.workers || []).length - own),
  ]));
  for (const peer of peers) {
    const load = peer.load || {};
    masters.appendChild(masterNode(peer.id, peer.state, at.get(peer.id), r, peer.state, [
      'heartbeat ' + fmtAge(peer.last_heartbeat_ms) + ' ago' + (peer.linked ? '' : ' · no link'),
      'queue ' + load.queue + ' · ' + load.workers + ' own workers',
      'lent ' + load.lent + ' · borrowed ' + load.borrowed,
    ]));
  }
}

function masterNode(id, peerState, p, r, inside, below) {
  const g = el('svg:g', { class: 'master' + (peerState ? '' : ' self'), 'data-master': id, 'data-state': peerState || 'SELF' });
  g.appendChild(el('svg:circle', { cx: p.x, cy: p.y, r }));
  g.appendChild(el('svg:text', { class: 'name', x: p.x, y: p.y - 2 }, id));
  g.appendChild(el('svg:text', { class: 'sub', x: p.x, y: p.y + 16 }, inside));
  // The details below the circle, which would clip them.
  below.forEach((line, i) => g.appendChild(el('svg:text', { class: 'sub', x: p.x, y: p.y + r + 16 + 14 * i }, line)));
  return g;
}

function loanArrow(loan, a, b, r) {
  const dx = b.x - a.x, dy = b.y - a.y, len = Math.hypot(dx, dy) || 1;
  const ux = dx / len, uy = dy / len;
  // Bent to its left, so that loans both ways between two masters part.
  const bend = 46, mx = (a.x + b.x) / 2 + uy * bend, my = (a.y + b.y) / 2 - ux * bend;
  const sx = a.x + ux * (r + 6) + uy * 18, sy = a.y + uy * (r + 6) - ux * 18;
  const ex = b.x - ux * (r + 8) + uy * 18, ey = b.y - uy * (r + 8) - ux * 18;
  const n = loan.workers.length;
  const g = el('svg:g', { class: 'loan', id: 'loan:' + loan.from + ':' + loan.to,
    'data-loan-from': loan.from, 'data-loan-to': loan.to, 'data-workers': n });
  g.appendChild(el('svg:title', {}, loan.from + ' lends ' + loan.to + ': ' + loan.workers.join(', ')));
  g.appendChild(el('svg:path', { d: `M ${sx} ${sy} Q ${mx} ${my} ${ex} ${ey}`, 'marker-end': 'url(#arrow)' }));
  const tx = 0.25 * sx + 0.5 * mx + 0.25 * ex, ty = 0.25 * sy + 0.5 * my + 0.25 * ey;
  g.appendChild(el('svg:text', { x: tx + uy * 14, y: ty - ux * 14 + 4 }, n + (n === 1 ? ' worker' : ' workers')));
  return g;
}

function renderQueue(status) {
  const q = status.queue;
  $('queue-depth').textContent = q.depth;
  $('queue-capacity').textContent = q.capacity;
  $('queue-inflight').textContent = q.in_flight;
  $('queue-bytes').textContent = fmtBytes(q.bytes);
  $('clients').textContent = status.clients;
  // CSSOM, not a style attribute: the policy allows only the stylesheet.
  $('queue-fill').style.width = Math.min(100, (100 * q.depth) / Math.max(1, q.capacity)) + '%';
  state.queueHistory.push(q.depth);
  if (state.queueHistory.length > HISTORY) state.queueHistory.shift();
  drawChart($('queue-chart'), [{ values: state.queueHistory, cls: 'line', area: true }], Math.max(30, state.queueHistory.length), (v) => v + ' queued');
}

function renderRates(status) {
  const latency = status.latency;
  // Whole seconds only (the last one is still filling), and none from
  // before the master started, so that a young master's charts are full.
  const span = Math.max(10, Math.min(latency.per_second.count.length - 1, Math.floor(status.uptime_ms / 1000)));
  const recentSeconds = (values) => values.slice(0, -1).slice(-span);
  const counts = recentSeconds(latency.per_second.count);
  $('chart-span').textContent = span >= 120 ? '2 min' : span + ' s';
  $('tput-now').textContent = counts.length ? counts[counts.length - 1] : 0;
  $('tput-10s').textContent = fmtRate(latency.last_10s.count / 10);
  if (state.previous) {
    // The master's own clock between the two documents, not the page's.
    const dt = Math.max(0.001, (status.uptime_ms - state.previous.uptime_ms) / 1000);
    const c = status.counters, p = state.previous.counters;
    const refused = (x) => x.rejected_busy + x.rejected_busy_bytes + x.rejected_busy_client;
    $('submitted-rate').textContent = fmtRate(Math.max(0, c.submitted - p.submitted) / dt);
    $('rejected-rate').textContent = fmtRate(Math.max(0, refused(c) - refused(p)) / dt);
  }
  drawChart($('throughput-chart'), [{ values: counts, cls: 'line', area: true }], counts.length, (v) => v + '/s');
  const recent = latency.last_10s;
  $('lat-p50').textContent = recent.count ? fmtUs(recent.p50_us) : '–';
  $('lat-p99').textContent = recent.count ? fmtUs(recent.p99_us) : '–';
  $('lat-mean').textContent = recent.count ? fmtUs(recent.mean_us) : '–';
  $('lat-max').textContent = recent.count ? fmtUs(recent.max_us) : '–';
  const gap = (values) => recentSeconds(values).map((v, i) => (counts[i] ? v : null));
  drawChart($('latency-chart'), [
    { values: gap(latency.per_second.p50_us), cls: 'line' },
    { values: gap(latency.per_second.p99_us), cls: 'line p99' },
  ], counts.length, fmtUs);
}

function drawChart(svg, series, slots, label) {
  // In the element's own pixels, so that the scale's text is not stretched.
  const w = Math.max(100, svg.clientWidth || 400), h = Math.max(30, svg.clientHeight || 60);
  svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
  svg.setAttribute('preserveAspectRatio', 'none');
  clear(svg);
  const top = 12, bottom = h - 2;
  const max = Math.max(1, ...series.flatMap((s) => s.values.filter((v) => v !== null)));
  const x = (i) => (slots <= 1 ? w : (i * w) / (slots - 1));
  const y = (v) => bottom - ((bottom - top) * v) / max;
  for (const s of series) {
    const offset = slots - s.values.length;
    let run = [];
    const flush = () => {
      if (run.length > 1 || (run.length === 1 && s.area)) {
        if (s.area) svg.appendChild(el('svg:polygon', { class: 'area', points: `${run[0][0]},${bottom} ${run.map((p) => p.join(',')).join(' ')} ${run[run.length - 1][0]},${bottom}` }));
        svg.appendChild(el('svg:polyline', { class: s.cls, points: run.map((p) => p.join(',')).join(' ') }));
      } else if (run.length === 1) {
        svg.appendChild(el('svg:circle', { class: s.cls, cx: run[0][0], cy: run[0][1], r: 1.5 }));
      }
      run = [];
    };
    s.values.forEach((v, i) => {
      if (v === null) flush();
      else run.push([x(i + offset).toFixed(1), y(v).toFixed(1)]);
    });
    flush();
  }
  svg.appendChild(el('svg:text', { class: 'scale', x: 4, y: 10 }, 'max ' + label(max)));
}

function renderWorkers(status) {
  const rows = $('worker-rows');
  clear(rows);
  const workers = (status.workers || []).slice().sort((a, b) =>
    (a.borrowed - b.borrowed) || a.owner.localeCompare(b.owner) || a.id.localeCompare(b.id));
  let credits = 0, total = 0, inFlight = 0;
  for (const w of workers) {
    const lent = w.state === 'lent';
    if (!lent) { credits += w.credits; total += w.concurrency; inFlight += w.in_flight; }
    const fill = el('span', { class: 'fill' });
    fill.style.width = (100 * Math.max(0, w.credits)) / Math.max(1, w.concurrency) + '%';
    const owner = w.borrowed ? w.owner + ' (borrowed)' : (lent ? w.owner + ' → ' + w.lent_to : w.owner);
    rows.appendChild(el('tr', { class: w.borrowed ? 'borrowed' : (lent ? 'lent' : ''), 'data-worker': w.id, 'data-owner': w.owner }, [
      el('td', {}, w.id),
      el('td', {}, owner),
      el('td', {}, el('span', { class: 'state ' + w.state }, w.state)),
      el('td', {}, [el('span', { class: 'credit' }, fill), w.credits + '/' + w.concurrency + ' free']),
      el('td', { class: 'num' }, w.in_flight + ' in flight'),
      el('td', { class: 'num' }, w.completed),
      el('td', {}, (w.tasks || []).join(' ')),
      el('td', {}, fmtAge(w.connected_ms)),
    ]));
  }
  if (!workers.length) rows.appendChild(el('tr', {}, el('td', { colspan: 8, class: 'empty' }, 'no worker connected')));
  $('worker-summary').textContent = workers.length + ' here · ' + inFlight + ' tasks in flight · ' + credits + ' of ' + total + ' credits free';
}

function renderLoanEvents(status, loans) {
  const now = new Date().toLocaleTimeString();
  const previous = state.loans;
  const note = (text, end) => state.events.unshift({ at: now, text, end });
  for (const [key, loan] of loans) {
    const before = previous ? previous.get(key) : null;
    const n = loan.workers.length;
    if (!before) note(loan.from + ' → ' + loan.to + ': ' + n + (n === 1 ? ' worker' : ' workers') + (previous ? ' lent' : ' on loan') + ' (' + loan.workers.join(', ') + ')', false);
    else if (before.workers.length !== n) note(loan.from + ' → ' + loan.to + ': now ' + n + ' on loan (was ' + before.workers.length + ')', false);
  }
  for (const [key, loan] of previous || []) {
    if (!loans.has(key)) note(loan.from + ' → ' + loan.to + ': loan ended, ' + loan.workers.length + ' back with ' + loan.from, true);
  }
  state.loans = loans;
  state.events.length = Math.min(state.events.length, 200);
  const list = $('loan-events');
  clear(list);
  for (const e of state.events) list.appendChild(el('li', { class: e.end ? 'end' : '' }, [el('span', { class: 'at' }, e.at), e.text]));
  if (!state.events.length) list.appendChild(el('li', { class: 'empty' }, 'no loan since this page opened'));
  const c = status.loans || {};
  $('loan-counters').textContent = 'asked ' + c.loans_asked + ' · granted ' + c.loans_granted + ' · refused ' + c.loans_refused +
    ' · lent ' + c.workers_lent + ' · returned ' + c.workers_returned;
}

takeTokenFromFragment();
setupTokenForm();
poll();
