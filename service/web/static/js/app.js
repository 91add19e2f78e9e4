// The page's entry: draws the view the address names (/, /ui/task/…, /ui/document/…,
// /ui/entity/…, /ui/graph, /ui/cypher, /ui/documents) without reloading on inner links.
import { askForKey, forgetKey, storedKey } from './api.js';
import { clear, h } from './dom.js';
import { applyStatic, lang, setLang, t } from './i18n.js';
import { errorBox } from './common.js';
import { searchView } from './search.js';
import { documentView, entityView, taskView } from './pages.js';

const main = document.getElementById('main');
let generation = 0; // a view drawn for an older address must not draw over a newer one

const VIEWS = [
  [/^\/$/, (params) => searchView(params)],
  [/^\/ui\/task\/([^/]+)$/, (params, id) => taskView(id)],
  [/^\/ui\/document\/([^/]+)$/, (params, id) => documentView(id)],
  [/^\/ui\/entity\/([^/]+)$/, (params, id) => entityView(id)],
  [/^\/ui\/graph$/, async (params) => (await import('./graph.js')).graphView(params)],
  [/^\/ui\/cypher$/, async () => (await import('./cypher.js')).cypherView()],
  [/^\/ui\/documents$/, async () => (await import('./admin.js')).adminView()],
];

export async function render() {
  const mine = ++generation;
  window.dispatchEvent(new Event('policykg:leave'));
  const { pathname, search } = window.location;
  const params = new URLSearchParams(search);
  for (const link of document.querySelectorAll('.nav a')) {
    const here = link.getAttribute('href') === pathname;
    if (here) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  for (const [pattern, view] of VIEWS) {
    const match = pattern.exec(pathname);
    if (!match) continue;
    const args = match.slice(1).map((part) => decodeURIComponent(part));
    const content = h('div', { class: 'view' }, h('p', { class: 'muted', role: 'status' }, t('loading')));
    clear(main).append(content);
    let drawn;
    try {
      drawn = await view(params, ...args);
    } catch (error) {
      drawn = errorBox(error, render);
    }
    if (mine === generation) clear(content).append(drawn);
    return;
  }
  clear(main).append(h('p', { class: 'error', role: 'alert' }, t('notfound')));
}

/** Go to an address inside the page (pushes history; `replace` for the same view). */
export function navigate(href, { replace = false } = {}) {
  if (replace) window.history.replaceState(null, '', href);
  else window.history.pushState(null, '', href);
  render().then(() => {
    if (!replace) {
      window.scrollTo(0, 0);
      main.focus({ preventScroll: true });
    }
  });
}
// Views ask for navigation with an event (see dom.js `go`), so they need not import this module.
window.addEventListener('policykg:navigate', (event) => navigate(event.detail.href, event.detail));

document.addEventListener('click', (event) => {
  const anchor = event.target.closest('a[data-nav]');
  if (!anchor || event.defaultPrevented || event.button !== 0 ||
      event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(anchor.getAttribute('href'));
});
window.addEventListener('popstate', () => render());

document.getElementById('lang-toggle').addEventListener('click', () => {
  setLang(lang() === 'en' ? 'zh' : 'en');
  render();
});

const keyDialog = document.getElementById('key-dialog');
document.getElementById('key-button').addEventListener('click', async () => {
  if (await askForKey(storedKey() ? t('key.stored') : '')) render();
});
document.getElementById('key-forget').addEventListener('click', () => {
  forgetKey();
  keyDialog.close('forget');
});
document.getElementById('key-cancel').addEventListener('click', () => keyDialog.close('cancel'));

// "/" jumps to the search box, as on many sites; not while typing somewhere.
document.addEventListener('keydown', (event) => {
  if (event.key !== '/' || event.target.closest('input, textarea, select, [contenteditable]')) return;
  const box = document.getElementById('q');
  if (box) {
    event.preventDefault();
    box.focus();
  }
});

applyStatic();
render();
