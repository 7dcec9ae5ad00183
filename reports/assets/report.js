// faultline report: the virtualised timeline and the links from anomalies to ops.
// Reads the JSON block #fl-data (see reports/src/timeline.cpp for its shape) and draws only
// the ops inside the scrolled viewport on a canvas, so 100k+ ops stay smooth. One block scope
// (no wrapper function): nothing leaks to the global object but window.faultlineReport.
'use strict';
{
  window.__flScriptStart = performance.now();
  let D = JSON.parse(document.getElementById('fl-data').textContent);
  window.__flParsed = performance.now();
  let OPS = D.ops, LANES = D.lanes.length, END = Math.max(D.end, 1);
  let OUT = ['ok', 'fail', 'info', 'pending'];
  let COL = ['#2e8b57', '#c0392b', '#d4a017', '#95a5a6'];
  let box = document.getElementById('timeline');
  let canvas = document.getElementById('tl-canvas');
  let spacer = document.getElementById('tl-spacer');
  let tip = document.getElementById('tl-tip');
  let details = document.getElementById('tl-details');
  let ctx = canvas.getContext('2d');
  let GUTTER = 64, HEAD = 22, PAD = 12;
  // Per lane: op ids in start order (a process runs one op at a time, so ends are ordered too).
  let byLane = [];
  for (let l = 0; l < LANES; l++) byLane.push([]);
  let byIndex = new Map();
  let lat = [];
  for (let i = 0; i < OPS.length; i++) {
    var o = OPS[i];
    byLane[o[0]].push(i);
    byIndex.set(o[5], i);
    if (o[6] >= 0) { byIndex.set(o[6], i); lat.push(o[2] - o[1]); }
  }
  lat.sort(function (a, b) { return a - b; });
  let median = lat.length ? Math.max(lat[lat.length >> 1], 1) : END / 50;
  // Scale: px per µs. A median op gets ~8 px, unless a screen would then hold fewer than ~10
  // ops per lane (fast ops: show more of the run instead); the whole run at least fills the
  // viewport, and the page stays under browsers' element height limits.
  const screenUs = 10 * Math.max(LANES, 1) * END / Math.max(OPS.length, 1);
  let scale = Math.min(8 / median, (box.clientHeight - HEAD - PAD) / screenUs);
  scale = Math.min(Math.max(scale, (box.clientHeight - HEAD - PAD) / END), 1.5e7 / END);
  let laneW = 16;
  let highlight = new Set();
  let pinned = -1;
  let drawn = 0;
  function endOf(o) { return o[2] < 0 ? END : o[2]; }
  function y(t) { return HEAD + t * scale; }
  function layout() {
    spacer.style.height = (HEAD + END * scale + PAD) + 'px';  // first: it decides the scrollbars
    laneW = Math.max(16, Math.min(120, Math.floor((box.clientWidth - GUTTER - PAD) / Math.max(LANES, 1))));
    spacer.style.width = (GUTTER + LANES * laneW + PAD) + 'px';
    var w = box.clientWidth, h = box.clientHeight;
    var dpr = window.devicePixelRatio || 1;
    canvas.width = Math.floor(w * dpr); canvas.height = Math.floor(h * dpr);
    canvas.style.width = w + 'px'; canvas.style.height = h + 'px';
    spacer.style.marginTop = (-h) + 'px';
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    draw();
  }
  function firstVisible(ids, t) {  // first op of a lane whose end >= t
    var lo = 0, hi = ids.length;
    while (lo < hi) { var m = (lo + hi) >> 1; if (endOf(OPS[ids[m]]) < t) lo = m + 1; else hi = m; }
    return lo;
  }
  function fmtT(us) { return us >= 1e6 ? (us / 1e6).toFixed(2) + ' s' : (us / 1e3).toFixed(1) + ' ms'; }
  function draw() {
    var w = box.clientWidth, h = box.clientHeight, st = box.scrollTop, sl = box.scrollLeft;
    var t0 = (st - HEAD) / scale, t1 = (st + h) / scale;
    ctx.clearRect(0, 0, w, h);
    ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, w, h);
    // Fault windows across all lanes (labels drawn after the ops, at the right edge).
    var labels = [];
    for (var k = 0; k < D.windows.length; k++) {
      var win = D.windows[k];
      if (win[2] < t0 || win[1] > t1) continue;
      var wy0 = y(win[1]) - st, wy1 = Math.max(wy0 + 2, y(win[2]) - st);
      ctx.fillStyle = 'rgba(231,76,60,0.14)'; ctx.fillRect(GUTTER, wy0, w - GUTTER, wy1 - wy0);
      ctx.fillStyle = 'rgba(192,57,43,0.6)'; ctx.fillRect(GUTTER, wy0, w - GUTTER, 1);
      labels.push([win[0] + ' ' + fmtT(win[1]) + '–' + (win[3] ? 'end (never healed)' : fmtT(win[2])), Math.max(HEAD + 12, wy0 + 13)]);
    }
    var lane0 = Math.max(0, Math.floor((sl) / laneW) - 1), lane1 = Math.min(LANES, Math.ceil((sl + w - GUTTER) / laneW) + 1);
    drawn = 0;
    var hl = [];
    for (var ln = lane0; ln < lane1; ln++) {
      var ids = byLane[ln], x = GUTTER + ln * laneW - sl + 2, bw = laneW - 4;
      for (var j = firstVisible(ids, t0); j < ids.length; j++) {
        var id = ids[j], o = OPS[id];
        if (o[1] > t1) break;
        var oy0 = y(o[1]) - st, oy1 = Math.max(oy0 + 2, y(endOf(o)) - st);
        ctx.fillStyle = COL[o[3]];
        ctx.fillRect(x, oy0, bw, oy1 - oy0);
        drawn++;
        if (highlight.has(id) || id === pinned) hl.push([x, oy0, bw, oy1 - oy0]);
      }
    }
    ctx.lineWidth = 3; ctx.strokeStyle = '#1f5f9e'; ctx.fillStyle = '#1f5f9e';
    for (var q = 0; q < hl.length; q++) {
      var r = hl[q];
      ctx.strokeRect(r[0] - 2, r[1] - 2, r[2] + 4, r[3] + 4);
      ctx.beginPath(); ctx.moveTo(GUTTER - 2, r[1]); ctx.lineTo(GUTTER - 12, r[1] - 6); ctx.lineTo(GUTTER - 12, r[1] + 6); ctx.fill();
    }
    ctx.font = '11px sans-serif'; ctx.textAlign = 'right';
    for (var lb = 0; lb < labels.length; lb++) {
      var tw = ctx.measureText(labels[lb][0]).width;
      ctx.fillStyle = 'rgba(255,255,255,0.85)'; ctx.fillRect(w - tw - 12, labels[lb][1] - 11, tw + 8, 15);
      ctx.fillStyle = '#922b21'; ctx.fillText(labels[lb][0], w - 8, labels[lb][1]);
    }
    ctx.textAlign = 'start';
    // Nemesis instants: ticks in the gutter.
    ctx.fillStyle = '#922b21';
    for (var n = 0; n < D.nemesis.length; n++) {
      var ny = y(D.nemesis[n][0]) - st;
      if (ny >= HEAD && ny <= h) ctx.fillRect(GUTTER - 8, ny - 1, 8, 2);
    }
    // Time axis.
    ctx.fillStyle = '#f3f5f7'; ctx.fillRect(0, 0, GUTTER - 8, h);
    ctx.fillStyle = '#5d6d7e'; ctx.font = '11px sans-serif';
    var step = Math.pow(10, Math.ceil(Math.log10(Math.max(60 / scale, 1))));
    if (step * scale > 200) step /= 2;
    for (var t = Math.max(0, Math.floor(t0 / step) * step); t <= t1; t += step) {
      var ty = y(t) - st;
      if (ty < HEAD) continue;
      ctx.fillText(fmtT(t), 4, ty + 4);
      ctx.fillRect(GUTTER - 10, ty, 4, 1);
    }
    // Lane headers.
    ctx.fillStyle = '#eef1f4'; ctx.fillRect(0, 0, w, HEAD);
    ctx.fillStyle = '#1d2733'; ctx.font = '10px sans-serif'; ctx.textAlign = 'center';
    for (var hl2 = lane0; hl2 < lane1; hl2++) {
      var hx = GUTTER + hl2 * laneW - sl + laneW / 2;
      if (hx > GUTTER - 4) ctx.fillText(String(D.lanes[hl2]), hx, 15);
    }
    ctx.textAlign = 'start';
    ctx.fillText('process →', 4, 15);
    box.dataset.drawn = String(drawn);
    if (!window.__flFirstDraw) window.__flFirstDraw = performance.now();
  }
  let queued = false;
  function redraw() { if (!queued) { queued = true; requestAnimationFrame(function () { queued = false; draw(); }); } }
  function opAt(ev) {
    var rect = canvas.getBoundingClientRect();
    if (ev.clientX - rect.left < GUTTER || ev.clientY - rect.top < HEAD) return -1;
    var mx = ev.clientX - rect.left + box.scrollLeft, my = ev.clientY - rect.top + box.scrollTop;
    var ln = Math.floor((mx - GUTTER) / laneW);
    if (ln < 0 || ln >= LANES) return -1;
    var t = (my - HEAD) / scale, slack = 3 / scale, ids = byLane[ln];
    for (var j = firstVisible(ids, t - slack); j < ids.length; j++) {
      var o = OPS[ids[j]];
      if (o[1] > t + slack) break;
      return ids[j];
    }
    return -1;
  }
  function describe(id) {
    var o = OPS[id];
    var s = 'process ' + D.lanes[o[0]] + '  ' + D.f[o[4]] + ' ' + o[7] + '\n' +
      'outcome: ' + OUT[o[3]] + (o[8] ? '  ' + o[8] : '') + '\n' +
      'invoked ' + fmtT(o[1]) + (o[2] >= 0 ? ', completed ' + fmtT(o[2]) + ' (' + fmtT(o[2] - o[1]) + ')' : ', never completed') + '\n' +
      'history index ' + o[5] + (o[6] >= 0 ? ' / ' + o[6] : '');
    var faults = [];
    for (var k = 0; k < D.windows.length; k++) {
      var win = D.windows[k];
      if (win[1] <= endOf(o) && win[2] >= o[1]) faults.push(win[0] + ' ' + fmtT(win[1]) + '–' + fmtT(win[2]));
    }
    if (faults.length) s += '\nduring faults: ' + faults.join(', ');
    return s;
  }
  canvas.addEventListener('mousemove', function (ev) {
    var id = opAt(ev);
    if (id < 0) { tip.hidden = true; return; }
    tip.textContent = describe(id);
    tip.style.left = Math.min(ev.clientX + 14, window.innerWidth - 470) + 'px';
    tip.style.top = (ev.clientY + 14) + 'px';
    tip.hidden = false;
  });
  canvas.addEventListener('mouseleave', function () { tip.hidden = true; });
  canvas.addEventListener('click', function (ev) {
    var id = opAt(ev);
    pinned = id;
    details.textContent = id >= 0 ? describe(id) : 'Click an op to see its details here.';
    redraw();
  });
  box.addEventListener('scroll', redraw);
  window.addEventListener('resize', layout);
  function scrollToTime(t, lane) {
    box.scrollTop = Math.max(0, y(t) - box.clientHeight / 3);
    if (lane >= 0) box.scrollLeft = Math.max(0, lane * laneW - (box.clientWidth - GUTTER) / 2);
    document.getElementById('timeline-section').scrollIntoView({block: 'start'});
    draw();
  }
  // Highlights the ops with these history indexes and scrolls the timeline to the first.
  function show(indexes) {
    highlight = new Set();
    var first = -1, found = [];
    indexes.forEach(function (ix) {
      var id = byIndex.get(ix);
      if (id === undefined) return;
      highlight.add(id);
      found.push(ix);
      if (first < 0 || OPS[id][1] < OPS[first][1]) first = id;
    });
    // The history indexes shown (those that are client ops), for tests and tools.
    box.dataset.highlight = found.sort(function (a, b) { return a - b; }).join(',');
    if (first >= 0) {
      pinned = first;
      details.textContent = describe(first);
      scrollToTime(OPS[first][1], OPS[first][0]);
    } else {
      draw();
    }
  }
  document.addEventListener('click', function (ev) {
    var el = ev.target.closest ? ev.target.closest('[data-ops],[data-window],a') : null;
    if (!el || el === box) return;
    var href = el.getAttribute('href') || el.getAttribute('xlink:href') || '';
    if (el.dataset.ops === undefined && el.dataset.window === undefined && href.indexOf('#op-') !== 0) return;
    if (el.dataset.window !== undefined) {
      ev.preventDefault();
      var win = D.windows[+el.dataset.window];
      if (win) scrollToTime(win[1], -1);
      return;
    }
    var list = el.dataset.ops !== undefined ? el.dataset.ops : href.replace('#op-', '');
    ev.preventDefault();
    document.querySelectorAll('li.anomaly.active').forEach(function (a) { a.classList.remove('active'); });
    var an = el.closest('li.anomaly');
    if (an) an.classList.add('active');
    show(list.split(/[ ,]+/).filter(Boolean).map(Number));
  });
  document.getElementById('tl-zoom-in').addEventListener('click', function () { zoom(2); });
  document.getElementById('tl-zoom-out').addEventListener('click', function () { zoom(0.5); });
  document.getElementById('tl-clear').addEventListener('click', function () {
    highlight = new Set(); pinned = -1; box.dataset.highlight = ''; draw();
  });
  function zoom(f) {
    var mid = (box.scrollTop + box.clientHeight / 2 - HEAD) / scale;
    scale = Math.max(box.clientHeight / END / 4, Math.min(scale * f, 1.5e7 / END));
    layout();
    box.scrollTop = Math.max(0, y(mid) - box.clientHeight / 2);
    draw();
  }
  // For tests and tools: the client rectangle of the op with this history index (null when it
  // is not on screen).
  function opRect(ix) {
    var id = byIndex.get(ix);
    if (id === undefined) return null;
    var o = OPS[id], r = canvas.getBoundingClientRect();
    var top = y(o[1]) - box.scrollTop, bottom = Math.max(top + 2, y(endOf(o)) - box.scrollTop);
    var left = GUTTER + o[0] * laneW - box.scrollLeft + 2;
    if (bottom < HEAD || top > box.clientHeight || left < GUTTER || left > box.clientWidth) return null;
    return {x: r.left + left, y: r.top + Math.max(top, HEAD), w: laneW - 4, h: Math.min(bottom, box.clientHeight) - Math.max(top, HEAD)};
  }
  window.faultlineReport = {show: show, opRect: opRect, opCount: OPS.length};
  layout();
}
