// Channels on Shoal's web page (Shoal's own RPC methods): follow a channel by its link (and
// feed), and see each one's versions. Uses rpc, el, $, say and bytes from app.js.
'use strict';

function when(unixSeconds) {
  return unixSeconds ? new Date(unixSeconds * 1000).toLocaleString() : 'never';
}

function channelItem(c) {
  const li = el('li', undefined, { class: 'channel', 'data-testid': 'channel', 'data-id': String(c.id) });
  const head = el('div', undefined, { class: 'head' });
  head.append(el('span', c.link, { class: 'name link' }),
    el('span', c.current !== undefined ? `current: version ${c.current}` : 'no complete version yet', { class: 'state', 'data-testid': 'channel-current' }));
  li.append(head);
  const facts = [`newest seen: ${c.sequence || 'none'}`, `changed: ${when(c.changedDate)}`, `checked: ${when(c.lastCheck)}`];
  if (c.feed) facts.push(`feed: ${c.feed}`);
  li.append(el('div', facts.join(' · '), { class: 'line' }), el('div', c.error, { class: 'error', 'data-testid': 'channel-error' }));
  const versions = el('ul', undefined, { class: 'versions' });
  for (const v of c.versions) {
    const done = v.percentDone === undefined ? 'removed by hand' : v.isFinished ? 'complete' : `${(v.percentDone * 100).toFixed(1)}%`;
    versions.append(el('li', `version ${v.sequence} · ${v.name || v.hashString} · ${done} · added ${when(v.addedDate)}`, { 'data-testid': 'channel-version' }));
  }
  li.append(versions);
  const stop = el('button', 'Stop following', { type: 'button' });
  stop.addEventListener('click', () => act('stop following', async () => {
    await rpc.call('shoal-channel-remove', { ids: [c.id] });
    await refreshChannels();
  }));
  const actions = el('div', undefined, { class: 'actions' });
  actions.append(stop);
  li.append(actions);
  return li;
}

async function refreshChannels() {
  const { channels } = await rpc.call('shoal-channel-get');
  $('#channels').replaceChildren(...channels.map(channelItem));
  $('#channels-empty').hidden = channels.length > 0;
}

$('#channel-add').addEventListener('submit', (event) => {
  event.preventDefault();
  const link = $('#channel-link').value.trim();
  const feed = $('#channel-feed').value.trim();
  if (!link) { say('Paste a channel link (magnet:?xs=urn:btpk:...).', true); return; }
  act('follow', async () => {
    const args = { link };
    if (feed) args.feed = feed;
    const { channel } = await rpc.call('shoal-channel-add', args);
    say(`Following ${channel.link}.`);
    $('#channel-add').reset();
    await refreshChannels();
  });
});

async function channelLoop() {
  try {
    await refreshChannels();
  } catch (e) {
    say(`Cannot read the channels: ${e.message}`, true);
  }
  setTimeout(channelLoop, 3000);
}
channelLoop();
