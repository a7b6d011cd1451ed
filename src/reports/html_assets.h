// The style and script of the HTML report, inlined into every page so that it opens offline.
//
// The page is complete without the script (every number, every row; rows below the first levels are
// shown by <noscript>); the script adds collapsing, sorting within each parent, and reveal-on-click
// from the FLOPs chart. Its state can be set from the address: report.html#open=PATH&sort=flops.
#pragma once

namespace flopscope::html {

inline constexpr const char* kStyle = R"CSS(
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px; color: #1c2330; max-width: 1500px; }
h1 { font-size: 20px; margin: 0 0 4px; word-break: break-all; }
h2 { font-size: 16px; margin: 20px 0 6px; border-bottom: 1px solid #d5dbe5; padding-bottom: 3px; }
dl.meta { display: grid; grid-template-columns: max-content minmax(0, 1fr) max-content minmax(0, 1fr); gap: 2px 16px; margin: 6px 0; }
dl.meta dt { color: #5b6578; } dl.meta dd { margin: 0; word-break: break-all; }
.convention { background: #eef3fb; border-left: 3px solid #1f5fbf; padding: 4px 10px; margin: 8px 0; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 2px 6px; border-bottom: 1px solid #edf0f5; white-space: nowrap; text-align: left; }
td.n, th.n { text-align: right; }
th { background: #f4f6fa; position: sticky; top: 0; z-index: 1; }
th[data-sort] { cursor: pointer; } th[data-sort]:hover { background: #e3e9f3; }
th.sorted::after { content: " \25BE"; }
#modules { font-size: 13px; }
#modules td.module { font-family: ui-monospace, monospace; }
#modules td.shape { font-family: ui-monospace, monospace; font-size: 12px; color: #5b6578; max-width: 110px;
                    overflow: hidden; text-overflow: ellipsis; }
#modules td.type { max-width: 190px; overflow: hidden; text-overflow: ellipsis; }
#totals th, #totals td { padding: 1px 6px; }
/* Left out of narrower windows in the terminal table's order: shapes, then the split of FLOPs. */
.left-out { display: none; }
@media (max-width: 1599px) { #modules .o1 { display: none; } .left-out { display: block; } }
@media (max-width: 1399px) { #modules .o2 { display: none; } }
@media (min-width: 1400px) { .o2-note { display: none; } }
.tw { border: 0; background: none; cursor: pointer; width: 18px; padding: 0; color: #1f5fbf; font-size: 12px; }
.tw[aria-expanded="true"]::before { content: "\25BE"; } .tw[aria-expanded="false"]::before { content: "\25B8"; }
.leaf { display: inline-block; width: 18px; }
tr.target td { background: #fff5cc; }
tr.bad td, li.bad { background: #fde8e6; }
.verdict-ok { color: #1e7b3a; font-weight: 600; } .verdict-bad { color: #b0261b; font-weight: 600; }
.tools button { margin-right: 6px; }
.scroll { overflow-x: auto; }
svg text { font-family: system-ui, sans-serif; }
#icicle rect { stroke: #fff; stroke-width: 0.5; cursor: pointer; } #icicle rect:hover { opacity: 0.8; }
pre { background: #f7f8fb; padding: 8px; overflow-x: auto; font-size: 12px; }
.muted { color: #5b6578; }
#totals td.muted, #conventions td.muted { white-space: normal; }
#totals th.depth1 { padding-left: 1.5em; font-weight: normal; } #totals th.depth2 { padding-left: 3em; font-weight: normal; }
)CSS";

// Runs at the end of <body>. Rows carry data-p (parent row index, -1 for the model) and numeric
// cells data-v (the exact value), so sorting compares numbers, not text.
inline constexpr const char* kScript = R"JS(
(function () {
  const body = document.querySelector('#modules tbody');
  const rows = Array.from(body.rows);
  const kids = rows.map(() => []);
  const roots = [];
  rows.forEach((row, i) => { const p = Number(row.dataset.p); (p >= 0 ? kids[p] : roots).push(i); });
  const button = (i) => rows[i].querySelector('.tw');
  const isOpen = (i) => button(i) !== null && button(i).getAttribute('aria-expanded') === 'true';

  function showSubtree(i, visible) {
    for (const k of kids[i]) { rows[k].hidden = !visible; showSubtree(k, visible && isOpen(k)); }
  }
  function setOpen(i, open) {
    if (button(i) === null) return;
    button(i).setAttribute('aria-expanded', String(open));
    showSubtree(i, open);
  }
  function reveal(path) {
    const i = rows.findIndex((row) => row.dataset.path === path);
    if (i < 0) return false;
    for (let a = Number(rows[i].dataset.p); a >= 0; a = Number(rows[a].dataset.p)) setOpen(a, true);
    setOpen(i, true);
    rows.forEach((row) => row.classList.remove('target'));
    rows[i].classList.add('target');
    rows[i].scrollIntoView({ block: 'center' });
    return true;
  }
  // Children stay under their parent; siblings are ordered by the column, largest first.
  function sortBy(column) {
    const header = document.querySelector('#modules th[data-sort="' + column + '"]');
    if (header === null) return false;
    const index = header.cellIndex;
    const value = (i) => Number(rows[i].cells[index].dataset.v || -1);
    const order = [];
    const visit = (list) => {
      list.slice().sort((a, b) => value(b) - value(a) || a - b).forEach((i) => { order.push(i); visit(kids[i]); });
    };
    visit(roots);
    order.forEach((i) => body.appendChild(rows[i]));
    document.querySelectorAll('#modules th').forEach((th) => th.classList.toggle('sorted', th === header));
    return true;
  }

  body.addEventListener('click', (event) => {
    const toggle = event.target.closest('.tw');
    if (toggle === null) return;
    const i = rows.indexOf(toggle.closest('tr'));
    setOpen(i, !isOpen(i));
  });
  document.querySelectorAll('#modules th[data-sort]').forEach((th) => {
    th.addEventListener('click', () => sortBy(th.dataset.sort));
  });
  document.getElementById('expand-all').addEventListener('click', () => rows.forEach((_, i) => setOpen(i, true)));
  document.getElementById('collapse-all').addEventListener('click', () => roots.forEach((i) => setOpen(i, false)));
  const icicle = document.getElementById('icicle');
  if (icicle !== null) {
    icicle.addEventListener('click', (event) => {
      const rect = event.target.closest('[data-path]');
      if (rect !== null) reveal(rect.dataset.path);
    });
  }
  // The address sets the state, so a link can open the report at a module: #open=PATH&sort=flops
  for (const part of window.location.hash.replace(/^#/, '').split('&')) {
    const [key, value] = part.split('=').map(decodeURIComponent);
    if (key === 'open' && !reveal(value)) throw new Error('no module ' + value + ' in this report');
    if (key === 'sort' && !sortBy(value)) throw new Error('no column ' + value + ' to sort by');
  }
  document.documentElement.dataset.ready = 'true';
})();
)JS";

// First in <head>: any error of the page's script is kept in the document, where a test reads it.
inline constexpr const char* kErrorCatcher =
    "window.addEventListener('error', (e) => document.documentElement.setAttribute('data-js-error', e.message));";

}  // namespace flopscope::html
