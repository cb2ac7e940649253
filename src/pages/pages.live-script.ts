/**
 * The pages' one script (served as /assets/live.js; the CSP allows scripts
 * from 'self' only). It follows /api/events and, on each event, fetches the
 * page again and swaps the parts marked `data-live-region` whose HTML changed,
 * so the server renders (and escapes) everything; no event data reaches the
 * DOM. While the stream is unavailable it fetches the page every 30 s instead,
 * and the reader can pause and resume updates (WCAG 2.2.1: no refresh the
 * reader cannot stop). Plain ES5-era DOM code: nothing to build.
 */
export const LIVE_SCRIPT = String.raw`(function () {
  'use strict';
  var root = document.querySelector('[data-live-events]');
  if (!root || !window.fetch || !window.DOMParser) return;
  var POLL_MS = 30000;
  var source = root.getAttribute('data-live-events');
  var bar = document.querySelector('[data-live-bar]');
  if (!bar) return;
  bar.textContent = '';
  var text = document.createElement('span');
  text.setAttribute('role', 'status');
  var button = document.createElement('button');
  button.type = 'button';
  bar.appendChild(text);
  bar.appendChild(document.createTextNode(' '));
  bar.appendChild(button);

  var stream = null;
  var live = false;
  var paused = false;
  var pollTimer = null;
  var retryTimer = null;
  var pending = null;
  var missed = false;

  function clock() {
    return new Date().toISOString().slice(11, 19) + ' UTC';
  }
  function show(message) {
    text.textContent = message;
    button.textContent = paused ? 'Resume updates' : 'Pause updates';
    bar.setAttribute('data-live-state', paused ? 'paused' : live ? 'live' : 'polling');
  }
  function find(doc, key) {
    var all = doc.querySelectorAll('[data-live-region]');
    for (var i = 0; i < all.length; i++) if (all[i].getAttribute('data-live-region') === key) return all[i];
    return null;
  }
  function swap(doc) {
    var changed = 0;
    var regions = document.querySelectorAll('[data-live-region]');
    for (var i = 0; i < regions.length; i++) {
      var next = find(doc, regions[i].getAttribute('data-live-region'));
      if (next && next.outerHTML !== regions[i].outerHTML) {
        regions[i].replaceWith(document.importNode(next, true));
        changed++;
      }
    }
    if (doc.title) document.title = doc.title;
    return changed;
  }
  function refresh() {
    pending = null;
    return fetch(location.pathname + location.search, { headers: { Accept: 'text/html' }, cache: 'no-store', credentials: 'same-origin' })
      .then(function (res) {
        if (!res.ok) throw new Error('HTTP ' + res.status);
        return res.text();
      })
      .then(function (html) {
        var changed = swap(new DOMParser().parseFromString(html, 'text/html'));
        show((live ? 'Live. ' : 'Live updates unavailable; checking every 30 s. ') + (changed ? 'Updated ' : 'Checked ') + clock() + '.');
      })
      .catch(function () {
        show('Could not reach the service at ' + clock() + '; trying again.');
      });
  }
  function schedule() {
    if (paused) {
      missed = true;
      show('Paused. Changes are waiting.');
      return;
    }
    // Events come in bursts (one per DAG on connect): one fetch per burst.
    if (pending === null) pending = setTimeout(refresh, 50);
  }
  function startPolling() {
    if (pollTimer === null) pollTimer = setInterval(function () { if (!paused) refresh(); }, POLL_MS);
  }
  function stopPolling() {
    if (pollTimer !== null) clearInterval(pollTimer);
    pollTimer = null;
  }
  function connect() {
    retryTimer = null;
    if (!window.EventSource) {
      startPolling();
      show('Live updates unavailable; checking every 30 s.');
      return;
    }
    stream = new EventSource(source);
    stream.addEventListener('status', schedule);
    stream.onopen = function () {
      live = true;
      stopPolling();
      show('Live.');
    };
    stream.onerror = function () {
      live = false;
      startPolling();
      if (stream.readyState === EventSource.CLOSED) {
        // Refused (e.g. 503 when too many streams are open): try again later, polling meanwhile.
        stream = null;
        if (retryTimer === null) retryTimer = setTimeout(connect, POLL_MS);
      }
      show('Live updates unavailable; checking every 30 s.');
    };
  }
  button.addEventListener('click', function () {
    paused = !paused;
    if (paused) {
      show('Paused.');
    } else {
      show(live ? 'Live.' : 'Resumed.');
      if (missed || !live) refresh();
      missed = false;
    }
  });
  show('Connecting…');
  connect();
})();
`;
