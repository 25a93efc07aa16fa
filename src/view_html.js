/* mprof plot -o FILE.html: draws the embedded profile data as SVG.
 * Drag on the plot to zoom a time range, double-click or "Reset zoom" to go
 * back, hover an element for its details, click a legend entry to hide or
 * show its series. Opening the page with #selftest runs a zoom and a hover
 * and writes the results into the page (for the test suite). */
(function () {
'use strict';

var NS = 'http://www.w3.org/2000/svg';
var errors = [];
window.addEventListener('error', function (e) { errors.push(String(e.message)); });

var D = JSON.parse(document.getElementById('mprof-data').textContent);
var hidden = {};
var view = null;          /* [t0, t1] shown; null: everything */
var geom = null;          /* layout of the last render */
var tip = document.getElementById('tip');

/* ---- data ---- */

/* Levels come dense (10 bytes a column) or sparse (a 4-byte column index
 * before each column that has samples); both become dense here. */
var COL = 10;
function decode(L) {
	var bin = atob(L.d || L.s), n = bin.length, i;
	if (L.d) {
		var u8 = new Uint8Array(n);
		for (i = 0; i < n; i++)
			u8[i] = bin.charCodeAt(i);
		return new DataView(u8.buffer);
	}
	var out = new Uint8Array(L.c * COL);
	for (i = 0; i < L.c; i++)
		out[i * COL] = out[i * COL + 1] = 0xff;
	for (var k = 0; k + 4 + COL <= n; k += 4 + COL) {
		var ix = (bin.charCodeAt(k) | bin.charCodeAt(k + 1) << 8 | bin.charCodeAt(k + 2) << 16 |
			  bin.charCodeAt(k + 3) << 24) >>> 0;
		for (i = 0; i < COL; i++)
			out[ix * COL + i] = bin.charCodeAt(k + 4 + i);
	}
	return new DataView(out.buffer);
}

function decode_levels(s) {
	s.levels.forEach(function (L) {
		L.v = decode(L);
		L.d = L.s = null;
		L.cw = (s.ct[1] - s.ct[0]) / L.c;
	});
}
D.series.forEach(decode_levels);
D.stacks = D.stacks || [];
D.stacks.forEach(function (b) {
	decode_levels(b.up);
	if (b.lo)
		decode_levels(b.lo);
});
if (D.pressure) {
	decode_levels(D.pressure.some);
	decode_levels(D.pressure.full);
}

/* Column i of a level: null when empty or past either end, else
 * [tfirst, tlast, first, last, min, max]. */
function column(s, L, i) {
	if (!(i >= 0 && i < L.c))
		return null;
	var o = i * COL, v = L.v, min = v.getUint16(o, true);
	if (min === 0xffff)
		return null;
	var q0 = s.q[0], qs = (s.q[1] - s.q[0]) / 65534;
	var c0 = s.ct[0] + i * L.cw;
	return [c0 + v.getUint8(o + 8) / 255 * L.cw, c0 + v.getUint8(o + 9) / 255 * L.cw,
		q0 + v.getUint16(o + 4, true) * qs, q0 + v.getUint16(o + 6, true) * qs,
		q0 + min * qs, q0 + v.getUint16(o + 2, true) * qs];
}

/* The coarsest level with at least two columns a pixel over [a, b]. */
function level_for(s, a, b, px) {
	var want = (b - a) / px / 2;
	for (var k = 0; k < s.levels.length; k++)
		if (s.levels[k].cw <= want)
			return s.levels[k];
	return s.levels[s.levels.length - 1];
}

/* The columns of s that show [a, b], with the nearest one on each side.
 * The view can lie wholly after a series (a child that ended early, a
 * shorter profile overlaid) or before it (a child that started late): i0
 * is then past the last column, i1 before the first, and the searches for
 * the nearest column start from the series' own ends. */
function columns(s, a, b, px) {
	var L = level_for(s, a, b, px), out = [], c, i;
	var f0 = Math.floor((a - s.ct[0]) / L.cw), f1 = Math.floor((b - s.ct[0]) / L.cw);
	var i0 = f0 > 0 ? Math.min(f0, L.c) : 0, i1 = f1 < L.c - 1 ? Math.max(f1, -1) : L.c - 1;
	for (i = i0 - 1; i >= 0; i--)
		if ((c = column(s, L, i))) { out.push(c); break; }
	for (i = i0; i <= i1; i++)
		if ((c = column(s, L, i)))
			out.push(c);
	for (i = i1 + 1; i < L.c; i++)
		if ((c = column(s, L, i))) { out.push(c); break; }
	return out;
}

/* ---- formatting ---- */

function fmt_mib(v) {
	var a = Math.abs(v);
	return (a >= 100 ? v.toFixed(1) : a >= 1 ? v.toFixed(2) : v.toFixed(3)) + ' MiB';
}
function fmt_delta(v) {
	return (v >= 0 ? '+' : '\u2212') + fmt_mib(Math.abs(v));
}
function fmt_s(t) {
	var a = Math.abs(t);
	if (a >= 100) return t.toFixed(1) + ' s';
	if (a >= 0.1) return t.toFixed(3) + ' s';
	if (a >= 0.001) return (t * 1000).toFixed(2) + ' ms';
	if (a === 0) return '0 s';
	return (t * 1e6).toFixed(1) + ' \u00b5s';
}

/* 1-2-5 ticks at least min_px apart, as the PNG's axes. */
function ticks(lo, hi, px, min_px) {
	var range = hi - lo;
	if (!(range > 0) || !(px > 0))
		return { first: lo, step: 1, n: 0, dec: 0 };
	var want = range * min_px / px, k = Math.floor(Math.log10(want));
	for (;; k++) {
		var p = Math.pow(10, k), ms = [1, 2, 5];
		for (var j = 0; j < 3; j++) {
			var step = ms[j] * p;
			if (step < want * (1 - 1e-9))
				continue;
			var f = Math.ceil(lo / step - 1e-9), l = Math.floor(hi / step + 1e-9);
			return { first: f * step, step: step, n: l >= f ? l - f + 1 : 0, dec: k < 0 ? -k : 0 };
		}
	}
}
function tick_value(tk, i) {
	var v = tk.first + i * tk.step;
	return Math.abs(v) < tk.step * 1e-6 ? 0 : v;
}

/* ---- SVG helpers ---- */

function el(tag, attrs, parent, text) {
	var e = document.createElementNS(NS, tag);
	for (var k in attrs)
		e.setAttribute(k, attrs[k]);
	if (text !== undefined)
		e.textContent = text;
	if (parent)
		parent.appendChild(e);
	return e;
}

function clampx(x) { return Math.max(-1e5, Math.min(1e5, x)); }

/* ---- tooltips ---- */

function show_tip(ev, lines) {
	tip.textContent = '';
	lines.forEach(function (l, i) {
		if (i) tip.appendChild(document.createTextNode('\n'));
		if (i === 0) {
			var b = document.createElement('b');
			b.textContent = l;
			tip.appendChild(b);
		} else {
			tip.appendChild(document.createTextNode(l));
		}
	});
	tip.style.display = 'block';
	var x = ev.clientX + 14, y = ev.clientY + 14;
	var w = tip.offsetWidth, h = tip.offsetHeight;
	if (x + w > window.innerWidth - 4) x = Math.max(4, ev.clientX - w - 10);
	if (y + h > window.innerHeight - 4) y = Math.max(4, ev.clientY - h - 10);
	tip.style.left = x + 'px';
	tip.style.top = y + 'px';
}
function hide_tip() { tip.style.display = 'none'; }

function hover(e, lines) {
	e.addEventListener('mouseover', function (ev) { show_tip(ev, lines()); });
	e.addEventListener('mousemove', function (ev) { show_tip(ev, lines()); });
	e.addEventListener('mouseout', hide_tip);
}

function span_lines(sp) {
	var f = D.funcs[sp[0]], dur = sp[3] - sp[2];
	/* a timestamp block is named ".label": the label, as in the legend */
	var l = [f.name.charAt(0) === '.' ? f.name.slice(1) : f.name, (sp[6] > 1 ? sp[6] + ' calls merged, ' : '') + 'duration ' + fmt_s(dur) +
		 ' (' + fmt_s(sp[2]) + ' \u2192 ' + fmt_s(sp[3]) + ')',
		 'memory ' + fmt_mib(sp[4]) + ' \u2192 ' + fmt_mib(sp[5]) + ' (' + fmt_delta(sp[5] - sp[4]) + ')',
		 'nesting level ' + sp[1]];
	if (D.files.length > 1)
		l.push('file ' + D.files[f.file].path);
	if (sp[7])
		l.push('unfinished: still running when the program ended');
	return l;
}

/* ---- rendering ---- */

function visible_series() {
	return D.series.filter(function (s, i) { return !hidden['s' + i]; });
}

function y_range(a, b, px) {
	var lo = Infinity, hi = -Infinity;
	visible_series().forEach(function (s) {
		columns(s, a, b, px).forEach(function (c) {
			if (c[0] > b || c[1] < a)
				return;
			if (c[4] < lo) lo = c[4];
			if (c[5] > hi) hi = c[5];
		});
	});
	D.stacks.forEach(function (bd, i) {
		if (hidden['x' + i])
			return;
		columns(bd.up, a, b, px).forEach(function (c) {
			if (c[0] > b || c[1] < a)
				return;
			lo = Math.min(lo, 0);
			if (c[5] > hi) hi = c[5];
		});
	});
	if (!isFinite(lo)) {
		lo = D.ext[2];
		hi = D.ext[3];
	}
	if (view === null) {
		D.peaks.forEach(function (p, i) {
			if (p.kind === 'kernel' && p.v > hi && !hidden['k' + i] && !hidden['s' + p.series])
				hi = p.v;
		});
	}
	(D.bands || []).forEach(function (bd, i) {
		if (hidden['b' + i] || hidden['s' + bd.series])
			return;
		bd.b.forEach(function (k) {
			if (k[1] >= a && k[0] <= b && k[3] > hi)
				hi = k[3];
		});
	});
	/* as the PNG: from 0 when the data start near 0, a margin on top */
	var out_lo, out_hi;
	if (!(hi - lo > 1e-9 * Math.max(1, Math.abs(hi)))) {
		out_lo = lo >= 0 ? 0 : lo - 1;
		out_hi = hi > 0 ? hi * 1.1 : hi + 1;
	} else {
		out_lo = (view === null && lo >= 0 && lo <= 0.5 * hi) ? 0 : lo - 0.05 * (hi - lo);
		out_hi = hi + 0.08 * (hi - out_lo);
	}
	return [out_lo, out_hi];
}

function render() {
	var chart = document.getElementById('chart');
	var W = Math.max(420, chart.clientWidth || window.innerWidth - 320);
	var lanes = D.flame && D.spans.length ? D.maxlevel + 1 : 0;
	var laneh = lanes ? Math.max(12, Math.min(20, 160 / lanes)) : 0;
	var avail = window.innerHeight - chart.getBoundingClientRect().top - 12;
	var psih = D.pressure ? 36 : 0;
	var H = Math.max(320, Math.min(avail - lanes * laneh - psih, 720)) + lanes * laneh + psih;
	var m = { l: 70, r: 28, t: 14, b: 44 + (lanes ? lanes * laneh + 10 : 0) + psih };
	var pw = W - m.l - m.r, ph = H - m.t - m.b;
	var a = view ? view[0] : D.ext[0], b = view ? view[1] : D.ext[1];
	if (!(b > a)) { a -= 0.5; b += 0.5; }
	if (!view && !D.window) {
		var pad = (b - a) * 0.03;
		a -= pad;
		b += pad;
	}
	var yr = y_range(a, b, pw);
	var X = function (t) { return clampx(m.l + (t - a) / (b - a) * pw); };
	var Y = function (v) { return clampx(m.t + ph - (v - yr[0]) / (yr[1] - yr[0]) * ph); };
	geom = { m: m, pw: pw, ph: ph, a: a, b: b, X: X, Y: Y, alone: {} };

	var svg = el('svg', { width: W, height: H, viewBox: '0 0 ' + W + ' ' + H, id: 'plot' });
	var defs = el('defs', {}, svg);
	var clip = el('clipPath', { id: 'clip' }, defs);
	el('rect', { x: m.l, y: m.t, width: pw, height: ph }, clip);
	var lclip = el('clipPath', { id: 'lclip' }, defs);
	el('rect', { x: m.l, y: 0, width: pw, height: H }, lclip);

	/* grid and axes */
	var gx = ticks(a, b, pw, 70), gy = ticks(yr[0], yr[1], ph, 36), i, g;
	g = el('g', { class: 'tick', id: 'xticks' }, svg);
	for (i = 0; i < gx.n; i++) {
		var tv = tick_value(gx, i), x = Math.round(X(tv)) + 0.5;
		el('line', { class: 'grid', x1: x, x2: x, y1: m.t, y2: m.t + ph }, g);
		el('line', { class: 'axis', x1: x, x2: x, y1: m.t + ph, y2: m.t + ph + 5 }, g);
		el('text', { x: x, y: m.t + ph + 18, 'text-anchor': 'middle' }, g, tv.toFixed(gx.dec));
	}
	g = el('g', { class: 'tick', id: 'yticks' }, svg);
	for (i = 0; i < gy.n; i++) {
		var yv = tick_value(gy, i), y = Math.round(Y(yv)) + 0.5;
		el('line', { class: 'grid', x1: m.l, x2: m.l + pw, y1: y, y2: y }, g);
		el('line', { class: 'axis', x1: m.l - 5, x2: m.l, y1: y, y2: y }, g);
		el('text', { x: m.l - 8, y: y + 4, 'text-anchor': 'end' }, g, yv.toFixed(gy.dec));
	}
	el('rect', { class: 'axis', x: m.l + 0.5, y: m.t + 0.5, width: pw, height: ph }, svg);
	el('text', { class: 'alabel', x: m.l + pw / 2, y: m.t + ph + 36, 'text-anchor': 'middle' }, svg,
	   'time (in seconds)');
	el('text', { class: 'alabel', transform: 'translate(16,' + (m.t + ph / 2) + ') rotate(-90)',
		     'text-anchor': 'middle' }, svg, 'memory used (in MiB)');

	var body = el('g', { 'clip-path': 'url(#clip)' }, svg);
	geom.labels = [];
	draw_marks(body, svg);
	D.stacks.forEach(function (bd, i) {
		if (!hidden['x' + i])
			draw_stack(body, bd, a, b, pw);
	});
	var under = el('g', {}, body);  /* kernel peaks, as markers: under the series' hover targets */
	D.series.forEach(function (s, si) {
		if (!hidden['s' + si])
			draw_series(body, s, si, a, b, pw);
	});
	if (!D.flame && D.showfuncs)
		draw_brackets(body);
	draw_bands(under);
	draw_peaks(body, under);
	if (lanes)
		draw_flame(el('g', { class: 'flame', 'clip-path': 'url(#lclip)' }, svg),
			   m.t + ph + 46, laneh);
	if (psih)
		draw_pressure(el('g', { class: 'pressure', 'clip-path': 'url(#lclip)' }, svg),
			      m.t + ph + 46 + (lanes ? lanes * laneh + 10 : 0), psih - 6);

	/* the drag surface, last so that it sees the mouse where nothing else does */
	var band = el('rect', { id: 'band', x: 0, y: m.t, width: 0, height: ph, display: 'none' }, svg);
	chart.textContent = '';
	chart.appendChild(svg);
	svg.insertBefore(el('rect', { id: 'drag', x: m.l, y: m.t, width: pw, height: ph,
				      fill: 'transparent' }), body);
	geom.band = band;
	document.getElementById('range').textContent = (view ?
		'showing ' + fmt_s(a) + ' \u2013 ' + fmt_s(b) : 'whole run: ' + fmt_s(D.ext[1] - D.ext[0])) +
		(geom.skipped ? ' (' + geom.skipped + ' short calls not bracketed: zoom in)' : '') +
		(geom.coarse ? ' (finest detail kept: ' + fmt_s(geom.coarse) + ' a point; shaded: range of the samples)' : '');
	document.getElementById('reset').disabled = !view;
}

/* A column's points: first and last, and its lowest and highest where they
 * reach beyond those (in the order that follows the column's direction). */
function column_points(c, out) {
	var xc = (c[0] + c[1]) / 2, lo = c[4] < Math.min(c[2], c[3]), hi = c[5] > Math.max(c[2], c[3]);
	out.push([c[0], c[2]]);
	if (c[2] <= c[3]) {
		if (lo) out.push([xc, c[4]]);
		if (hi) out.push([xc, c[5]]);
	} else {
		if (hi) out.push([xc, c[5]]);
		if (lo) out.push([xc, c[4]]);
	}
	if (c[1] !== c[0] || c[3] !== c[2])
		out.push([c[1], c[3]]);
}

function draw_series(g, s, si, a, b, px) {
	var cols = columns(s, a, b, px), line = [], i;
	var X = geom.X, Y = geom.Y;
	if (s.before && (!cols.length || cols[0][0] > s.before[0]))
		line.push([s.before[0], s.before[1]]);
	for (i = 0; i < cols.length; i++)
		column_points(cols[i], line);
	/* zoomed past the finest level embedded: show each column's range */
	var cw = cols.length ? level_for(s, a, b, px).cw / (b - a) * px : 0;
	if (cw >= 3) {
		geom.coarse = Math.max(geom.coarse || 0, level_for(s, a, b, px).cw);
		var boxes = '';
		cols.forEach(function (c) {
			if (c[4] < Math.min(c[2], c[3]) || c[5] > Math.max(c[2], c[3]))
				boxes += 'M' + X(c[0]).toFixed(1) + ',' + Y(c[5]).toFixed(1) + 'H' + X(c[1]).toFixed(1) +
					'V' + Y(c[4]).toFixed(1) + 'H' + X(c[0]).toFixed(1) + 'Z';
		});
		if (boxes)
			el('path', { class: 'range', fill: s.color, d: boxes }, g);
	}
	if (s.after && (!cols.length || cols[cols.length - 1][1] < s.after[0]))
		line.push([s.after[0], s.after[1]]);
	var d = line.map(function (p, k) {
		return (k ? 'L' : 'M') + X(p[0]).toFixed(1) + ',' + Y(p[1]).toFixed(1);
	}).join('');
	if (!d)
		return;
	/* one point alone (a child seen once): a dot, which round caps draw on
	 * a segment of no length; its hover target likewise */
	var alone = line.length === 1, dot = alone ? { style: 'stroke-width: 6px; stroke-linecap: round' } : {};
	if (alone) {
		d += 'h0';
		geom.alone[si] = true;
	}
	el('path', Object.assign({ class: 'line series', stroke: s.color, d: d, 'data-series': si }, dot), g);
	if (s.trend && !hidden['t' + si]) {
		var t0 = Math.max(a, s.ct[0]), t1 = Math.min(b, s.ct[1]);
		el('path', { class: 'trend', stroke: s.color, d: 'M' + X(t0) + ',' + Y(s.trend[0] + s.trend[1] * t0) +
			     'L' + X(t1) + ',' + Y(s.trend[0] + s.trend[1] * t1) }, g);
	}
	if (s.pid !== 0 || D.files.length > 1) {
		var hit = el('path', Object.assign({ class: 'hit', d: d, 'data-kind': 'series', 'data-series': si },
						   alone ? { 'stroke-linecap': 'round' } : {}), g);
		hover(hit, function () {
			var l = [s.label, 'from ' + fmt_s(s.first[0]) + ' to ' + fmt_s(s.last[0]) +
				 ' (' + fmt_s(s.last[0] - s.first[0]) + ')',
				 'memory ' + fmt_mib(s.first[1]) + ' \u2192 ' + fmt_mib(s.last[1]) +
				 ' (' + fmt_delta(s.last[1] - s.first[1]) + ')',
				 'peak ' + fmt_mib(s.peak[1]) + ' at ' + fmt_s(s.peak[0]), s.n + ' samples'];
			if (s.kpeak)
				l.push('kernel peak ' + fmt_mib(s.kpeak[1]));
			return alone ? l.concat(peaks_on_dot(si)) : l;
		});
	}
}

/* A kind of memory (--breakdown): the band between two stacked series,
 * along each column's first and last sample; hovered, its size there. */
function draw_stack(g, bd, a, b, px) {
	var up = columns(bd.up, a, b, px), lo = bd.lo ? columns(bd.lo, a, b, px) : null;
	var X = geom.X, Y = geom.Y, d = '', i;
	if (!up.length)
		return;
	for (i = 0; i < up.length; i++)
		d += (i ? 'L' : 'M') + X(up[i][0]).toFixed(1) + ',' + Y(up[i][2]).toFixed(1) +
			'L' + X(up[i][1]).toFixed(1) + ',' + Y(up[i][3]).toFixed(1);
	for (i = up.length - 1; i >= 0; i--) {
		var c = lo && lo[i] ? lo[i] : null;
		d += 'L' + X(up[i][1]).toFixed(1) + ',' + Y(c ? c[3] : 0).toFixed(1) +
			'L' + X(up[i][0]).toFixed(1) + ',' + Y(c ? c[2] : 0).toFixed(1);
	}
	var p = el('path', { class: 'stack', fill: bd.color, d: d + 'Z', 'data-kind': 'stack' }, g);
	function lines(ev) {
		var r = p.ownerSVGElement.getBoundingClientRect();
		var t = a + (ev.clientX - r.left - geom.m.l) / geom.pw * (b - a), k = 0;
		for (i = 0; i < up.length; i++)
			if (Math.abs((up[i][0] + up[i][1]) / 2 - t) < Math.abs((up[k][0] + up[k][1]) / 2 - t))
				k = i;
		var v = up[k][3] - (lo && lo[k] ? lo[k][3] : 0);
		return [bd.label + ' ' + fmt_mib(v) + ' at ' + fmt_s(up[k][1]), 'stacked under the memory line'];
	}
	p.addEventListener('mouseover', function (ev) { show_tip(ev, lines(ev)); });
	p.addEventListener('mousemove', function (ev) { show_tip(ev, lines(ev)); });
	p.addEventListener('mouseout', hide_tip);
}

/* ---- memory pressure ---- */

/* The stall rates (ms per s) in a lane of height h from top: some, full
 * over it, each column up to its highest; hovered, the rates there. */
function draw_pressure(g, top, h) {
	var P = D.pressure, X = geom.X, a = geom.a, b = geom.b, base = top + h;
	var ys = function (v) { return (base - v / P.hi * h).toFixed(1); };
	el('rect', { class: 'axis', x: geom.m.l + 0.5, y: top + 0.5, width: geom.pw, height: h, fill: 'none' }, g);
	[['some', P.csome], ['full', P.cfull]].forEach(function (k) {
		var cs = columns(P[k[0]], a, b, geom.pw), d = '', i;
		if (!cs.length)
			return;
		for (i = 0; i < cs.length; i++) {
			var x0 = X(cs[i][0]).toFixed(1), x1 = X(cs[i][1]).toFixed(1), y = ys(cs[i][5]);
			d += (i ? 'L' : 'M' + x0 + ',' + base + 'L') + x0 + ',' + y + 'L' + x1 + ',' + y;
		}
		d += 'L' + X(cs[cs.length - 1][1]).toFixed(1) + ',' + base + 'Z';
		el('path', { class: 'psi', fill: k[1], d: d, 'data-kind': 'psi-' + k[0] }, g);
	});
	el('text', { class: 'note', x: geom.m.l + 4, y: top + 11 }, g, P.label);
}

/* ---- interval peaks ---- */

/* Light blocks from the line up to each interval's peak, beneath the lines;
 * the hover says what they are. */
function draw_bands(g) {
	var X = geom.X, Y = geom.Y;
	(D.bands || []).forEach(function (bd, i) {
		if (hidden['b' + i] || hidden['s' + bd.series])
			return;
		bd.b.forEach(function (k) {
			if (k[1] < geom.a || k[0] > geom.b)
				return;
			var x0 = X(k[0]), x1 = Math.max(X(k[1]), x0 + 1);
			var r = el('rect', { class: 'band', x: x0, y: Y(k[3]), width: x1 - x0,
					     height: Math.max(1, Y(k[2]) - Y(k[3])), fill: bd.color, 'data-kind': 'band' }, g);
			hover(r, function () {
				return [D.bandhover, fmt_mib(k[3]) + ' (sample ' + fmt_mib(k[2]) + ')',
					fmt_s(k[0]) + ' \u2192 ' + fmt_s(k[1]), D.series[bd.series].label];
			});
		});
	});
}

/* ---- peaks and their labels ---- */

var measure_ctx = null;
function text_w(t) {
	if (!measure_ctx) {
		measure_ctx = document.createElement('canvas').getContext('2d');
		measure_ctx.font = '11px "DejaVu Sans", Verdana, sans-serif';
	}
	return measure_ctx.measureText(t).width;
}

/* Whether box b (pixels) covers a visible line. */
function covers_data(b) {
	var a = geom.a + (b.x - geom.m.l) / geom.pw * (geom.b - geom.a);
	var z = geom.a + (b.x + b.w - geom.m.l) / geom.pw * (geom.b - geom.a);
	return visible_series().some(function (s) {
		var pts = [], i;
		columns(s, a, z, geom.pw).forEach(function (c) { column_points(c, pts); });
		for (i = 0; i < pts.length; i++) {
			var p = pts[i], q = pts[i + 1] || p;
			if (q[0] < a || p[0] > z)
				continue;
			var ya = geom.Y(p[1]), yb = geom.Y(q[1]);
			if (Math.max(ya, yb) >= b.y - 1 && Math.min(ya, yb) <= b.y + b.h + 1)
				return true;
		}
		return false;
	});
}

function boxes_meet(a, b) {
	return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/* A label where it covers neither the lines nor another label (as in the
 * picture): the long text, else the short one, else none (the legend has
 * the value). cands(w, h) lists the places to try. */
function place_note(g, texts, cands, color) {
	var m = geom.m;
	for (var k = 0; k < texts.length; k++) {
		var w = text_w(texts[k]) + 4, h = 14, c = cands(w, h);
		for (var i = 0; i < c.length; i++) {
			var b = c[i];
			if (b.x < m.l || b.y < m.t || b.x + b.w > m.l + geom.pw || b.y + b.h > m.t + geom.ph)
				continue;
			if (geom.labels.some(function (o) { return boxes_meet(o, b); }) || covers_data(b))
				continue;
			geom.labels.push(b);
			el('text', { class: 'note', x: b.x + 2, y: b.y + h - 3, fill: color, 'data-kind': 'label' }, g,
			   texts[k]);
			return;
		}
	}
}

function point_places(px, py) {
	return function (w, h) {
		var out = [];
		for (var k = 0; k < 4; k++) {
			out.push({ x: px + 6, y: py - 6 - h - k * h, w: w, h: h }, { x: px - 6 - w, y: py - 6 - h - k * h, w: w, h: h },
				 { x: px + 6, y: py + 6 + k * h, w: w, h: h }, { x: px - 6 - w, y: py + 6 + k * h, w: w, h: h });
		}
		return out;
	};
}

function line_places(ky) {
	var m = geom.m;
	return function (w, h) {
		var out = [];
		[m.l + geom.pw - w - 14, m.l + 6, m.l + (geom.pw - w) / 2].forEach(function (x) {
			out.push({ x: x, y: ky - 3 - h, w: w, h: h }, { x: x, y: ky + 3, w: w, h: h });
		});
		return out;
	};
}

/* The sampled peaks shown on series si's dot (a series seen once): the
 * dot's tip tells them, as their own mark there would cover the dot. */
function peaks_on_dot(si) {
	var out = [];
	D.peaks.forEach(function (p, i) {
		if (p.series === si && p.kind !== 'kernel' && !hidden['k' + i])
			out.push(p.label);
	});
	return out;
}

/* The scene's peaks: dashed lines at each sampled one, a dotted line at the
 * kernel's high-water mark (in under, beneath the series); labels placed as
 * above. */
function draw_peaks(g, under) {
	var X = geom.X, Y = geom.Y, m = geom.m;
	D.peaks.forEach(function (p, i) {
		var s = D.series[p.series];
		if (hidden['k' + i] || hidden['s' + p.series])
			return;
		var px = X(p.t), py = Y(p.v);
		var in_x = p.t >= geom.a && p.t <= geom.b, in_y = py >= m.t && py <= m.t + geom.ph;
		if (p.kind === 'kernel') {
			if (!in_y)
				return;
			el('line', { class: 'kpeak', x1: m.l, x2: m.l + geom.pw, y1: py, y2: py, stroke: p.color }, under);
			place_note(g, [p.label, p.short], line_places(py), p.color);
			var h = el('line', { class: 'hit', x1: m.l, x2: m.l + geom.pw, y1: py, y2: py, 'data-kind': 'kpeak' },
				   under);
			hover(h, function () {
				return [p.label, 'the kernel\'s high-water mark of resident memory (VmHWM)',
					fmt_delta(p.v - p.sampled) + ' above the highest sample'];
			});
			return;
		}
		if (in_y)
			el('line', { class: 'peak', x1: m.l, x2: m.l + geom.pw, y1: py, y2: py, stroke: p.color }, g);
		if (in_x)
			el('line', { class: 'peak', x1: px, x2: px, y1: m.t, y2: m.t + geom.ph, stroke: p.color }, g);
		if (!in_x || !in_y)
			return;
		place_note(g, [p.label, p.short], point_places(px, py), p.color);
		/* on a series' lone dot the mark only shows: the dot's tip has it */
		if (geom.alone[p.series]) {
			el('circle', { class: 'pmark', cx: px, cy: py, r: 5, fill: p.color, 'fill-opacity': 0.6 }, g);
			return;
		}
		var dot = el('circle', { cx: px, cy: py, r: 5, fill: p.color, class: 'hitbox', 'data-kind': 'peak' }, g);
		dot.setAttribute('fill-opacity', '0.6');
		hover(dot, function () { return [p.label, 'highest of ' + s.n + ' samples of ' + s.label]; });
	});
}

/* Brackets of calls: when the view holds many, only those a few pixels wide
 * (zoom in for the rest). */
function draw_brackets(g) {
	var X = geom.X, Y = geom.Y, a = geom.a, b = geom.b, shown = [], skipped = 0;
	D.spans.forEach(function (sp) {
		var f = D.funcs[sp[0]];
		if (!hidden['f' + sp[0]] && !hidden['s' + D.files[f.file].series] && sp[3] >= a && sp[2] <= b)
			shown.push(sp);
	});
	var crowded = shown.length > 150, min_px = 6;
	shown.forEach(function (sp) {
		var f = D.funcs[sp[0]];
		var x0 = X(sp[2]), x1 = X(sp[3]), y0 = Y(sp[4]), y1 = Y(sp[5]);
		if (crowded && x1 - x0 < min_px) {
			skipped++;
			return;
		}
		var h = 9, arm = 5 + 2 * sp[1];
		var d = 'M' + (x0 + arm) + ',' + (y0 - h) + 'H' + x0 + 'V' + (y0 + h) + 'H' + (x0 + arm) +
			'M' + (x1 - arm) + ',' + (y1 - h) + 'H' + x1 + 'V' + (y1 + h) + 'H' + (x1 - arm);
		el('path', { class: 'bracket', stroke: f.color, d: d }, g);
		var hit = el('path', { class: 'hit', d: d, 'data-kind': 'span' }, g);
		hover(hit, function () { return span_lines(sp); });
	});
	geom.skipped = skipped;
}

function draw_flame(g, top, laneh) {
	var X = geom.X, a = geom.a, b = geom.b, m = geom.m;
	D.spans.forEach(function (sp) {
		var f = D.funcs[sp[0]];
		if (hidden['f' + sp[0]] || hidden['s' + D.files[f.file].series] || sp[3] < a || sp[2] > b)
			return;
		/* outer calls at the bottom, as in the picture */
		var x0 = X(sp[2]), x1 = Math.max(X(sp[3]), x0 + 1), y = top + (D.maxlevel - sp[1]) * laneh;
		var r = el('rect', { class: 'fr', x: x0, y: y, width: x1 - x0, height: laneh - 1,
				     fill: f.color, 'data-kind': 'span' }, g);
		hover(r, function () { return span_lines(sp).concat(['click to zoom to this call']); });
		r.addEventListener('click', function () {
			var pad = (sp[3] - sp[2]) * 0.05 || 1e-3;
			zoom(sp[2] - pad, sp[3] + pad);
		});
		var vx0 = Math.max(x0, m.l), vx1 = Math.min(x1, m.l + geom.pw);
		var room = Math.floor((vx1 - vx0 - 6) / 6.6);
		if (room >= 3) {
			var text = f.label + ' ' + fmt_s(sp[3] - sp[2]);
			if (text.length > room)
				text = text.length > room && f.label.length <= room ? f.label : f.label.slice(0, room - 1) + '\u2026';
			el('text', { x: vx0 + 3, y: y + laneh - 5 }, g, text);
		}
	});
}

function draw_marks(g, svg) {
	var X = geom.X, m = geom.m, a = geom.a, b = geom.b;
	D.marks.forEach(function (k) {
		if (hidden['m' + k[0]] || k[2] < a || k[2] > b)
			return;
		var x = X(k[2]);
		el('line', { class: 'mark', x1: x, x2: x, y1: m.t, y2: m.t + geom.ph }, g);
		var lb = { x: x + 1, y: m.t + 1, w: text_w(k[1]) + 4, h: 14 };
		if (!geom.labels.some(function (o) { return boxes_meet(o, lb); })) {
			geom.labels.push(lb);
			el('text', { class: 'note', x: x + 3, y: m.t + 12, fill: '#555', 'data-kind': 'label' }, g, k[1]);
		}
		var hit = el('line', { class: 'hit', x1: x, x2: x, y1: m.t, y2: m.t + geom.ph, 'data-kind': 'mark' }, g);
		hover(hit, function () {
			return ['marker ' + k[1], 'at ' + fmt_s(k[2]), 'memory ' + fmt_mib(k[3]) +
				(k[4] > 1 ? ' (' + k[4] + ' markers merged)' : '')];
		});
	});
}

/* ---- legend ---- */

function legend() {
	var box = document.getElementById('legend');
	box.textContent = '';
	function entry(key, color, text, kind, title) {
		var d = document.createElement('div'), sw = document.createElement('span');
		sw.className = 'sw' + (kind ? ' ' + kind : '');
		sw.style.borderColor = color;
		if (kind && kind.indexOf('box') === 0)
			sw.style.background = color;
		d.appendChild(sw);
		d.appendChild(document.createTextNode(text));
		d.title = title || text;
		d.dataset.key = key;
		if (hidden[key])
			d.className = 'off';
		d.addEventListener('click', function () {
			hidden[key] = !hidden[key];
			d.className = hidden[key] ? 'off' : '';
			hide_tip();
			render();
		});
		box.appendChild(d);
	}
	/* the scene's entries, in its order, as in every view */
	D.legend.forEach(function (e) {
		var i = +e.key.slice(1);
		var title = e.kind === 'line' ? D.series[i].title : e.kind === 'func' ? D.funcs[i].name : e.text;
		var sw = e.kind === 'line' ? '' : e.kind === 'func' ? (D.flame ? 'box' : '') :
			e.kind === 'stack' ? 'box' : e.kind === 'band' ? 'box band' : 'dash';
		entry(e.key, e.color, e.text, sw, title);
	});
}

/* ---- zoom ---- */

function zoom(t0, t1) {
	if (!(t1 > t0))
		return;
	var min = (D.ext[1] - D.ext[0]) * 1e-9 + 1e-9;
	if (t1 - t0 < min) {
		var c = (t0 + t1) / 2;
		t0 = c - min / 2;
		t1 = c + min / 2;
	}
	view = [t0, t1];
	hide_tip();
	render();
	remember();
}
function reset() {
	view = null;
	hide_tip();
	render();
	remember();
}
/* The zoomed range in the address (#t=T0,T1), to come back to it. */
function remember() {
	if (location.hash === '#selftest')
		return;
	try {
		history.replaceState(null, '', view ? '#t=' + view[0].toPrecision(9) + ',' + view[1].toPrecision(9) :
				     location.pathname + location.search);
	} catch (e) { /* some browsers refuse it for file: pages */ }
}

var drag = null;
function to_t(clientX) {
	var r = document.getElementById('plot').getBoundingClientRect();
	var x = Math.max(geom.m.l, Math.min(geom.m.l + geom.pw, clientX - r.left));
	return { x: x, t: geom.a + (x - geom.m.l) / geom.pw * (geom.b - geom.a) };
}
function on_down(ev) {
	if (ev.button !== 0 || ev.target.id !== 'drag' && !ev.target.closest('g[clip-path="url(#clip)"]'))
		return;
	drag = to_t(ev.clientX);
	ev.preventDefault();
}
function on_move(ev) {
	var r = document.getElementById('plot').getBoundingClientRect(), p;
	if (geom) {
		var x = ev.clientX - r.left, y = ev.clientY - r.top;
		if (x >= geom.m.l && x <= geom.m.l + geom.pw && y >= geom.m.t && y <= geom.m.t + geom.ph) {
			p = to_t(ev.clientX);
			document.getElementById('cursor').textContent = 't = ' + fmt_s(p.t);
		}
	}
	if (!drag)
		return;
	p = to_t(ev.clientX);
	var band = geom.band;
	band.setAttribute('x', Math.min(p.x, drag.x));
	band.setAttribute('width', Math.abs(p.x - drag.x));
	band.setAttribute('display', 'inline');
}
function on_up(ev) {
	if (!drag)
		return;
	var p = to_t(ev.clientX), d = drag;
	drag = null;
	geom.band.setAttribute('display', 'none');
	if (Math.abs(p.x - d.x) >= 4)
		zoom(Math.min(p.t, d.t), Math.max(p.t, d.t));
}

document.getElementById('chart').addEventListener('mousedown', on_down);
window.addEventListener('mousemove', on_move);
window.addEventListener('mouseup', on_up);
document.getElementById('chart').addEventListener('dblclick', reset);
document.getElementById('reset').addEventListener('click', reset);
var resize_timer = 0;
window.addEventListener('resize', function () {
	clearTimeout(resize_timer);
	resize_timer = setTimeout(render, 100);
});

var want = /^#t=([-+0-9.e]+),([-+0-9.e]+)$/.exec(location.hash);
if (want && +want[2] > +want[1])
	view = [+want[1], +want[2]];
legend();
render();
var t_ready = performance.now();

/* ---- #selftest: the test suite's scripted zoom and hover ---- */

/* Zoom to [t0, t1]; '' when the view is that range and each series in
 * must has a line that reaches into the plot, else what went wrong. */
function try_zoom(t0, t1, must) {
	try {
		zoom(t0, t1);
	} catch (e) {
		return 'exception ' + e;
	}
	if (!view || view[0] > t0 || view[1] < t1)
		return 'not zoomed';
	var m = geom.m;
	for (var k = 0; k < must.length; k++) {
		var p = document.querySelector('path.series[data-series="' + must[k] + '"]');
		if (!p)
			return 'no line';
		var bb = p.getBBox();
		if (bb.x > m.l + geom.pw + 1 || bb.x + bb.width < m.l - 1 ||
		    bb.y > m.t + geom.ph + 1 || bb.y + bb.height < m.t - 1)
			return 'line outside the plot';
	}
	return '';
}

/* Hover series si's line where the mouse would be: at points along it, the
 * element on top there. 'own' when that is the line and the tip names it
 * (and, on a lone dot, the peaks there); 'under LABEL' when another line
 * lies on top at every point tried. */
function hover_line(si, mouse) {
	var hit = document.querySelector('path.hit[data-series="' + si + '"]'), m = geom.m, other = '';
	if (!hit)
		return 'no hover target';
	var r = document.getElementById('plot').getBoundingClientRect(), len = hit.getTotalLength();
	for (var k = 0; k <= 24; k++) {
		var p = hit.getPointAtLength(len * (k % 2 ? 24 - k : k) / 24);
		if (p.x < m.l || p.x > m.l + geom.pw || p.y < m.t || p.y > m.t + geom.ph)
			continue;
		var x = r.left + p.x, y = r.top + p.y, e = document.elementFromPoint(x, y);
		if (!e || e.getAttribute('data-kind') !== 'series')
			continue;
		mouse(e, 'mouseover', x, y);
		var lines = tip.style.display === 'block' ? tip.textContent.split('\n') : [''], text = lines[0];
		mouse(e, 'mouseout', x, y);
		var lacks = (geom.alone[si] ? peaks_on_dot(si) : []).filter(function (l) { return lines.indexOf(l) < 0; });
		if (e === hit)
			return text !== D.series[si].label ? 'tip says \'' + text + '\'' :
				lacks.length ? 'tip lacks \'' + lacks[0] + '\'' : 'own';
		if (text)
			other = other || text;
	}
	return other ? 'under ' + other : 'no point of the line shows a tip';
}

/* Zoom to the start and the end, onto each line, and just before and
 * after each line's samples (where children that start late or end early
 * have no columns); hover each child's line in its own window. */
function zoom_windows(out, mouse) {
	var span = D.ext[1] - D.ext[0], wins = [], bad = [], nchild = 0, own = 0, under = [];
	wins.push([D.ext[0], D.ext[0] + span * 0.08, 'start', []]);
	wins.push([D.ext[1] - span * 0.08, D.ext[1], 'end', []]);
	D.series.slice(0, 40).forEach(function (s, si) {
		if (!s.first)
			return;
		var life = s.last[0] - s.first[0], pad = Math.max(life * 0.05, span * 1e-4);
		wins.push([s.first[0] - pad, s.last[0] + pad, s.label, [si], si]);
		if (s.last[0] + span * 0.02 < D.ext[1])
			wins.push([s.last[0] + span * 0.02, Math.min(D.ext[1], s.last[0] + span * 0.2), 'after ' + s.label, []]);
		if (s.first[0] - span * 0.02 > D.ext[0])
			wins.push([Math.max(D.ext[0], s.first[0] - span * 0.2), s.first[0] - span * 0.02, 'before ' + s.label, []]);
	});
	wins.forEach(function (w) {
		var why = try_zoom(w[0], w[1], w[3]);
		if (why)
			bad.push(w[2] + ': ' + why);
		if (w[4] === undefined || D.series[w[4]].pid === 0)
			return;
		nchild++;
		var h = why ? 'not zoomed' : hover_line(w[4], mouse);
		if (h === 'own')
			own++;
		else if (h.indexOf('under ') === 0)
			under.push(w[2] + ' ' + h);
		else
			bad.push('hover ' + w[2] + ': ' + h);
	});
	reset();
	out.push('zoom windows: ' + (bad.length ? 'FAILED ' + bad.join('; ') : 'ok ' + wins.length));
	out.push('hover children: ' + (bad.some(function (b) { return b.indexOf('hover ') === 0; }) ? 'FAILED' : 'ok') +
		 ' ' + own + '/' + nchild + (under.length ? ' (' + under.join('; ') + ')' : ''));
}

function selftest() {
	var out = [], svg, r;
	function ticks_text() {
		return Array.prototype.map.call(document.querySelectorAll('#xticks text'),
						function (t) { return t.textContent; }).join(' ');
	}
	function mouse(target, type, x, y) {
		target.dispatchEvent(new MouseEvent(type, { bubbles: true, cancelable: true, clientX: x, clientY: y,
							     button: 0, view: window }));
	}
	out.push('series: ' + document.querySelectorAll('path.series').length);
	/* each series' columns cover a time range, each level decodes to its columns */
	var bad = [];
	D.series.forEach(function (s) {
		if (!(s.ct[1] > s.ct[0]))
			bad.push(s.label + ': empty column range ' + s.ct.join(' '));
		s.levels.forEach(function (L) {
			if (L.v.byteLength !== L.c * COL)
				bad.push(s.label + ': ' + L.v.byteLength + ' bytes for ' + L.c + ' columns');
		});
	});
	out.push('data: ' + (bad.length ? 'FAILED ' + bad.join('; ') : 'ok'));
	out.push('spans: ' + document.querySelectorAll('[data-kind=span]').length);
	out.push('stacks: ' + document.querySelectorAll('path.stack').length);
	out.push('pressure: ' + document.querySelectorAll('path.psi').length);
	/* hover the first element of each kind: bracket or flame rectangle, child
	 * or overlaid line, marker, peak, interval peak, a kind of memory */
	['span', 'series', 'mark', 'peak', 'kpeak', 'band', 'stack'].forEach(function (kind) {
		var e = document.querySelector('[data-kind=' + kind + ']');
		if (!e)
			return;
		r = e.getBoundingClientRect();
		mouse(e, 'mouseover', r.left + 1, r.top + r.height / 2);
		out.push('hover ' + kind + ': ' +
			 (tip.style.display === 'block' ? tip.textContent.replace(/\n/g, ' | ') : '(none)'));
		mouse(e, 'mouseout', r.left + 1, r.top + r.height / 2);
	});
	/* drag across the middle of the plot */
	var before = ticks_text();
	svg = document.getElementById('plot');
	r = svg.getBoundingClientRect();
	var dragel = document.getElementById('drag'), y = r.top + geom.m.t + geom.ph / 2;
	var xa = r.left + geom.m.l + geom.pw * 0.3, xb = r.left + geom.m.l + geom.pw * 0.45;
	mouse(dragel, 'mousedown', xa, y);
	mouse(window, 'mousemove', xb, y);
	mouse(window, 'mouseup', xb, y);
	var after = ticks_text();
	out.push('axis before: ' + before);
	out.push('axis after: ' + after);
	out.push('zoom: ' + (view && after !== before ? 'ok' : 'FAILED'));
	/* double-click resets */
	mouse(document.getElementById('drag'), 'dblclick', xa, y);
	out.push('reset: ' + (view === null && ticks_text() === before ? 'ok' : 'FAILED'));
	/* the legend hides and shows a series */
	var n0 = document.querySelectorAll('path.series').length;
	var entry = document.querySelector('#legend div');
	entry.click();
	var n1 = document.querySelectorAll('path.series').length;
	entry.click();
	var n2 = document.querySelectorAll('path.series').length;
	out.push('legend: ' + (n1 === n0 - 1 && n2 === n0 ? 'ok' : 'FAILED ' + n0 + ' ' + n1 + ' ' + n2));
	zoom_windows(out, mouse);
	out.push('ready: ' + Math.round(t_ready) + ' ms');
	out.push('errors: ' + errors.length + (errors.length ? ' ' + errors.join('; ') : ''));
	var pre = document.createElement('pre');
	pre.id = 'selftest';
	pre.textContent = out.join('\n');
	document.body.appendChild(pre);
}

if (location.hash === '#selftest') {
	try {
		selftest();
	} catch (e) {
		var pre = document.createElement('pre');
		pre.id = 'selftest';
		pre.textContent = 'selftest: exception ' + e + '\nerrors: ' + (errors.length + 1);
		document.body.appendChild(pre);
	}
}
})();
