/**
 * The pages' one script (served as /assets/live.js; the CSP allows scripts
 * from 'self' only). It follows /api/events and, on each event, fetches the
 * page again and swaps the parts marked `data-live-region` whose HTML changed,
 * so the server renders (and escapes) everything; no event data reaches the
 * DOM. A list marked `data-live-list` follows the new page's rows by key, so a
 * filtered page gains the rows that start matching and drops those that stop.
 * While the stream is unavailable it fetches the page every 30 s instead,
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
  var asked = 0;

  function clock() {
    return new Date().toISOString().slice(11, 19) + ' UTC';
  }
  function show(message) {
    text.textContent = message;
    button.textContent = paused ? 'Resume updates' : 'Pause updates';
    bar.setAttribute('data-live-state', paused ? 'paused' : live ? 'live' : 'polling');
  }
  function keyOf(el) {
    return el.getAttribute('data-live-region');
  }
  // Every region of a document by key, in one pass: a page of 1,000 rows must not cost 1,000 searches.
  function regionsOf(doc) {
    var map = {};
    var all = doc.querySelectorAll('[data-live-region]');
    for (var i = 0; i < all.length; i++) map[keyOf(all[i])] = all[i];
    return map;
  }
  function inList(el) {
    return !!el.parentElement && el.parentElement.hasAttribute('data-live-list');
  }
  // A list's rows follow the new page's: unchanged rows stay, changed ones are swapped, rows that start
  // matching the page's filter are inserted in order, rows that stop matching leave. Focus inside a row
  // that goes moves to the list.
  function syncList(list, next) {
    var old = {};
    var changed = 0;
    var wanted = [];
    var lost = false;
    var active = document.activeElement;
    for (var i = 0; i < list.children.length; i++) old[keyOf(list.children[i])] = list.children[i];
    for (var j = 0; j < next.children.length; j++) {
      var row = next.children[j];
      var key = keyOf(row);
      var current = Object.prototype.hasOwnProperty.call(old, key) ? old[key] : null;
      if (current) delete old[key];
      if (current && current.outerHTML === row.outerHTML) {
        wanted.push(current);
        continue;
      }
      if (current) {
        lost = lost || current.contains(active);
        current.remove();
      }
      wanted.push(document.importNode(row, true));
      changed++;
    }
    for (var gone in old) {
      if (!Object.prototype.hasOwnProperty.call(old, gone)) continue;
      lost = lost || old[gone].contains(active);
      old[gone].remove();
      changed++;
    }
    for (var k = 0; k < wanted.length; k++) {
      if (list.children[k] !== wanted[k]) list.insertBefore(wanted[k], list.children[k] || null);
    }
    if (lost) list.focus();
    return changed;
  }
  function swap(doc) {
    var changed = 0;
    var next = regionsOf(doc);
    var regions = document.querySelectorAll('[data-live-region]');
    for (var i = 0; i < regions.length; i++) {
      if (inList(regions[i])) continue;
      var fresh = next[keyOf(regions[i])];
      if (fresh && fresh.outerHTML !== regions[i].outerHTML) {
        regions[i].replaceWith(document.importNode(fresh, true));
        changed++;
      }
    }
    var lists = document.querySelectorAll('[data-live-list]');
    for (var j = 0; j < lists.length; j++) {
      var list = doc.querySelector('[data-live-list="' + lists[j].getAttribute('data-live-list') + '"]');
      if (list) changed += syncList(lists[j], list);
    }
    if (doc.title) document.title = doc.title;
    return changed;
  }
  function refresh() {
    pending = null;
    // Only the answer to the newest request is shown: an older one may arrive later (the filter changed meanwhile).
    var ticket = ++asked;
    return fetch(location.pathname + location.search, { headers: { Accept: 'text/html' }, cache: 'no-store', credentials: 'same-origin' })
      .then(function (res) {
        if (!res.ok) throw new Error('HTTP ' + res.status);
        return res.text();
      })
      .then(function (html) {
        if (ticket !== asked) return;
        var changed = swap(new DOMParser().parseFromString(html, 'text/html'));
        show((live ? 'Live. ' : 'Live updates unavailable; checking every 30 s. ') + (changed ? 'Updated ' : 'Checked ') + clock() + '.');
      })
      .catch(function () {
        if (ticket === asked) show('Could not reach the service at ' + clock() + '; trying again.');
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
  // The filter form, where the page has one: narrows the rows at once as the reader types, then asks the
  // server for the page of the new filter (which brings rows back, and the counts), keeping it in the URL.
  var form = document.querySelector('form[data-live-filter]');
  if (form && window.URLSearchParams && window.FormData && window.history) {
    var input = form.querySelector('input[name="q"]');
    var failing = form.querySelector('input[type="checkbox"][name="outcome"]');
    var typing = null;
    var narrow = function () {
      var text = input ? input.value.toLowerCase() : '';
      var onlyFailing = !!failing && failing.checked;
      var rows = document.querySelectorAll('[data-live-list] > [data-dag-id]');
      for (var i = 0; i < rows.length; i++) {
        var id = (rows[i].getAttribute('data-dag-id') || '').toLowerCase();
        rows[i].hidden = id.indexOf(text) < 0 || (onlyFailing && rows[i].getAttribute('data-outcome') === 'success');
      }
    };
    var apply = function () {
      clearTimeout(typing);
      var params = new URLSearchParams(new FormData(form));
      if (!params.get('q')) params.delete('q');
      var search = params.toString();
      history.replaceState(null, '', location.pathname + (search ? '?' + search : ''));
      narrow();
      refresh();
    };
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      apply();
    });
    if (input) {
      input.addEventListener('input', function () {
        narrow();
        clearTimeout(typing);
        typing = setTimeout(apply, 300);
      });
    }
    if (failing) failing.addEventListener('change', apply);
  }
  show('Connecting\u2026');
  connect();
})();
`;
