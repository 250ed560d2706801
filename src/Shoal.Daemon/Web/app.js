// Shoal's web page: Transmission's RPC from the browser, refreshed every 1.5 s. Plain DOM, no
// build step; every value from the daemon goes in as text, never as markup.
'use strict';

const rpc = {
  session: '',
  async call(method, args = {}) {
    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await fetch('/transmission/rpc', {
        method: 'POST',
        headers: { 'X-Transmission-Session-Id': this.session, 'Content-Type': 'application/json' },
        body: JSON.stringify({ method, arguments: args }),
        credentials: 'same-origin',
      });
      if (response.status === 409) {
        this.session = response.headers.get('X-Transmission-Session-Id') || '';
        continue;
      }
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const answer = await response.json();
      if (answer.result !== 'success') throw new Error(answer.result);
      return answer.arguments;
    }
    throw new Error('the daemon refused the session id');
  },
};

const FIELDS = ['id', 'name', 'status', 'percentDone', 'rateDownload', 'rateUpload', 'peersConnected', 'eta',
  'sizeWhenDone', 'leftUntilDone', 'error', 'errorString', 'uploadRatio', 'isFinished', 'metadataPercentComplete',
  'downloadLimit', 'downloadLimited', 'uploadLimit', 'uploadLimited', 'queuePosition', 'recheckProgress'];
const DETAIL_FIELDS = { files: ['files', 'fileStats'], peers: ['peers'], trackers: ['trackerStats'], limits: [] };
const STATUS = ['Stopped', 'Queued to verify', 'Verifying', 'Queued', 'Downloading', 'Queued', 'Seeding'];
const PRIORITIES = [['-1', 'low'], ['0', 'normal'], ['1', 'high']];

const $ = (selector, root = document) => root.querySelector(selector);
const rows = new Map(); // id -> { element, torrent, tab }
let altSpeed = false;

function el(tag, text, attributes = {}) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  return node;
}

function bytes(n) {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) { n /= 1000; i++; }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

const rate = (n) => `${bytes(n)}/s`;

function duration(seconds) {
  if (seconds < 0) return seconds === -1 ? '' : 'unknown';
  const d = Math.floor(seconds / 86400), h = Math.floor(seconds / 3600) % 24, m = Math.floor(seconds / 60) % 60, s = seconds % 60;
  return d ? `${d}d ${h}h` : h ? `${h}h ${m}m` : m ? `${m}m ${s}s` : `${s}s`;
}

function stateOf(t) {
  if (t.status === 0) return t.isFinished ? 'Finished' : 'Paused';
  if (t.status === 2 && t.recheckProgress > 0) return `Verifying ${(t.recheckProgress * 100).toFixed(0)}%`;
  if (t.status !== 0 && t.metadataPercentComplete < 1) return 'Fetching metadata';
  return STATUS[t.status] || 'Unknown';
}

function say(text, bad = false) {
  const message = $('#message');
  message.textContent = text;
  message.className = bad ? 'bad' : '';
}

async function act(what, work) {
  try {
    await work();
    await refresh();
  } catch (e) {
    say(`${what}: ${e.message}`, true);
  }
}

function renderRow(t) {
  let row = rows.get(t.id);
  if (!row) {
    const element = $('#torrent-template').content.firstElementChild.cloneNode(true);
    element.dataset.id = t.id;
    element.dataset.testid = 'torrent';
    row = { element, torrent: t, tab: null };
    rows.set(t.id, row);
    $('.toggle', element).addEventListener('click', () => act('start or stop', () =>
      rpc.call(row.torrent.status === 0 ? 'torrent-start' : 'torrent-stop', { ids: [t.id] })));
    $('.verify', element).addEventListener('click', () => act('verify', () => rpc.call('torrent-verify', { ids: [t.id] })));
    $('.remove', element).addEventListener('click', () => askRemove(row.torrent));
    $('.details-button', element).addEventListener('click', () => {
      const details = $('.details', element);
      details.hidden = !details.hidden;
      if (!details.hidden) showTab(row, row.tab || 'files');
    });
    for (const tab of element.querySelectorAll('.tab')) tab.addEventListener('click', () => showTab(row, tab.dataset.tab));
  }
  row.torrent = t;
  const e = row.element;
  $('.name', e).textContent = t.name;
  $('.state', e).textContent = stateOf(t);
  e.dataset.state = stateOf(t);
  const fetchingMetadata = t.metadataPercentComplete < 1;
  $('progress', e).value = fetchingMetadata ? 0 : t.percentDone;
  const parts = [fetchingMetadata ? '0% · fetching metadata' : `${(t.percentDone * 100).toFixed(1)}% of ${bytes(t.sizeWhenDone)}`,
    `↓ ${rate(t.rateDownload)}`, `↑ ${rate(t.rateUpload)}`, `${t.peersConnected} peers`];
  if (t.status === 4 && t.eta !== -1) parts.push(`ETA ${duration(t.eta)}`);
  if (t.uploadRatio >= 0) parts.push(`ratio ${t.uploadRatio.toFixed(2)}`);
  $('.line', e).textContent = parts.join(' · ');
  $('.error', e).textContent = t.error ? t.errorString : '';
  $('.toggle', e).textContent = t.status === 0 ? 'Resume' : 'Pause';
  return e;
}

async function showTab(row, tab) {
  row.tab = tab;
  for (const form of row.element.querySelectorAll('form[data-dirty]')) delete form.dataset.dirty; // another tab: the edit is dropped
  for (const button of row.element.querySelectorAll('.tab')) button.classList.toggle('active', button.dataset.tab === tab);
  await renderDetails(row);
}

async function renderDetails(row) {
  const details = $('.details', row.element);
  const body = $('.tab-body', details);
  const editing = document.activeElement;
  // Never pull a field from under the user's fingers: a list or a number being chosen waits, and
  // so does a form the user has changed but not sent (the limits' boxes and numbers).
  if (details.hidden || !row.tab || body.contains(editing) && (editing.tagName === 'SELECT' || editing.type === 'number')
    || body.querySelector('form[data-dirty]')) return;
  const fields = DETAIL_FIELDS[row.tab];
  const t = fields.length ? (await rpc.call('torrent-get', { ids: [row.torrent.id], fields })).torrents[0] : row.torrent;
  if (!t) return;
  const content = { files: filesTable, peers: peersTable, trackers: trackersTable, limits: limitsForm }[row.tab](row.torrent.id, t);
  body.replaceChildren(content);
}

function table(headers, wide = []) {
  const t = el('table');
  const head = el('tr');
  headers.forEach((h, i) => head.append(el('th', h, wide.includes(i) ? { class: 'wide' } : {})));
  t.append(head);
  return t;
}

function filesTable(id, t) {
  const files = table(['Wanted', 'File', 'Done', 'Size', 'Priority'], [3]);
  t.files.forEach((file, i) => {
    const stats = t.fileStats[i];
    const tr = el('tr', undefined, { 'data-testid': 'file' });
    const wanted = el('input', undefined, { type: 'checkbox' });
    wanted.checked = stats.wanted;
    wanted.addEventListener('change', () => act('change files', () =>
      rpc.call('torrent-set', { ids: [id], [wanted.checked ? 'files-wanted' : 'files-unwanted']: [i] })));
    const priority = el('select');
    for (const [value, label] of PRIORITIES) priority.append(el('option', label, { value }));
    priority.value = String(stats.priority);
    priority.addEventListener('change', () => act('change priority', () =>
      rpc.call('torrent-set', { ids: [id], [`priority-${PRIORITIES.find(p => p[0] === priority.value)[1]}`]: [i] })));
    const cells = [wanted, el('span', file.name), el('span', `${file.length ? Math.floor(100 * file.bytesCompleted / file.length) : 100}%`),
      el('span', bytes(file.length)), priority];
    cells.forEach((c, k) => { const td = el('td', undefined, k === 1 ? { class: 'path' } : k === 3 ? { class: 'wide' } : {}); td.append(c); tr.append(td); });
    files.append(tr);
  });
  return files;
}

function peersTable(id, t) {
  const peers = table(['Address', 'Client', 'Flags', 'Done', '↓', '↑'], [1]);
  for (const p of t.peers) {
    const tr = el('tr', undefined, { 'data-testid': 'peer' });
    [[p.address.includes(':') ? `[${p.address}]:${p.port}` : `${p.address}:${p.port}`], [p.clientName, 'wide'], [p.flagStr],
      [`${Math.floor(p.progress * 100)}%`], [rate(p.rateToClient)], [rate(p.rateToPeer)]]
      .forEach(([text, cls]) => tr.append(el('td', text, cls ? { class: cls } : {})));
    peers.append(tr);
  }
  if (!t.peers.length) return el('p', 'No peers connected.');
  return peers;
}

function trackersTable(id, t) {
  if (!t.trackerStats.length) return el('p', 'No trackers.');
  const trackers = table(['Tier', 'Tracker', 'Last announce', 'Peers', 'Seeders', 'Leechers'], [4, 5]);
  for (const s of t.trackerStats) {
    const tr = el('tr', undefined, { 'data-testid': 'tracker' });
    const last = !s.hasAnnounced ? 'not yet' : s.lastAnnounceSucceeded ? 'ok' : s.lastAnnounceResult;
    [[s.tier], [s.announce, 'path'], [last], [s.lastAnnouncePeerCount], [s.seederCount < 0 ? '' : s.seederCount, 'wide'], [s.leecherCount < 0 ? '' : s.leecherCount, 'wide']]
      .forEach(([text, cls]) => tr.append(el('td', text, cls ? { class: cls } : {})));
    trackers.append(tr);
  }
  return trackers;
}

function limitsForm(id, t) {
  const form = el('form', undefined, { class: 'limits' });
  const line = (label, key, on) => {
    const box = el('input', undefined, { type: 'checkbox', name: on });
    box.checked = t[on];
    const number = el('input', undefined, { type: 'number', min: '0', name: key, value: String(t[key]) });
    const wrap = el('label');
    wrap.append(box, el('span', label), number, el('span', 'kB/s'));
    return wrap;
  };
  const save = el('button', 'Save limits', { type: 'submit' });
  form.addEventListener('input', () => { form.dataset.dirty = '1'; });
  form.append(line('Download at most', 'downloadLimit', 'downloadLimited'), line('Upload at most', 'uploadLimit', 'uploadLimited'), save);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = form.elements;
    delete form.dataset.dirty; // sent: the daemon's values show again from the next refresh
    act('set limits', async () => {
      await rpc.call('torrent-set', {
        ids: [id],
        downloadLimited: data.downloadLimited.checked, downloadLimit: Number(data.downloadLimit.value),
        uploadLimited: data.uploadLimited.checked, uploadLimit: Number(data.uploadLimit.value),
      });
      say('Limits saved.');
    });
  });
  return form;
}

function askRemove(t) {
  const dialog = $('#remove-dialog');
  $('#remove-name').textContent = t.name;
  dialog.onclose = () => {
    if (dialog.returnValue === 'keep' || dialog.returnValue === 'delete')
      act('remove', () => rpc.call('torrent-remove', { ids: [t.id], 'delete-local-data': dialog.returnValue === 'delete' }));
  };
  dialog.returnValue = '';
  dialog.showModal();
}

async function refresh() {
  const [got, session, stats] = await Promise.all([
    rpc.call('torrent-get', { fields: FIELDS }), rpc.call('session-get'), rpc.call('session-stats')]);
  const list = $('#torrents');
  const seen = new Set();
  got.torrents.sort((a, b) => a.queuePosition - b.queuePosition);
  got.torrents.forEach((t, i) => {
    seen.add(t.id);
    const element = renderRow(t);
    if (list.children[i] !== element) list.insertBefore(element, list.children[i] || null);
  });
  for (const [id, row] of rows) {
    if (!seen.has(id)) { row.element.remove(); rows.delete(id); }
  }
  $('#empty').hidden = got.torrents.length > 0;
  altSpeed = session['alt-speed-enabled'];
  $('#turtle').textContent = `Turtle: ${altSpeed ? 'on' : 'off'}`;
  $('#totals').textContent = `↓ ${rate(stats.downloadSpeed)} · ↑ ${rate(stats.uploadSpeed)} · ${stats.torrentCount} torrents`;
  for (const row of rows.values()) await renderDetails(row);
}

function readBase64(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

$('#add').addEventListener('submit', (event) => {
  event.preventDefault();
  const link = $('#add-link').value.trim();
  const file = $('#add-file').files[0];
  if (!link && !file) { say('Choose a .torrent file or paste a magnet link or URL.', true); return; }
  act('add', async () => {
    const args = { paused: $('#add-paused').checked };
    if (file) args.metainfo = await readBase64(file); else args.filename = link;
    const added = await rpc.call('torrent-add', args);
    if (added['channel-followed']) {
      say(`Following the channel ${added['channel-followed'].link}.`);
      $('#add').reset();
      return;
    }
    const t = added['torrent-added'] || added['torrent-duplicate'];
    say(added['torrent-added'] ? `Added ${t.name}.` : `${t.name} is already here.`);
    $('#add').reset();
  });
});

$('#turtle').addEventListener('click', () => act('turtle', () => rpc.call('session-set', { 'alt-speed-enabled': !altSpeed })));

async function loop() {
  try {
    await refresh();
  } catch (e) {
    say(`Cannot reach the daemon: ${e.message}`, true);
  }
  setTimeout(loop, 1500);
}
loop();
