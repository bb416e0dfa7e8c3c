// mailrelay web UI: reads the HTTP API of the server that served it, updates on its server-sent
// events, never polls. Everything from the server is put in the page as text (textContent), never as HTML.
'use strict';

const TOKEN = document.querySelector('meta[name="mailrelay-token"]').content;
const PAGE = 50;
const state = { offset: 0, total: 0, seen: new Set(), view: null };

/** An element with attributes (on* never used) and children (strings become text). */
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== null && v !== undefined && v !== false) e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  }
  return e;
}

const $ = (sel) => document.querySelector(sel);
const enc = encodeURIComponent;
const time = (t) => t ? new Date(t).toLocaleString() : '';
const tls = (t) => t ? `${t.protocol} ${t.cipher}` : 'no TLS';
const sasl = (method, login) => method ? `${method} as ${login}` : 'no AUTH';

async function api(path, options) {
  const r = await fetch(path, options);
  if (!r.ok) {
    let message = `${r.status}`;
    try { message = (await r.json()).error || message; } catch (e) { /* not JSON */ }
    throw new Error(message);
  }
  return r.status === 204 ? null : r.json();
}

/** A state change: the API checks Origin and the page's token; {@code body} goes as JSON. */
function post(path, method, body) {
  const headers = { 'X-Mailrelay-Token': TOKEN };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  return api(path, { method: method || 'POST', headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

// ---- instances -------------------------------------------------------------------------------

async function loadInstances() {
  const instances = await api('/api/overview');
  const select = $('#filters select[name=instance]');
  if (select.options.length !== instances.length + 1) {
    const chosen = select.value;
    select.replaceChildren(el('option', { value: '' }, 'all'),
      ...instances.map(i => el('option', { value: i.name }, i.name)));
    select.value = chosen;
  }
  const cards = $('#instances');
  const same = cards.children.length === instances.length
    && instances.every((i, k) => cards.children[k].dataset.instance === i.name);
  if (same) {
    // Updated in place: a fault form being filled in keeps what was typed and its focus.
    instances.forEach((i, k) => cards.children[k].querySelector('.card-body').replaceChildren(...cardBody(i)));
  } else {
    cards.replaceChildren(...instances.map(i => el('article', { class: 'card', 'data-instance': i.name },
      el('div', { class: 'card-body' }, cardBody(i)), faultForm(i.name))));
  }
}

function cardBody(i) {
  const names = [i.myhostname, ...(i.hostnames || [])].join(', ');
  return [
    el('h2', {}, i.name, ' ', el('span', { class: 'muted' }, names)),
    el('ul', {}, i.listeners.map(l => el('li', { class: 'listener' },
      `${l.service} ${l.host}:${l.port}`,
      l.tlsLevel !== null ? ` · TLS ${l.wrapper ? 'wrapper' : (l.tlsLevel || 'none')}` : '',
      l.saslAuth ? [' · ', el('span', { class: 'sasl' }, `SASL (${l.saslType}) ${mechanisms(l)}`)] : ''))),
    i.relayhost ? el('div', {}, `relayhost ${i.relayhost} · TLS ${i.smtpTlsLevel || 'none'}`
      + (i.smtpSasl ? ' · SASL' : '')) : null,
    el('div', { class: 'counts' }, `${plural(i.messages, 'message')} · ${plural(i.deliveries, 'delivery attempt')}`
      + ` · ${i.deferred} deferred`),
    el('div', {},
      el('button', { type: 'button', 'data-flush': i.name, title: 'postqueue -f' }, 'Flush queue'),
      el('button', { type: 'button', 'data-delete': i.name }, 'Delete captured mail')),
    faultList(i)].filter(c => c);
}

// ---- fault toggle ----------------------------------------------------------------------------

/** The installed faults: what, when (always, or how many of next N are left), how often it struck. */
function faultList(i) {
  const faults = i.faults || [];
  return el('div', { class: 'faults' },
    el('h3', {}, 'Faults'),
    faults.length === 0 ? el('p', { class: 'muted' }, 'none installed')
      : el('ul', {}, faults.map(f => el('li', { class: `fault${f.active ? '' : ' spent'}`, 'data-fault': f.id },
        el('span', { class: 'what' }, f.fault), ' · ',
        el('span', { class: 'when' }, f.spec.next ? `next ${f.spec.next}, ${f.spec.next - f.injected} left`
          : f.spec.probability ? `probability ${f.spec.probability}` : 'always'), ' · ',
        el('span', { class: 'hits' }, plural(f.injected, 'hit')), ' ',
        el('button', { type: 'button', 'data-remove-fault': f.id, 'data-instance': i.name }, 'Remove')))),
    faults.length ? el('button', { type: 'button', 'data-clear-faults': i.name }, 'Clear all faults') : null);
}

/**
 * The common faults, as {@code POST .../faults} takes them: where (stage), what, and which of the
 * form's fields it uses ({@code reply}: editable reply; {@code from}/{@code to}: address pattern;
 * {@code delay}: seconds).
 */
const PRESETS = {
  'greeting-421': { label: '421 greeting', spec: { stage: 'connect' }, reply: '421 4.3.2 Service not available' },
  'greeting-close': { label: 'close without greeting', spec: { stage: 'connect', disconnect: true } },
  'refuse': { label: 'refuse connections', spec: { stage: 'connect', refuse: true }, always: true },
  'auth-454': { label: '454 on AUTH', spec: { stage: 'auth' }, reply: '454 4.7.0 Temporary authentication failure' },
  'auth-535': { label: '535 on AUTH', spec: { stage: 'auth' },
    reply: '535 5.7.8 Error: authentication failed: authentication failure' },
  'mail-4xx': { label: '4xx on MAIL FROM', spec: { stage: 'mail' }, reply: '451 4.3.0 Temporary lookup failure',
    pattern: 'from' },
  'mail-5xx': { label: '5xx on MAIL FROM', spec: { stage: 'mail' }, reply: '553 5.7.1 Sender address rejected',
    pattern: 'from' },
  'rcpt-4xx': { label: '4xx on RCPT TO', spec: { stage: 'rcpt' }, reply: '450 4.2.0 Mailbox busy', pattern: 'to' },
  'rcpt-5xx': { label: '5xx on RCPT TO', spec: { stage: 'rcpt' },
    reply: '550 5.1.1 Recipient address rejected: User unknown', pattern: 'to' },
  'data-4xx': { label: '4xx at end of DATA', spec: { stage: 'data' }, reply: '451 4.3.0 Error: queue file write error' },
  'data-5xx': { label: '5xx at end of DATA', spec: { stage: 'data' }, reply: '554 5.7.1 Message rejected' },
  'data-disconnect': { label: 'disconnect after the final dot', spec: { stage: 'data', disconnect: true } },
  'delay': { label: 'delay before the greeting', spec: { stage: 'connect' }, delay: true },
  'tls-failure': { label: 'TLS handshake failure', spec: { stage: 'command', command: 'STARTTLS', handshakeFailure: true } },
  'tls-wrong-name': { label: 'certificate for the wrong name',
    spec: { stage: 'command', command: 'STARTTLS', certificate: 'wrong-name' } },
  'tls-expired': { label: 'expired certificate', spec: { stage: 'command', command: 'STARTTLS', certificate: 'expired' } },
};

/** The form that installs one of the presets, made once per card (live updates leave it alone). */
function faultForm(instance) {
  const form = el('form', { class: 'fault-form', 'data-instance': instance },
    el('label', {}, 'Fault ', el('select', { name: 'preset' },
      Object.entries(PRESETS).map(([k, p]) => el('option', { value: k }, p.label)))),
    el('label', { class: 'reply' }, 'Reply ', el('input', { name: 'reply', size: 40, autocomplete: 'off' })),
    el('label', { class: 'pattern' }, 'Address pattern ',
      el('input', { name: 'pattern', placeholder: 'any (regular expression)', autocomplete: 'off' })),
    el('label', { class: 'delay' }, 'Seconds ', el('input', { name: 'delay', type: 'number', min: 1, value: 5 })),
    el('label', { class: 'next' }, 'Next ', el('input', { name: 'next', type: 'number', min: 1,
      placeholder: 'always', autocomplete: 'off' }), ' times'),
    el('button', { type: 'submit' }, 'Add fault'),
    el('span', { class: 'error', role: 'status' }));
  const choose = () => {
    const p = PRESETS[form.elements.preset.value];
    form.elements.reply.value = p.reply || '';
    form.querySelector('.reply').hidden = !p.reply;
    form.querySelector('.pattern').hidden = !p.pattern;
    form.querySelector('.delay').hidden = !p.delay;
    form.querySelector('.next').hidden = !!p.always;
  };
  form.elements.preset.addEventListener('change', choose);
  choose();
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const p = PRESETS[form.elements.preset.value];
    const spec = { ...p.spec };
    if (p.reply) spec.reply = form.elements.reply.value.trim();
    if (p.pattern && form.elements.pattern.value.trim()) spec[p.pattern] = form.elements.pattern.value.trim();
    if (p.delay) spec.delay = `PT${Number(form.elements.delay.value)}S`;
    if (!p.always && form.elements.next.value) spec.next = Number(form.elements.next.value);
    const error = form.querySelector('.error');
    try {
      await post(`/api/instances/${enc(instance)}/faults`, 'POST', spec);
      error.textContent = '';
      refresh();
    } catch (err) {
      error.textContent = err.message;
    }
  });
  return form;
}

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The mechanisms a listener's EHLO offers, before and after STARTTLS when they differ. */
function mechanisms(l) {
  const list = (m) => m === null ? '(mechanisms unknown: backend unreachable)' : (m.join(' ') || 'none');
  if (l.wrapper) return list(l.saslTlsMechanisms);
  if (l.tlsAuthOnly) return `after STARTTLS: ${list(l.saslTlsMechanisms)}`;
  const plain = list(l.saslMechanisms);
  const tls = list(l.saslTlsMechanisms);
  return !l.tlsLevel || l.tlsLevel === 'none' || plain === tls ? plain : `${plain}; with TLS: ${tls}`;
}

$('#instances').addEventListener('click', async (e) => {
  const b = e.target.closest('button');
  if (!b) return;
  try {
    if (b.dataset.flush) {
      await post(`/api/instances/${enc(b.dataset.flush)}/flush`);
    } else if (b.dataset.delete && confirm(`Delete the mail captured at ${b.dataset.delete}?`)) {
      await post(`/api/instances/${enc(b.dataset.delete)}/messages`, 'DELETE');
    } else if (b.dataset.removeFault) {
      await post(`/api/instances/${enc(b.dataset.instance)}/faults/${enc(b.dataset.removeFault)}`, 'DELETE');
      refresh();
    } else if (b.dataset.clearFaults) {
      await post(`/api/instances/${enc(b.dataset.clearFaults)}/faults`, 'DELETE');
      refresh();
    }
  } catch (err) {
    alert(err.message);
  }
});

// ---- message list ----------------------------------------------------------------------------

function filters() {
  const f = new FormData($('#filters'));
  return [...f.entries()].filter(([, v]) => v).map(([k, v]) => `${k}=${enc(v)}`).join('&');
}

async function loadList() {
  const page = await api(`/api/messages?${filters()}&offset=${state.offset}&limit=${PAGE}`);
  state.total = page.total;
  const first = state.seen.size === 0;
  $('#messages tbody').replaceChildren(...page.messages.map(m => {
    const key = `${m.instance}/${m.id}`;
    const fresh = !first && !state.seen.has(key);
    state.seen.add(key);
    const selected = state.view === key;
    return el('tr', { class: `message${fresh ? ' fresh' : ''}${selected ? ' selected' : ''}`, 'data-id': m.id,
        'data-instance': m.instance },
      el('td', {}, time(m.received)), el('td', {}, m.instance), el('td', {}, m.from || '<>'),
      el('td', {}, m.to.join(', ')),
      el('td', {}, el('a', { href: `#/m/${enc(m.instance)}/${enc(m.id)}` }, m.subject || '(no subject)')),
      el('td', {}, m.saslUsername || ''), el('td', {}, m.tlsProtocol || ''));
  }));
  $('#range').textContent = page.total === 0 ? 'no messages'
    : `${state.offset + 1}–${state.offset + page.messages.length} of ${page.total}`;
  $('#prev').disabled = state.offset === 0;
  $('#next').disabled = state.offset + PAGE >= page.total;
}

let typing;
$('#filters').addEventListener('input', () => {
  clearTimeout(typing);
  typing = setTimeout(() => { state.offset = 0; loadList().catch(showError); }, 200);
});
$('#filters').addEventListener('submit', (e) => e.preventDefault());
$('#prev').addEventListener('click', () => { state.offset = Math.max(0, state.offset - PAGE); loadList().catch(showError); });
$('#next').addEventListener('click', () => { state.offset += PAGE; loadList().catch(showError); });

// ---- one message -----------------------------------------------------------------------------

async function showMessage(instance, id) {
  state.view = `${instance}/${id}`;
  const base = `/api/instances/${enc(instance)}/messages/${enc(id)}`;
  const v = await api(`${base}/view`);
  const m = v.message;
  const section = $('#message');
  section.hidden = false;
  section.replaceChildren(...[
    el('h2', {}, m.subject || '(no subject)'),
    el('div', {}, el('button', { type: 'button', id: 'delete-message', title: `forget ${m.id} at ${m.instance}` },
      'Delete this message')),
    el('dl', { class: 'env' },
      el('dt', {}, 'Instance'), el('dd', {}, `${m.instance}, queue ID ${m.id}`),
      el('dt', {}, 'Envelope'), el('dd', {}, `from <${m.from}> to ${m.to.map(t => `<${t}>`).join(', ')}`),
      el('dt', {}, 'Client'), el('dd', {}, `${m.clientName}[${m.clientAddress}] helo=${m.helo || ''} (${m.protocol})`),
      el('dt', {}, 'SASL'), el('dd', {}, sasl(m.saslMethod, m.saslUsername)),
      el('dt', {}, 'TLS'), el('dd', {}, tls(m.tls)),
      el('dt', {}, 'Received'), el('dd', {}, `${time(m.received)}, ${m.size} bytes`)),
    el('h3', {}, 'Path'), el('ol', { class: 'path', id: 'path' }, v.path.map(hop)),
    v.parseError ? el('p', { class: 'error' }, `Not parsable as MIME: ${v.parseError}`) : null,
    v.text !== null ? [el('h3', {}, 'Text'), el('pre', { id: 'text' }, v.text),
      v.textTruncated ? el('p', { class: 'muted' }, 'Cut here: the raw source has the rest.') : null] : null,
    v.html ? [el('h3', {}, 'HTML'),
      // No allow-scripts, no allow-same-origin: the mail cannot run code nor reach this page.
      el('iframe', { class: 'html', sandbox: '', src: `${base}/html`, title: 'HTML body', referrerpolicy: 'no-referrer' })] : null,
    v.attachments.length ? [el('h3', {}, 'Attachments'), el('ul', { id: 'attachments' }, v.attachments.map(a =>
      el('li', {}, el('a', { href: `${base}/attachments/${a.index}`, download: a.filename || '' },
        a.filename || `attachment ${a.index}`), ` ${a.contentType}${a.size >= 0 ? `, ${a.size} bytes` : ''}`)))] : null,
    el('h3', {}, 'Headers'),
    el('table', { class: 'headers' }, v.headers.map(h => el('tr', {}, el('th', {}, h.name), el('td', {}, h.value)))),
    el('h3', {}, 'Session transcript'),
    v.session ? el('pre', { id: 'transcript' }, v.session.transcript.map(x =>
      (x.command === null ? '' : `C: ${x.command}\n`) + x.reply.map(r => `S: ${r}`).join('\n')).join('\n'))
      : el('p', { class: 'muted' }, 'Not kept any more (mailrelay_session_retention_limit).'),
    el('details', { id: 'raw' }, el('summary', {}, 'Raw source ', el('a', { href: `${base}/raw`, download: `${m.id}.eml` }, '(download .eml)')),
      el('pre', {}))].flat(2).filter(c => c));
  section.querySelector('#delete-message').addEventListener('click', async () => {
    if (!confirm(`Delete message ${m.id} captured at ${m.instance}?`)) return;
    const shown = state.view;
    state.view = null;    // the live update the deletion causes must not reload its path
    try {
      await post(base, 'DELETE');
      location.hash = '#/';
    } catch (err) {
      state.view = shown;
      alert(err.message);
    }
  });
  section.querySelector('#raw').addEventListener('toggle', async (e) => {
    const pre = e.target.querySelector('pre');
    if (e.target.open && !pre.textContent) {
      pre.textContent = await (await fetch(`${base}/raw`)).text();
    }
  });
  document.querySelectorAll('tr.message').forEach(r =>
    r.classList.toggle('selected', `${r.dataset.instance}/${r.dataset.id}` === state.view));
}

function hop(h) {
  return el('li', { class: `hop${h.selected ? ' selected' : ''}`, 'data-instance': h.instance, 'data-id': h.queueId },
    el('h4', {}, el('a', { href: `#/m/${enc(h.instance)}/${enc(h.queueId)}` }, `${h.instance} ${h.queueId}`)),
    el('div', { class: 'in' }, `from ${h.client} helo=${h.helo || ''} · ${h.protocol} · `,
      el('span', { class: 'sasl' }, sasl(h.saslMethod, h.saslUsername)), ' · ', el('span', { class: 'tls' }, tls(h.tls))),
    h.rewrites.length ? el('ul', { class: 'rewrites' }, h.rewrites.map(r =>
      el('li', {}, `${r.what}: ${r.before ?? '(none)'} → ${r.after ?? '(none)'}`))) : null,
    h.deliveries.length ? el('ul', { class: 'deliveries' }, h.deliveries.map(d =>
      el('li', { class: 'delivery' }, el('span', { class: `status-${d.status}` }, d.status), ` ${time(d.time)} to ${d.to.join(', ')}`
        + ` via ${d.transport} ${d.nextHop || ''} relay=${d.relay} · ${sasl(d.saslMethod, d.saslUsername)} · ${tls(d.tls)}`,
        el('div', { class: 'reply' }, d.reply)))) : null,
    h.queued ? el('div', { class: 'queued' }, h.queued.active ? 'being delivered now'
      : `deferred after ${h.queued.attempts} attempt(s)` + (h.queued.nextRetry ? `, next retry ${time(h.queued.nextRetry)}` : '')) : null);
}

// ---- routing, live updates -------------------------------------------------------------------

function route() {
  const m = location.hash.match(/^#\/m\/([^/]+)\/([^/]+)$/);
  if (m) {
    showMessage(decodeURIComponent(m[1]), decodeURIComponent(m[2])).catch(showError);
  } else {
    state.view = null;
    $('#message').hidden = true;
  }
}

function showError(err) {
  $('#message').hidden = false;
  $('#message').replaceChildren(el('p', { class: 'error' }, err.message));
}

let refreshing = null;
let again = false;
/** Reloads what is shown; changes that come during a reload are covered by one more. */
function refresh() {
  if (refreshing) { again = true; return; }
  refreshing = Promise.all([loadInstances(), loadList(),
    state.view ? refreshPath() : null]).catch(showError).finally(() => {
    refreshing = null;
    if (again) { again = false; refresh(); }
  });
}

async function refreshPath() {
  const shown = state.view;
  const [instance, id] = shown.split('/');
  let v;
  try {
    v = await api(`/api/instances/${enc(instance)}/messages/${enc(id)}/view`);
  } catch (err) {
    if (state.view !== shown) return;   // another message is shown by now, or none
    throw err;
  }
  const path = $('#path');
  if (path && state.view === shown) path.replaceChildren(...v.path.map(hop));
}

function listen() {
  const events = new EventSource('/api/events');
  events.addEventListener('open', () => { $('#live').textContent = 'live'; $('#live').className = 'live on'; refresh(); });
  events.addEventListener('change', refresh);
  events.addEventListener('error', () => {
    $('#live').className = 'live off';
    // EventSource reconnects by itself after a dropped connection; a refusal (e.g. too many pages
    // open: 503) closes it for good.
    $('#live').textContent = events.readyState === EventSource.CLOSED
      ? 'not live: the server refused updates (too many pages open?) — reload to retry' : 'reconnecting…';
  });
}

window.addEventListener('hashchange', route);
loadInstances().then(loadList).catch(showError);
route();
listen();
