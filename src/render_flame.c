/*
 * render_flame.c - a flame graph as one self-contained HTML page: the call tree as JSON in a <script>,
 * drawn into an inline <svg> by a little JavaScript (no network, no external file). Frames are as
 * wide as their time; click one to zoom into it, search with a regular expression (matches turn
 * magenta and the page says what share of the time they hold), hover for the numbers. The URL
 * fragment sets the search and the zoom (#search=Spin&zoom=12), so a page can be opened on a view,
 * and a headless browser can check one. See render.h.
 *
 * Nodes under 0.01% of the total are left out (their time stays in their caller), so that a large
 * trace still gives a page a browser draws quickly.
 */
#include <stdio.h>
#include <stdlib.h>

#include "render.h"

#define PRUNE 1e-4

static const char page_head[] =
	"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>";

static const char page_style[] =
	"</title>\n<style>\n"
	"body{margin:0;font:13px system-ui,sans-serif;color:#222;background:#fff}\n"
	"header{padding:8px 12px;border-bottom:1px solid #ddd}\n"
	"h1{font-size:16px;margin:0 0 4px}\n"
	"#info{margin:0 0 6px;color:#555}\n"
	"form{display:inline}\n"
	"input{font:inherit;width:22em;padding:2px 4px}\n"
	"button{font:inherit;margin-left:4px}\n"
	"#matched{display:inline-block;margin-left:12px;color:#a0a}\n"
	"#details{padding:6px 12px;min-height:1.4em;font-family:ui-monospace,monospace;"
	"white-space:pre-wrap;border-top:1px solid #ddd}\n"
	"#flame{display:block;width:100%}\n"
	"#flame g.f{cursor:pointer}\n"
	"#flame g.f text{font:11px ui-monospace,monospace;fill:#000;pointer-events:none}\n"
	"#flame g.f rect{stroke:#fff;stroke-width:.5}\n"
	"#flame g.f.match rect{fill:#e040e0}\n"
	"#flame g.f.out rect{fill-opacity:.35}\n"
	"</style></head>\n<body>\n<header><h1 id=\"title\"></h1><p id=\"info\"></p>\n"
	"<form id=\"searchform\"><input id=\"search\" placeholder=\"search: a regular expression\" "
	"aria-label=\"search\"><button type=\"submit\">search</button><button type=\"button\" "
	"id=\"clear\">clear</button><button type=\"button\" id=\"reset\">reset zoom</button></form>"
	"<span id=\"matched\"></span></header>\n"
	"<svg id=\"flame\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\"></svg>\n"
	"<div id=\"details\">hover over a frame for its numbers; click to zoom</div>\n"
	"<script>const DATA = ";

/* The drawing code: DATA.names[], DATA.nodes = preorder [name, time, samples, children] x n. */
static const char page_script[] =
	";</script>\n<script>\n"
	"'use strict';\n"
	"const H = 17, CW = 6.6, svg = document.getElementById('flame'), NS = 'http://www.w3.org/2000/svg';\n"
	"const nodes = [];\n"
	"(function build() {\n"
	"  const a = DATA.nodes, stack = [];\n"
	"  for (let i = 0; i < a.length; i += 4) {\n"
	"    const n = {id: nodes.length, name: DATA.names[a[i]], v: a[i + 1], s: a[i + 2], left: a[i + 3],\n"
	"               kids: [], parent: null, depth: 0};\n"
	"    while (stack.length && stack[stack.length - 1].left === 0) stack.pop();\n"
	"    if (stack.length) { const p = stack[stack.length - 1]; p.left--; n.parent = p; n.depth = p.depth + 1;"
	" p.kids.push(n); }\n"
	"    nodes.push(n); stack.push(n);\n"
	"  }\n"
	"})();\n"
	"const root = nodes[0];\n"
	"let zoom = root, pattern = null, maxDepth = 0;\n"
	"for (const n of nodes) maxDepth = Math.max(maxDepth, n.depth);\n"
	"function fmtTime(ms) { return ms < 1000 ? ms.toFixed(1) + ' ms' : (ms / 1000).toFixed(2) + ' s'; }\n"
	"function pct(v) { return root.v > 0 ? (100 * v / root.v).toFixed(2) + '%' : '0%'; }\n"
	"function label(n) { return n.name + '\\n' + pct(n.v) + ' of ' + DATA.what + ', ' + fmtTime(n.v) +\n"
	"  ', ' + n.s + ' samples'; }\n"
	"function color(n) {\n"
	"  if (n === root) return '#bbb';\n"
	"  if (n.name.startsWith('?!')) return '#c8c8c8';\n"
	"  let h = 0; const m = n.name.split('!')[0];\n"
	"  for (let i = 0; i < m.length; i++) h = (h * 31 + m.charCodeAt(i)) >>> 0;\n"
	"  let k = 0; for (let i = 0; i < n.name.length; i++) k = (k * 17 + n.name.charCodeAt(i)) >>> 0;\n"
	"  return 'hsl(' + (5 + h % 50) + ',' + (70 + k % 20) + '%,' + (55 + (k >> 8) % 15) + '%)';\n"
	"}\n"
	"/* a label in `chars` characters: the whole name, else without its module, else Type.Method(args),\n"
	"   else cut */\n"
	"function fit(name, chars) {\n"
	"  if (name.length <= chars) return name;\n"
	"  const m = name.slice(name.indexOf('!') + 1);\n"
	"  if (m.length <= chars) return m;\n"
	"  const p = m.indexOf('(');\n"
	"  let head = p < 0 ? m : m.slice(0, p);\n"
	"  /* generic arguments hold dots too: drop [...] before taking the last two parts */\n"
	"  for (let i = 0; i < 8 && /\\[[^\\[\\]]*\\]/.test(head); i++) head = head.replace(/\\[[^\\[\\]]*\\]/g, '');\n"
	"  const parts = head.split('.');\n"
	"  const s = parts.slice(-2).join('.') + (p < 0 ? '' : m.slice(p));\n"
	"  return s.length <= chars ? s : s.slice(0, chars - 2) + '..';\n"
	"}\n"
	"function draw() {\n"
	"  const W = svg.clientWidth || 1200, depth = maxDepth + 1;\n"
	"  svg.setAttribute('height', depth * H + 4); svg.setAttribute('viewBox', '0 0 ' + W + ' ' + (depth * H + 4));\n"
	"  while (svg.firstChild) svg.removeChild(svg.firstChild);\n"
	"  const scale = zoom.v > 0 ? W / zoom.v : 0;\n"
	"  const place = (n, x) => {\n"
	"    const w = n.v * scale;\n"
	"    if (w < 0.5) return;\n"
	"    const g = document.createElementNS(NS, 'g');\n"
	"    g.setAttribute('class', 'f' + (pattern && pattern.test(n.name) ? ' match' : ''));\n"
	"    g.dataset.id = n.id;\n"
	"    const y = (maxDepth - n.depth) * H;\n"
	"    const t = document.createElementNS(NS, 'title'); t.textContent = label(n); g.appendChild(t);\n"
	"    const r = document.createElementNS(NS, 'rect');\n"
	"    r.setAttribute('x', x.toFixed(1)); r.setAttribute('y', y); r.setAttribute('width', w.toFixed(1));\n"
	"    r.setAttribute('height', H - 1); r.setAttribute('fill', color(n)); g.appendChild(r);\n"
	"    const chars = Math.floor((w - 6) / CW);\n"
	"    if (chars >= 3) {\n"
	"      const s = document.createElementNS(NS, 'text');\n"
	"      s.setAttribute('x', (x + 3).toFixed(1)); s.setAttribute('y', y + H - 5);\n"
	"      s.textContent = fit(n.name, chars);\n"
	"      g.appendChild(s);\n"
	"    }\n"
	"    svg.appendChild(g);\n"
	"    let cx = x;\n"
	"    for (const k of n.kids) { place(k, cx); cx += k.v * scale; }\n"
	"  };\n"
	"  /* the zoomed node's callers span the whole width, faded */\n"
	"  for (let a = zoom.parent; a; a = a.parent) {\n"
	"    const g = document.createElementNS(NS, 'g'); g.setAttribute('class', 'f out'); g.dataset.id = a.id;\n"
	"    const t = document.createElementNS(NS, 'title'); t.textContent = label(a); g.appendChild(t);\n"
	"    const r = document.createElementNS(NS, 'rect'); r.setAttribute('x', 0);\n"
	"    r.setAttribute('y', (maxDepth - a.depth) * H); r.setAttribute('width', W); r.setAttribute('height', H - 1);\n"
	"    r.setAttribute('fill', color(a)); g.appendChild(r);\n"
	"    const s = document.createElementNS(NS, 'text'); s.setAttribute('x', 3);\n"
	"    s.setAttribute('y', (maxDepth - a.depth) * H + H - 5); s.textContent = a.name; g.appendChild(s);\n"
	"    svg.appendChild(g);\n"
	"  }\n"
	"  place(zoom, 0);\n"
	"  showMatched();\n"
	"}\n"
	"function showMatched() {\n"
	"  const el = document.getElementById('matched');\n"
	"  if (!pattern) { el.textContent = ''; return; }\n"
	"  let v = 0;\n"
	"  const walk = n => { if (pattern.test(n.name)) { v += n.v; return; } for (const k of n.kids) walk(k); };\n"
	"  walk(root);\n"
	"  el.textContent = 'matched: ' + pct(v) + ' (' + fmtTime(v) + ')';\n"
	"}\n"
	"function setSearch(text) {\n"
	"  document.getElementById('search').value = text || '';\n"
	"  if (!text) pattern = null;\n"
	"  else { try { pattern = new RegExp(text, 'i'); }\n"
	"         catch (e) { pattern = new RegExp(text.replace(/[.*+?^${}()|[\\]\\\\]/g, '\\\\$&'), 'i'); } }\n"
	"}\n"
	"function fromHash() {\n"
	"  const q = new URLSearchParams(location.hash.slice(1));\n"
	"  setSearch(q.get('search'));\n"
	"  const z = parseInt(q.get('zoom'), 10);\n"
	"  zoom = z >= 0 && z < nodes.length ? nodes[z] : root;\n"
	"  draw();\n"
	"}\n"
	"function toHash() {\n"
	"  const q = new URLSearchParams();\n"
	"  const s = document.getElementById('search').value;\n"
	"  if (s) q.set('search', s);\n"
	"  if (zoom !== root) q.set('zoom', zoom.id);\n"
	"  history.replaceState(null, '', '#' + q.toString());\n"
	"}\n"
	"svg.addEventListener('click', e => {\n"
	"  const g = e.target.closest('g.f'); if (!g) return;\n"
	"  zoom = nodes[+g.dataset.id]; toHash(); draw();\n"
	"});\n"
	"svg.addEventListener('mouseover', e => {\n"
	"  const g = e.target.closest('g.f'); if (!g) return;\n"
	"  document.getElementById('details').textContent = label(nodes[+g.dataset.id]).replace('\\n', '  ');\n"
	"});\n"
	"document.getElementById('searchform').addEventListener('submit', e => {\n"
	"  e.preventDefault(); setSearch(document.getElementById('search').value); toHash(); draw();\n"
	"});\n"
	"document.getElementById('clear').addEventListener('click', () => { setSearch(''); toHash(); draw(); });\n"
	"document.getElementById('reset').addEventListener('click', () => { zoom = root; toHash(); draw(); });\n"
	"window.addEventListener('hashchange', fromHash);\n"
	"window.addEventListener('resize', draw);\n"
	"document.getElementById('title').textContent = DATA.title;\n"
	"document.getElementById('info').textContent = DATA.info;\n"
	"fromHash();\n"
	"</script>\n</body></html>\n";

/* Text for an HTML element's content: & < > escaped. */
static void html_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '&')
			fputs("&amp;", out);
		else if (*s == '<')
			fputs("&lt;", out);
		else if (*s == '>')
			fputs("&gt;", out);
		else
			fputc(*s, out);
	}
}

/* Whether a node is drawn: the root, and nodes holding at least PRUNE of the total. */
static int kept(const struct profile *p, uint32_t n, enum profile_view v)
{
	double total = p->nodes[0].total_ms[v];

	return n == 0 || (p->nodes[n].total_samples[v] > 0 && p->nodes[n].total_ms[v] >= total * PRUNE);
}

static size_t kept_children(const struct profile *p, uint32_t n, enum profile_view v)
{
	size_t k = 0;
	uint32_t c;

	for (c = p->nodes[n].child; c != PROFILE_NONE; c = p->nodes[c].sibling)
		k += kept(p, c, v);
	return k;
}

/* The kept nodes in preorder as [name, time, samples, children] quads. Iterative: stacks are deep. */
static void write_nodes(FILE *out, const struct profile *p, enum profile_view v, size_t root_name)
{
	uint32_t n = 0;
	size_t count = 0;

	for (;;) {
		const struct profile_node *nd = &p->nodes[n];

		fprintf(out, "%s%zu,%.3f,%llu,%zu", count++ ? "," : "", n ? (size_t)nd->frame : root_name, nd->total_ms[v],
			(unsigned long long)nd->total_samples[v], kept_children(p, n, v));
		/* next in preorder: the first kept child, else the next kept sibling up the tree */
		for (n = nd->child; n != PROFILE_NONE && !kept(p, n, v); n = p->nodes[n].sibling)
			;
		if (n != PROFILE_NONE)
			continue;
		for (n = (uint32_t)(nd - p->nodes); n != 0;) {
			uint32_t s;

			for (s = p->nodes[n].sibling; s != PROFILE_NONE && !kept(p, s, v); s = p->nodes[s].sibling)
				;
			if (s != PROFILE_NONE) {
				n = s;
				break;
			}
			n = p->nodes[n].parent;
		}
		if (n == 0)
			return;
	}
}

int render_flamegraph(FILE *out, const struct profile *p, const struct render_opts *o)
{
	const char *name = o->name ? o->name : "trace";
	char info[512];
	size_t i;

	fputs(page_head, out);
	html_text(out, name);
	fprintf(out, " - flame graph (%s)", profile_view_name(o->view));
	fputs(page_style, out);
	fputs("{\"title\": ", out);
	render_json_string(out, name);
	snprintf(info, sizeof(info), "view %s: %s; %.2f s in all, %zu threads, %llu samples%s",
		 profile_view_name(o->view), render_view_words(o->view), p->total_ms[o->view] / 1000,
		 p->nthreads, (unsigned long long)p->samples,
		 p->partial ? "; PARTIAL: the trace ends early" : "");
	fputs(", \"info\": ", out);
	render_json_string(out, info);
	fprintf(out, ", \"what\": \"%s\", \"names\": [",
		o->view == PROFILE_CPU ? "running time" : "thread time");
	/* the root's name is the entry after the frames' */
	for (i = 0; i < p->nframes; i++) {
		if (i)
			fputc(',', out);
		render_json_string(out, p->frames[i].name);
	}
	fputs(p->nframes ? ",\"all\"]" : "\"all\"]", out);
	fputs(", \"nodes\": [", out);
	write_nodes(out, p, o->view, p->nframes);
	fputs("]}", out);
	fputs(page_script, out);
	return 0;
}
