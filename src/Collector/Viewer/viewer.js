// Trace viewer for the Propagation tracing API. Plain browser JavaScript, no dependencies, no build step.
// Every value from the API (span names, attributes, service names...) is attacker-influenced: it is only ever
// inserted with textContent or as an attribute value through the DOM, never as HTML.
(function () {
  'use strict';

  var meta = document.querySelector('meta[name="tracing-api"]');
  var API = ((meta && meta.getAttribute('content')) || document.body.getAttribute('data-api') || '/api/tracing').replace(/\/+$/, '');
  var PAGE_SIZE = 50;
  // Largest duration a filter may ask for: far beyond any real span, well inside what the API accepts.
  var MAX_FILTER_MS = 1e12;
  var PALETTE = ['#3b82f6', '#10b981', '#f59e0b', '#8b5cf6', '#ec4899', '#14b8a6', '#f97316', '#6366f1', '#84cc16', '#06b6d4', '#a855f7', '#ef4444'];
  var SVG_NS = 'http://www.w3.org/2000/svg';

  var state = {
    view: null,
    traceQuery: null,
    nextOffset: null,
    trace: null,
    collapsed: new Set(),
    selectedSpanId: null,
    servicesLoaded: false
  };

  // One slot per kind of answer the page waits for. Starting a request in a slot aborts the one before it, and an
  // answer (or error) is only shown while its request is still the slot's latest: a slow answer for an earlier trace,
  // search or tab never replaces what the address bar and the filters now ask for.
  function requestSlot() {
    var latest = null;
    return {
      start: function () {
        if (latest) { latest.controller.abort(); }
        latest = { controller: new AbortController() };
        return latest;
      },
      cancel: function () {
        if (latest) { latest.controller.abort(); }
        latest = null;
      },
      isCurrent: function (request) { return request === latest; }
    };
  }

  var requests = {
    services: requestSlot(),
    traces: requestSlot(),
    trace: requestSlot(),
    dependencies: requestSlot(),
    performance: requestSlot()
  };

  function cancelRequests() {
    Object.keys(requests).forEach(function (name) { requests[name].cancel(); });
  }

  // ---- helpers -------------------------------------------------------------------------------------------------

  function $(id) { return document.getElementById(id); }

  // Builds an element. props: className, testid, text, title, data (object of data-* values), attrs (object).
  function el(tag, props) {
    var node = document.createElement(tag);
    props = props || {};
    if (props.className) { node.className = props.className; }
    if (props.testid) { node.setAttribute('data-testid', props.testid); }
    if (props.text !== undefined && props.text !== null) { node.textContent = String(props.text); }
    if (props.title) { node.setAttribute('title', String(props.title)); }
    if (props.data) { Object.keys(props.data).forEach(function (k) { node.setAttribute('data-' + k, String(props.data[k])); }); }
    if (props.attrs) { Object.keys(props.attrs).forEach(function (k) { node.setAttribute(k, String(props.attrs[k])); }); }
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined || child === false) { continue; }
      node.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function svg(tag, attrs) {
    var node = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, String(attrs[k])); });
    return node;
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }

  // Colors are handed out in order (services known up front are registered sorted), so two services on one page
  // never share a color until the palette runs out.
  var colors = new Map();

  function registerServices(names) {
    names.slice().sort().forEach(function (name) { colorOf(name); });
  }

  function colorOf(service) {
    var name = String(service);
    if (!colors.has(name)) { colors.set(name, PALETTE[colors.size % PALETTE.length]); }
    return colors.get(name);
  }

  // Hosting's activity keeps its generic operation name unless something renames it: show the HTTP method and
  // route (or path) instead, as OpenTelemetry names server spans. The stored name stays visible in the details.
  var GENERIC_NAMES = ['Microsoft.AspNetCore.Hosting.HttpRequestIn', 'System.Net.Http.HttpRequestOut'];

  function displayName(span) {
    var a = span.attributes || {};
    if (GENERIC_NAMES.indexOf(span.name) >= 0) {
      var method = a['http.request.method'] || a['http.method'];
      var target = a['http.route'] || a['url.path'] || a['http.target'];
      if (method) { return String(method) + (target ? ' ' + String(target) : ''); }
    }
    return span.name;
  }

  function swatch(service) {
    var node = el('span', { className: 'swatch' });
    node.style.backgroundColor = colorOf(service);
    return node;
  }

  function serviceChip(service) {
    return el('span', { className: 'chip', testid: 'service-chip', data: { service: service } }, swatch(service), service);
  }

  function fmtMs(ms) {
    if (typeof ms !== 'number' || !isFinite(ms)) { return '–'; }
    if (ms === 0) { return '0 ms'; }
    // A negative time (an event stamped before its span started) in the unit its size calls for, not always µs.
    if (ms < 0) { return '-' + fmtMs(-ms); }
    if (ms < 1) { return Math.round(ms * 1000) + ' µs'; }
    if (ms < 10) { return ms.toFixed(2) + ' ms'; }
    if (ms < 1000) { return ms.toFixed(1) + ' ms'; }
    if (ms < 60000) { return (ms / 1000).toFixed(2) + ' s'; }
    return (ms / 60000).toFixed(1) + ' min';
  }

  function fmtPercent(rate) { return (typeof rate === 'number' && isFinite(rate)) ? (rate * 100).toFixed(rate > 0 && rate < 0.1 ? 1 : 0) + '%' : '–'; }

  function pad(n, width) { var s = String(n); while (s.length < width) { s = '0' + s; } return s; }

  function fmtTime(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) { return String(iso); }
    var time = pad(d.getHours(), 2) + ':' + pad(d.getMinutes(), 2) + ':' + pad(d.getSeconds(), 2) + '.' + pad(d.getMilliseconds(), 3);
    var today = new Date();
    if (d.toDateString() === today.toDateString()) { return time; }
    return d.getFullYear() + '-' + pad(d.getMonth() + 1, 2) + '-' + pad(d.getDate(), 2) + ' ' + time;
  }

  // Milliseconds since the epoch, keeping the sub-millisecond digits .NET writes (Date.parse drops them).
  function parseTime(iso) {
    var text = String(iso);
    var fraction = /\.(\d+)/.exec(text);
    var whole = Date.parse(fraction ? text.replace(fraction[0], '') : text);
    return whole + (fraction ? parseFloat('0.' + fraction[1]) * 1000 : 0);
  }

  function fmtValue(value) {
    if (value === null || value === undefined) { return ''; }
    if (typeof value === 'object') { return JSON.stringify(value); }
    return String(value);
  }

  function showError(message) {
    var banner = $('error-banner');
    banner.textContent = message;
    banner.hidden = false;
  }

  function clearError() { $('error-banner').hidden = true; }

  // A duration field as the API reads it: a plain decimal number of milliseconds (never exponent form), or null when
  // the field holds no number from 0 to MAX_FILTER_MS. Digits below the store's 100 ns resolution are dropped.
  function plainMilliseconds(text) {
    var ms = Number(text);
    if (text === '' || !isFinite(ms) || ms < 0 || ms > MAX_FILTER_MS) { return null; }
    var fixed = ms.toFixed(4);
    return fixed.replace(/0+$/, '').replace(/\.$/, '');
  }

  function durationError(label) {
    return label + ' must be a number of milliseconds from 0 to ' + MAX_FILTER_MS.toFixed(0) + '.';
  }

  function getJson(path, params, signal) {
    var query = new URLSearchParams();
    Object.keys(params || {}).forEach(function (k) {
      var v = params[k];
      if (v !== undefined && v !== null && v !== '') { query.set(k, String(v)); }
    });
    var qs = query.toString();
    var url = API + '/' + path + (qs ? '?' + qs : '');
    return fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin', signal: signal }).then(function (response) {
      return response.text().then(function (text) {
        var body = null;
        try { body = text ? JSON.parse(text) : null; } catch (e) { body = null; }
        if (!response.ok) {
          var detail = body && (body.detail || body.title);
          var error = new Error('The tracing API answered ' + response.status + (detail ? ': ' + detail : '') + ' (' + path + ').');
          error.status = response.status;
          throw error;
        }
        if (body === null) { throw new Error('The tracing API did not answer JSON (' + path + ').'); }
        return body;
      });
    }, function (e) {
      if (e && e.name === 'AbortError') { throw e; }
      throw new Error('Could not reach the tracing API (' + path + '): ' + ((e && e.message) || 'network error') + '.');
    });
  }

  function go(hash) {
    if (location.hash === hash) { route(); } else { location.hash = hash; }
  }

  function traceLink(traceId, text) {
    var button = el('button', { className: 'linkish mono', text: text || traceId.slice(0, 16) + '…', title: traceId, testid: 'trace-link', data: { 'trace-id': traceId }, attrs: { type: 'button' } });
    button.addEventListener('click', function (e) { e.stopPropagation(); go('#/trace/' + encodeURIComponent(traceId)); });
    return button;
  }

  function emptyRow(tbody, columns, text) {
    var cell = el('td', { className: 'empty', text: text });
    cell.colSpan = columns;
    tbody.appendChild(el('tr', {}, cell));
  }

  function badge(text, kind, testid) { return el('span', { className: 'badge' + (kind ? ' ' + kind : ''), text: text, testid: testid }); }

  function gradeBadge(grade) {
    var g = /^[A-F]$/.test(grade) ? grade : '?';
    return badge(g, 'grade-' + g, 'grade');
  }

  // ---- status and services -------------------------------------------------------------------------------------

  function loadStatus() {
    getJson('status').then(function (s) {
      var store = s.store || {};
      $('store-status').textContent = (store.spanCount || 0) + ' spans · ' + (store.traceCount || 0) + ' traces stored';
    }).catch(function () { $('store-status').textContent = ''; });
  }

  function loadServices(signal) {
    return getJson('dependencies', {}, signal).then(function (d) {
      var select = $('filter-service');
      var current = select.value;
      while (select.options.length > 1) { select.remove(1); }
      registerServices(d.services || []);
      (d.services || []).forEach(function (name) {
        var option = el('option', { text: name });
        option.value = name;
        select.appendChild(option);
      });
      select.value = current;
      state.servicesLoaded = true;
      return d;
    });
  }

  // ---- trace list ------------------------------------------------------------------------------------------------

  // The filters as API parameters, or null (with the reason shown) when a field holds no usable value.
  function readTraceQuery() {
    var minutes = parseInt($('filter-range').value, 10);
    var min = $('filter-min-duration').value.trim();
    var minDurationMs = min === '' ? '' : plainMilliseconds(min);
    if (minDurationMs === null) {
      showError(durationError('Min duration'));
      return null;
    }
    return {
      view: 'traces',
      service: $('filter-service').value,
      operationPrefix: $('filter-operation').value.trim(),
      error: $('filter-errors').checked ? 'true' : '',
      minDurationMs: minDurationMs,
      from: minutes > 0 ? new Date(Date.now() - minutes * 60000).toISOString() : '',
      sortBy: $('filter-sort').value,
      order: 'desc',
      limit: PAGE_SIZE
    };
  }

  // A new search replaces the list; "Load more" (append) appends the next page and stays disabled until it is in.
  function loadTraces(append) {
    clearError();
    var more = $('trace-more');
    if (append && (more.disabled || state.traceQuery === null)) { return Promise.resolve(); }
    if (!append) {
      var query = readTraceQuery();
      if (query === null) {
        more.hidden = true;
        return Promise.resolve();
      }
      state.traceQuery = query;
    }
    var params = Object.assign({}, state.traceQuery, { offset: append ? state.nextOffset : 0 });
    var request = requests.traces.start();
    more.disabled = true;
    return getJson('traces/search', params, request.controller.signal).then(function (result) {
      if (!requests.traces.isCurrent(request)) { return; }
      var tbody = $('trace-rows');
      if (!append) { clear(tbody); }
      var traces = result.traces || [];
      // The next page is read by offset: traces stored since the search push earlier ones onto it. Each is listed once.
      if (append) {
        var listed = new Set();
        for (var i = 0; i < tbody.rows.length; i++) { listed.add(tbody.rows[i].getAttribute('data-trace-id')); }
        traces = traces.filter(function (t) { return !listed.has(t.traceId); });
      }
      traces.forEach(function (t) { registerServices(t.services || []); });
      traces.forEach(function (t) { tbody.appendChild(traceRow(t)); });
      if (!append && traces.length === 0) { emptyRow(tbody, 6, 'No trace matches these filters.'); }
      state.nextOffset = result.nextOffset;
      more.hidden = result.nextOffset === null || result.nextOffset === undefined;
      $('trace-count').textContent = result.totalCount + (result.totalCount === 1 ? ' trace' : ' traces');
    }).catch(function (e) {
      if (!requests.traces.isCurrent(request)) { return; }
      showError(e.message);
      if (!append) {
        // The rows, count and next page left are the earlier search's: they must not stand for these filters, nor
        // "Load more" append this search's next page to them.
        clear($('trace-rows'));
        $('trace-count').textContent = '';
        state.nextOffset = null;
        more.hidden = true;
      }
    }).then(function () {
      if (requests.traces.isCurrent(request)) { more.disabled = false; }
    });
  }

  function traceRow(t) {
    var services = el('td');
    (t.services || []).forEach(function (s) { services.appendChild(serviceChip(s)); });
    var root = el('td', {},
      el('span', { className: 'chip' }, swatch(t.rootService), el('span', { className: 'muted', text: t.rootService })),
      el('span', { text: t.rootName, testid: 'trace-root-name' }));
    var row = el('tr', { className: 'clickable' + (t.errorCount > 0 ? ' has-error' : ''), testid: 'trace-row', data: { 'trace-id': t.traceId }, title: t.traceId },
      el('td', { text: fmtTime(t.startTime), className: 'mono' }),
      root,
      el('td', { className: 'num', text: fmtMs(t.durationMs) }),
      el('td', { className: 'num', text: t.spanCount }),
      el('td', { className: 'num' }, t.errorCount > 0 ? badge(String(t.errorCount), 'error') : '0'),
      services);
    row.setAttribute('tabindex', '0');
    row.addEventListener('click', function () { go('#/trace/' + encodeURIComponent(t.traceId)); });
    row.addEventListener('keydown', function (e) { if (e.key === 'Enter') { e.preventDefault(); go('#/trace/' + encodeURIComponent(t.traceId)); } });
    return row;
  }

  // ---- one trace: waterfall ----------------------------------------------------------------------------------------

  function loadTrace(traceId, spanId) {
    clearError();
    if (state.trace && state.trace.summary.traceId === traceId) {
      selectSpan(spanId || state.selectedSpanId);
      return Promise.resolve();
    }
    state.trace = null;
    $('trace-title').textContent = 'Trace ' + traceId;
    clear($('waterfall-axis'));
    clear($('waterfall-rows'));
    clear($('trace-facts'));
    clear($('service-legend'));
    $('span-details').hidden = true;
    var request = requests.trace.start();
    return getJson('traces/' + encodeURIComponent(traceId), {}, request.controller.signal).then(function (trace) {
      if (!requests.trace.isCurrent(request)) { return; }
      state.trace = prepareTrace(trace);
      state.collapsed = new Set();
      state.selectedSpanId = null;
      renderTraceHeader();
      renderWaterfall();
      if (spanId) { selectSpan(spanId); }
    }).catch(function (e) {
      if (!requests.trace.isCurrent(request)) { return; }
      state.trace = null;
      showError(e.status === 404 ? 'Trace ' + traceId + ' is not stored (it may have been evicted).' : e.message);
    });
  }

  function prepareTrace(trace) {
    var spans = trace.spans || [];
    var byId = new Map();
    var children = new Map();
    var start = Infinity;
    var end = -Infinity;
    spans.forEach(function (s) {
      s._start = parseTime(s.startTime);
      byId.set(s.spanId, s);
      start = Math.min(start, s._start);
      end = Math.max(end, s._start + (s.durationMs || 0));
    });
    // Orphans are the API's: spans whose local parent is missing. A span whose remote parent is not here (the
    // calling service's span, kept in that service's store) is a root like any other.
    var orphanIds = new Set((trace.summary && trace.summary.orphanSpanIds) || []);
    var roots = [];
    spans.forEach(function (s) {
      s._orphan = orphanIds.has(s.spanId);
      s._remoteParent = !!s.parentSpanId && s.hasRemoteParent === true && !byId.has(s.parentSpanId);
      if (s.parentSpanId && byId.has(s.parentSpanId) && s.parentSpanId !== s.spanId) {
        if (!children.has(s.parentSpanId)) { children.set(s.parentSpanId, []); }
        children.get(s.parentSpanId).push(s);
      } else {
        roots.push(s);
      }
    });
    var byStart = function (a, b) { return a._start - b._start || (a.spanId < b.spanId ? -1 : 1); };
    roots.sort(function (a, b) { return (a._orphan - b._orphan) || byStart(a, b); });
    children.forEach(function (list) { list.sort(byStart); });

    // Depth-first order; a span seen twice (a parent cycle in bad data) is shown once. An explicit stack, not
    // recursion: a parent chain can be as deep as the trace is long, far beyond the script's call stack.
    var ordered = [];
    var seen = new Set();
    function walk(top) {
      var stack = [{ span: top, depth: 0 }];
      while (stack.length > 0) {
        var next = stack.pop();
        var span = next.span;
        if (seen.has(span.spanId)) { continue; }
        seen.add(span.spanId);
        span._depth = next.depth;
        ordered.push(span);
        var list = children.get(span.spanId) || [];
        for (var i = list.length - 1; i >= 0; i--) { stack.push({ span: list[i], depth: next.depth + 1 }); }
      }
    }
    roots.forEach(walk);
    spans.forEach(function (s) { if (!seen.has(s.spanId)) { walk(s); } });

    var services = [];
    spans.forEach(function (s) { if (services.indexOf(s.serviceName) < 0) { services.push(s.serviceName); } });
    services.sort();
    registerServices(services);

    return {
      summary: trace.summary || {},
      spans: ordered,
      byId: byId,
      children: children,
      start: isFinite(start) ? start : 0,
      total: Math.max(end - start, 0.001),
      services: services,
      critical: new Set((trace.summary && trace.summary.criticalPath) || [])
    };
  }

  function renderTraceHeader() {
    var t = state.trace;
    var s = t.summary;
    var facts = $('trace-facts');
    clear(facts);
    function fact(name, value, testid) { facts.appendChild(el('div', {}, el('dt', { text: name }), el('dd', { text: value, testid: testid }))); }
    fact('Started', fmtTime(s.startTime), 'fact-start');
    fact('Duration', fmtMs(s.durationMs), 'fact-duration');
    fact('Spans', String(s.spanCount), 'fact-span-count');
    fact('Services', String((s.services || []).length), 'fact-service-count');
    fact('Errors', String((s.errorSpanIds || []).length), 'fact-error-count');
    fact('Orphans', String((s.orphanSpanIds || []).length), 'fact-orphan-count');

    var legend = $('service-legend');
    clear(legend);
    t.services.forEach(function (name) {
      legend.appendChild(el('span', { className: 'chip', testid: 'legend-item', data: { service: name } }, swatch(name), name));
    });
    if (t.critical.size > 0) {
      var sample = el('span', { className: 'swatch' });
      sample.style.outline = '1px solid #111827';
      legend.appendChild(el('span', { className: 'chip muted' }, sample, 'outlined: critical path'));
    }
  }

  function renderAxis() {
    var axis = $('waterfall-axis');
    clear(axis);
    var total = state.trace.total;
    for (var i = 0; i <= 4; i++) {
      var tick = el('span', { className: 'wf-tick' + (i === 4 ? ' last' : ''), text: fmtMs(total * i / 4) });
      tick.style.left = (i * 25) + '%';
      axis.appendChild(tick);
    }
  }

  function renderWaterfall() {
    renderAxis();
    var t = state.trace;
    var rows = $('waterfall-rows');
    clear(rows);
    var hiddenBelow = null;
    t.spans.forEach(function (span) {
      if (hiddenBelow !== null) {
        if (span._depth > hiddenBelow) { return; }
        hiddenBelow = null;
      }
      if (state.collapsed.has(span.spanId)) { hiddenBelow = span._depth; }
      rows.appendChild(waterfallRow(span));
    });
  }

  function waterfallRow(span) {
    var t = state.trace;
    var isError = span.status === 'error';
    var hasChildren = t.children.has(span.spanId);
    var label = el('div', { className: 'wf-label' });
    label.style.paddingLeft = (4 + Math.min(span._depth, 30) * 14) + 'px';
    if (hasChildren) {
      var collapsed = state.collapsed.has(span.spanId);
      var toggle = el('button', { className: 'wf-toggle', text: collapsed ? '▸' : '▾', testid: 'waterfall-toggle', title: collapsed ? 'Show children' : 'Hide children', attrs: { type: 'button', 'aria-expanded': !collapsed } });
      toggle.addEventListener('click', function (e) {
        e.stopPropagation();
        if (state.collapsed.has(span.spanId)) { state.collapsed.delete(span.spanId); } else { state.collapsed.add(span.spanId); }
        renderWaterfall();
      });
      label.appendChild(toggle);
    } else {
      label.appendChild(el('span', { className: 'wf-toggle' }));
    }
    label.appendChild(swatch(span.serviceName));
    if (isError) { label.appendChild(el('span', { className: 'wf-error-mark', text: '!', title: 'error', testid: 'waterfall-error' })); }
    label.appendChild(el('span', { className: 'service', text: span.serviceName }));
    label.appendChild(el('span', { className: 'name', text: displayName(span) }));
    if (span._orphan) { label.appendChild(badge('orphan', 'orphan', 'waterfall-orphan')); }

    var left = Math.max(0, Math.min(100, (span._start - t.start) / t.total * 100));
    var width = Math.max(0, Math.min(100 - left, (span.durationMs || 0) / t.total * 100));
    var bar = el('div', {
      className: 'wf-bar' + (isError ? ' error' : '') + (t.critical.has(span.spanId) ? ' critical' : ''),
      testid: 'waterfall-bar',
      title: span.serviceName + ': ' + displayName(span) + ' (' + fmtMs(span.durationMs) + ')',
      data: { 'span-id': span.spanId, service: span.serviceName, status: span.status }
    });
    bar.style.left = left + '%';
    bar.style.width = width + '%';
    bar.style.backgroundColor = colorOf(span.serviceName);
    var duration = el('span', { className: 'wf-duration', text: fmtMs(span.durationMs) });
    if (width >= 25) {
      duration.className = 'wf-duration inside';
      duration.style.left = (left + 0.5) + '%';
    } else if (left + width > 80) {
      duration.style.right = (100 - left + 0.5) + '%';
    } else {
      duration.style.left = (left + width + 0.5) + '%';
    }
    var track = el('div', { className: 'wf-track' }, bar, duration);

    var row = el('div', {
      className: 'wf-row' + (state.selectedSpanId === span.spanId ? ' selected' : ''),
      testid: 'waterfall-row',
      data: { 'span-id': span.spanId, depth: span._depth },
      attrs: { role: 'listitem', tabindex: '0' }
    }, label, track);
    row.addEventListener('click', function () { selectSpan(span.spanId); });
    row.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); selectSpan(span.spanId); } });
    return row;
  }

  // ---- span details ----------------------------------------------------------------------------------------------

  function selectSpan(spanId) {
    var t = state.trace;
    if (!t || !spanId || !t.byId.has(spanId)) { return; }
    state.selectedSpanId = spanId;
    var rows = $('waterfall-rows').children;
    for (var i = 0; i < rows.length; i++) {
      rows[i].classList.toggle('selected', rows[i].getAttribute('data-span-id') === spanId);
    }
    renderDetails(t.byId.get(spanId));
  }

  function kvTable(entries, testid) {
    var table = el('table', { className: 'kv', testid: testid });
    var body = el('tbody');
    entries.forEach(function (e) {
      body.appendChild(el('tr', { testid: testid ? testid + '-row' : null, data: { key: e[0] } }, el('td', { text: e[0] }), el('td', { text: e[1] })));
    });
    table.appendChild(body);
    return table;
  }

  var EXCEPTION_KEYS = ['exception.type', 'exception.message', 'exception.stacktrace'];

  function hasKey(object, key) { return Object.prototype.hasOwnProperty.call(object, key); }

  function attributeEntries(attributes) {
    var keys = Object.keys(attributes || {}).sort();
    return keys.map(function (k) { return [k, fmtValue(attributes[k])]; });
  }

  function renderDetails(span) {
    var t = state.trace;
    var panel = $('span-details');
    clear(panel);
    panel.hidden = false;
    panel.setAttribute('data-span-id', span.spanId);
    var close = el('button', { className: 'secondary', text: 'Close', attrs: { type: 'button' } });
    close.addEventListener('click', function () { panel.hidden = true; state.selectedSpanId = null; selectSpanRowsClear(); });
    panel.appendChild(el('div', { className: 'trace-head' }, el('h3', { text: displayName(span), testid: 'span-details-name' }), close));

    var status = span.status + (span.statusDescription ? ' — ' + span.statusDescription : '');
    panel.appendChild(kvTable([
      ['name', span.name],
      ['service', span.serviceName],
      ['kind', span.kind],
      ['status', status],
      ['duration', fmtMs(span.durationMs)],
      ['starts at', '+' + fmtMs(span._start - t.start) + ' (' + fmtTime(span.startTime) + ')'],
      ['span id', span.spanId],
      ['parent span id', parentText(span)],
      ['trace id', span.traceId],
      ['source', span.sourceName]
    ], 'span-fields'));
    if (span.parentSpanId && t.byId.has(span.parentSpanId)) {
      var parent = el('button', { className: 'linkish', text: 'Go to parent span', testid: 'span-parent', attrs: { type: 'button' } });
      parent.addEventListener('click', function () { selectSpan(span.parentSpanId); });
      panel.appendChild(parent);
    }

    var attributes = attributeEntries(span.attributes);
    panel.appendChild(el('h4', { text: 'Attributes (' + attributes.length + ')' }));
    panel.appendChild(attributes.length ? kvTable(attributes, 'span-attributes') : el('p', { className: 'muted', text: 'none' }));

    var events = span.events || [];
    panel.appendChild(el('h4', { text: 'Events (' + events.length + ')' }));
    var eventList = el('div', { testid: 'span-events' });
    events.forEach(function (e) {
      var isException = e.name === 'exception';
      var offset = parseTime(e.timestamp) - span._start;
      var box = el('div', { className: 'event' + (isException ? ' exception' : ''), testid: isException ? 'span-exception' : 'span-event' },
        el('div', {}, el('strong', { text: e.name }), el('span', { className: 'muted', text: '  ' + (offset < 0 ? '' : '+') + fmtMs(offset) })));
      // Read in place, never copied into a plain object: a key such as "__proto__" would not survive the copy.
      var attrs = e.attributes || {};
      var shown = [];
      if (isException) {
        if (hasKey(attrs, 'exception.type')) { box.appendChild(el('div', { className: 'mono', text: fmtValue(attrs['exception.type']) })); }
        if (hasKey(attrs, 'exception.message')) { box.appendChild(el('div', { text: fmtValue(attrs['exception.message']) })); }
        if (hasKey(attrs, 'exception.stacktrace')) { box.appendChild(el('pre', { className: 'stack mono', text: fmtValue(attrs['exception.stacktrace']) })); }
        shown = EXCEPTION_KEYS;
      }
      var rest = attributeEntries(attrs).filter(function (entry) { return shown.indexOf(entry[0]) < 0; });
      if (rest.length) { box.appendChild(kvTable(rest)); }
      eventList.appendChild(box);
    });
    panel.appendChild(events.length ? eventList : el('p', { className: 'muted', text: 'none' }));

    var links = span.links || [];
    panel.appendChild(el('h4', { text: 'Links (' + links.length + ')' }));
    var linkList = el('div', { testid: 'span-links' });
    links.forEach(function (l) {
      var box = el('div', { className: 'event', testid: 'span-link' });
      box.appendChild(el('div', {}, traceLink(l.traceId, l.traceId), el('span', { className: 'muted mono', text: ' / ' + l.spanId })));
      var rest = attributeEntries(l.attributes);
      if (rest.length) { box.appendChild(kvTable(rest)); }
      linkList.appendChild(box);
    });
    panel.appendChild(links.length ? linkList : el('p', { className: 'muted', text: 'none' }));
  }

  function parentText(span) {
    if (!span.parentSpanId) { return '(root)'; }
    if (span._orphan && span.parentSpanId === span.spanId) { return span.parentSpanId + ' (the span\'s own id: orphan)'; }
    if (span._orphan) { return span.parentSpanId + ' (not in this trace: orphan)'; }
    if (span._remoteParent) { return span.parentSpanId + ' (remote: in the calling service, not in this store)'; }
    return span.parentSpanId;
  }

  function selectSpanRowsClear() {
    var rows = $('waterfall-rows').children;
    for (var i = 0; i < rows.length; i++) { rows[i].classList.remove('selected'); }
  }

  // ---- dependency graph ------------------------------------------------------------------------------------------

  function loadDependencies() {
    clearError();
    var request = requests.dependencies.start();
    return loadServices(request.controller.signal).then(function (d) {
      if (requests.dependencies.isCurrent(request)) { renderDependencies(d); }
    }).catch(function (e) {
      if (requests.dependencies.isCurrent(request)) { showError(e.message); }
    });
  }

  function renderDependencies(d) {
    var services = (d.services || []).slice();
    var edges = d.edges || [];
    $('dependency-summary').textContent = services.length + ' services, ' + edges.length + ' dependencies';

    // Layers: a service sits one column right of its furthest caller (bounded relaxation, so cycles end).
    var level = new Map();
    services.forEach(function (s) { level.set(s, 0); });
    edges.forEach(function (e) { if (!level.has(e.caller)) { level.set(e.caller, 0); services.push(e.caller); } if (!level.has(e.callee)) { level.set(e.callee, 0); services.push(e.callee); } });
    for (var round = 0; round < services.length; round++) {
      var changed = false;
      edges.forEach(function (e) {
        if (e.caller !== e.callee && level.get(e.callee) < level.get(e.caller) + 1 && level.get(e.caller) + 1 < services.length) {
          level.set(e.callee, level.get(e.caller) + 1);
          changed = true;
        }
      });
      if (!changed) { break; }
    }
    var columns = [];
    services.forEach(function (s) { var l = level.get(s); (columns[l] = columns[l] || []).push(s); });
    var W = 170, H = 40, GAP_X = W + 250, GAP_Y = 90, M = 30;
    var pos = new Map();
    var rowsMax = 0;
    columns.forEach(function (col, c) {
      (col || []).forEach(function (s, r) { pos.set(s, { x: M + c * GAP_X, y: M + r * GAP_Y }); });
      rowsMax = Math.max(rowsMax, (col || []).length);
    });
    var width = M * 2 + Math.max(1, columns.length) * GAP_X - (GAP_X - W);
    var height = M * 2 + Math.max(1, rowsMax) * GAP_Y + 40;

    var graph = $('dependency-graph');
    clear(graph);
    graph.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
    graph.setAttribute('width', width);
    graph.setAttribute('height', height);
    var defs = svg('defs');
    ['normal', 'error'].forEach(function (kind) {
      var marker = svg('marker', { id: 'arrow-' + kind, viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 8, markerHeight: 8, orient: 'auto-start-reverse' });
      marker.appendChild(svg('path', { d: 'M0,0 L10,5 L0,10 z', fill: kind === 'error' ? '#dc2626' : '#6b7280' }));
      defs.appendChild(marker);
    });
    graph.appendChild(defs);

    edges.forEach(function (e) {
      var a = pos.get(e.caller), b = pos.get(e.callee);
      var group = svg('g', { 'class': 'dep-edge' + (e.errorCount > 0 ? ' has-errors' : ''), 'data-testid': 'dep-edge', 'data-caller': e.caller, 'data-callee': e.callee });
      var d, lx, ly;
      if (e.caller === e.callee) {
        d = 'M' + (a.x + W - 30) + ',' + a.y + ' C' + (a.x + W - 30) + ',' + (a.y - 40) + ' ' + (a.x + W + 20) + ',' + (a.y - 40) + ' ' + (a.x + W) + ',' + (a.y + 10);
        lx = a.x + W - 10; ly = a.y - 30;
      } else if (b.x > a.x) {
        var x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2, mx = (x1 + x2) / 2;
        d = 'M' + x1 + ',' + y1 + ' C' + mx + ',' + y1 + ' ' + mx + ',' + y2 + ' ' + x2 + ',' + y2;
        lx = mx; ly = (y1 + y2) / 2 - 6;
      } else {
        var sx = a.x + W / 2, sy = a.y + H, ex = b.x + W / 2, ey = b.y + H, dip = Math.max(sy, ey) + 45;
        d = 'M' + sx + ',' + sy + ' C' + sx + ',' + dip + ' ' + ex + ',' + dip + ' ' + ex + ',' + ey;
        lx = (sx + ex) / 2; ly = dip - 8;
      }
      group.appendChild(svg('path', { d: d, 'marker-end': 'url(#arrow-' + (e.errorCount > 0 ? 'error' : 'normal') + ')' }));
      var label = svg('text', { x: lx, y: ly, 'text-anchor': 'middle', 'data-testid': 'dep-edge-label' });
      label.textContent = e.callCount + ' calls · ' + fmtPercent(e.errorRate) + ' err · p95 ' + fmtMs(e.p95Ms);
      group.appendChild(label);
      var title = svg('title');
      title.textContent = e.caller + ' → ' + e.callee;
      group.appendChild(title);
      graph.appendChild(group);
    });

    pos.forEach(function (p, name) {
      var node = svg('g', { 'class': 'dep-node', 'data-testid': 'dep-node', 'data-service': name });
      node.appendChild(svg('rect', { x: p.x, y: p.y, width: W, height: H, rx: 6, fill: '#ffffff' }));
      node.appendChild(svg('rect', { x: p.x, y: p.y, width: 8, height: H, rx: 2, fill: colorOf(name) }));
      var text = svg('text', { x: p.x + 16, y: p.y + H / 2 + 5 });
      text.textContent = name.length > 20 ? name.slice(0, 19) + '…' : name;
      node.appendChild(text);
      var title = svg('title');
      title.textContent = name;
      node.appendChild(title);
      graph.appendChild(node);
    });
    if (pos.size === 0) {
      var none = svg('text', { x: M, y: M + 20 });
      none.textContent = 'No spans stored yet.';
      graph.appendChild(none);
    }

    var tbody = $('dependency-rows');
    clear(tbody);
    edges.forEach(function (e) {
      tbody.appendChild(el('tr', { testid: 'dependency-row', data: { caller: e.caller, callee: e.callee }, className: e.errorCount > 0 ? 'has-error' : '' },
        el('td', {}, serviceChip(e.caller)), el('td', {}, serviceChip(e.callee)),
        el('td', { className: 'num', text: e.callCount }), el('td', { className: 'num', text: fmtPercent(e.errorRate) }),
        el('td', { className: 'num', text: fmtMs(e.p95Ms) })));
    });
    if (edges.length === 0) { emptyRow(tbody, 5, 'No calls between services are stored.'); }
  }

  // ---- slow and error lists --------------------------------------------------------------------------------------

  function operationCell(o) {
    return el('td', {}, el('span', { className: 'chip' }, swatch(o.serviceName), el('span', { className: 'muted', text: o.serviceName })), el('span', { text: o.name }));
  }

  function loadPerformance() {
    clearError();
    var threshold = $('slow-threshold').value.trim();
    var slowThresholdMs = threshold === '' ? '' : plainMilliseconds(threshold);
    if (slowThresholdMs === null) {
      requests.performance.cancel();
      showError(durationError('Slow threshold'));
      return Promise.resolve();
    }
    var request = requests.performance.start();
    var signal = request.controller.signal;
    var summary = getJson('performance/summary', { slowThresholdMs: slowThresholdMs, limit: 20 }, signal);
    var bottlenecks = getJson('performance/bottlenecks', { limit: 10 }, signal);
    return Promise.all([summary, bottlenecks]).then(function (results) {
      if (requests.performance.isCurrent(request)) { renderPerformance(results[0], results[1]); }
    }).catch(function (e) {
      if (requests.performance.isCurrent(request)) { showError(e.message); }
    });
  }

  function renderPerformance(s, b) {
    var grades = s.gradeCounts || {};
    $('performance-summary').textContent = s.spanCount + ' spans in ' + s.traceCount + ' traces, ' + s.operationCount + ' operations, ' +
      s.errorSpanCount + ' error spans (' + fmtPercent(s.errorRate) + '). Grades: ' +
      ['A', 'B', 'C', 'D', 'F'].map(function (g) { return g + ' ' + (grades[g] || 0); }).join(', ') + '.';
    $('bottleneck-formula').textContent = b.formula ? '(' + b.formula + ')' : '';

    var rows = $('bottleneck-rows');
    clear(rows);
    (b.bottlenecks || []).forEach(function (x) {
      var o = x.operation;
      rows.appendChild(el('tr', { testid: 'bottleneck-row', className: o.errorCount > 0 ? 'has-error' : '' },
        el('td', { text: x.rank }), operationCell(o), el('td', {}, gradeBadge(o.grade)),
        el('td', { className: 'num', text: o.count }), el('td', { className: 'num', text: fmtMs(o.p95Ms) }),
        el('td', { className: 'num', text: fmtPercent(o.errorRate) }), el('td', { className: 'num', text: Math.round(x.impactScore) }),
        el('td', { text: (x.reasons || []).join('; ') })));
    });
    if (!(b.bottlenecks || []).length) { emptyRow(rows, 8, 'No operations stored.'); }

    rows = $('slow-operation-rows');
    clear(rows);
    (s.slowOperations || []).forEach(function (o) {
      rows.appendChild(el('tr', { testid: 'slow-operation-row' }, operationCell(o), el('td', {}, gradeBadge(o.grade)),
        el('td', { className: 'num', text: o.count }), el('td', { className: 'num', text: fmtMs(o.p50Ms) }),
        el('td', { className: 'num', text: fmtMs(o.p95Ms) }), el('td', { className: 'num', text: fmtMs(o.p99Ms) }),
        el('td', { className: 'num', text: fmtMs(o.maxMs) })));
    });
    if (!(s.slowOperations || []).length) { emptyRow(rows, 7, 'No operation has a p95 over ' + fmtMs(s.slowThresholdMs) + '.'); }

    rows = $('slow-span-rows');
    clear(rows);
    (s.slowestSpans || []).forEach(function (x) {
      var row = el('tr', { className: 'clickable', testid: 'slow-span-row', data: { 'trace-id': x.traceId, 'span-id': x.spanId } },
        el('td', { className: 'mono', text: fmtTime(x.startTime) }), operationCell(x), el('td', { className: 'num', text: fmtMs(x.durationMs) }),
        el('td', {}, traceLink(x.traceId)));
      row.addEventListener('click', function () { go('#/trace/' + encodeURIComponent(x.traceId) + '/' + encodeURIComponent(x.spanId)); });
      rows.appendChild(row);
    });
    if (!(s.slowestSpans || []).length) { emptyRow(rows, 4, 'No span took longer than ' + fmtMs(s.slowThresholdMs) + '.'); }

    rows = $('error-rows');
    clear(rows);
    (s.recentErrors || []).forEach(function (x) {
      var exception = el('td');
      (x.exceptions || []).forEach(function (e) {
        exception.appendChild(el('div', {}, el('span', { className: 'mono', text: e.type || 'exception' }), e.message ? ': ' + e.message : ''));
      });
      var row = el('tr', { className: 'clickable has-error', testid: 'error-row', data: { 'trace-id': x.span.traceId, 'span-id': x.span.spanId } },
        el('td', { className: 'mono', text: fmtTime(x.span.startTime) }), operationCell(x.span),
        el('td', { text: x.statusDescription || 'error' }), exception, el('td', {}, traceLink(x.span.traceId)));
      row.addEventListener('click', function () { go('#/trace/' + encodeURIComponent(x.span.traceId) + '/' + encodeURIComponent(x.span.spanId)); });
      rows.appendChild(row);
    });
    if (!(s.recentErrors || []).length) { emptyRow(rows, 5, 'No error spans stored.'); }
  }

  // ---- routing ---------------------------------------------------------------------------------------------------

  function show(view) {
    ['traces', 'dependencies', 'performance'].forEach(function (name) {
      $('view-' + name).hidden = name !== view;
      $('tab-' + name).classList.toggle('active', name === view);
    });
    state.view = view;
  }

  function route() {
    var parts = location.hash.replace(/^#\/?/, '').split('/').map(function (p) {
      try { return decodeURIComponent(p); } catch (e) { return ''; }
    });
    // Whatever the previous view still waits for is no longer wanted: its answer, or its error, must not show here.
    cancelRequests();
    loadStatus();
    if (parts[0] === 'dependencies') { show('dependencies'); loadDependencies(); return; }
    if (parts[0] === 'performance') { show('performance'); loadPerformance(); return; }
    show('traces');
    if (!state.servicesLoaded) {
      // Before the first list or trace: fills the service filter and hands out colors in sorted order. When it fails
      // the list still loads, and the next visit to this view asks again.
      var request = requests.services.start();
      loadServices(request.controller.signal).catch(function () { }).then(function () {
        if (requests.services.isCurrent(request)) { routeTraces(parts); }
      });
      return;
    }
    routeTraces(parts);
  }

  function routeTraces(parts) {
    if (parts[0] === 'trace' && /^[0-9a-fA-F]{32}$/.test(parts[1] || '')) {
      $('trace-filters').hidden = true;
      $('trace-list-panel').hidden = true;
      $('trace-detail').hidden = false;
      loadTrace(parts[1].toLowerCase(), /^[0-9a-fA-F]{16}$/.test(parts[2] || '') ? parts[2].toLowerCase() : null);
      return;
    }
    state.trace = null;
    $('trace-filters').hidden = false;
    $('trace-list-panel').hidden = false;
    $('trace-detail').hidden = true;
    loadTraces(false);
  }

  function start() {
    document.querySelectorAll('.tab').forEach(function (tab) {
      tab.addEventListener('click', function () { go('#/' + tab.getAttribute('data-view')); });
    });
    $('trace-filters').addEventListener('submit', function (e) { e.preventDefault(); go('#/traces'); });
    $('trace-more').addEventListener('click', function () { loadTraces(true); });
    $('trace-back').addEventListener('click', function () { go('#/traces'); });
    $('performance-filters').addEventListener('submit', function (e) { e.preventDefault(); loadPerformance(); });
    window.addEventListener('hashchange', route);
    route();
  }

  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', start); } else { start(); }
}());
