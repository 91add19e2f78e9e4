// Ask: one box, filters as controls, every result with its evidence highlighted in the task
// text. The address holds the question (/?q=…&k=…&offset=… and the filters), so a result
// can be shared as a link.
import { api } from './api.js';
import {
  allDocuments, contextChips, documentById, documentLine, entityName, errorBox, taskLabel,
} from './common.js';
import { append, go, h, highlighted, link, pageTitle, seg } from './dom.js';
import { t } from './i18n.js';

const PAGE_SIZES = [10, 20, 50];
const FILTERS = [['doc', 'document'], ['year', 'year'], ['issuer', 'issuer'], ['place', 'place']];
let placesPromise = null;

function places() {
  placesPromise ??= api('/entities?type=Place&limit=500').then((page) => page.entities);
  placesPromise.catch(() => { placesPromise = null; });
  return placesPromise;
}

function state(params) {
  const k = Number.parseInt(params.get('k') || '10', 10);
  const offset = Number.parseInt(params.get('offset') || '0', 10);
  const filters = {};
  for (const [short] of FILTERS) filters[short] = params.get(short) || '';
  return {
    q: (params.get('q') || '').trim(),
    k: PAGE_SIZES.includes(k) ? k : 10,
    offset: Number.isInteger(offset) && offset > 0 ? offset : 0,
    filters,
  };
}

export function addressOf({ q, k, offset, filters }) {
  const params = new URLSearchParams();
  if (q) params.set('q', q);
  for (const [short] of FILTERS) if (filters[short]) params.set(short, filters[short]);
  if (k !== 10) params.set('k', String(k));
  if (offset) params.set('offset', String(offset));
  const text = params.toString();
  return text ? `/?${text}` : '/';
}

export async function searchView(params) {
  const current = state(params);
  pageTitle(current.q);
  const status = h('div', { class: 'status', id: 'search-status', role: 'status', 'aria-live': 'polite' });
  const results = h('div', { id: 'results' });
  const form = searchForm(current);
  const root = h('section', { class: 'search', 'aria-labelledby': 'search-heading' },
    h('h1', { id: 'search-heading', class: 'sr-only' }, t('nav.search')), form, status, results);
  if (!current.q) {
    status.append(h('p', { class: 'muted' }, t('search.intro')));
    return root;
  }
  runSearch(current, status, results).catch((error) => results.replaceChildren(errorBox(error)));
  return root;
}

function searchForm(current) {
  const box = h('input', {
    id: 'q', name: 'q', type: 'search', value: current.q, placeholder: t('search.placeholder'),
    autocomplete: 'off', enterkeyhint: 'search', maxlength: 500,
  });
  const controls = h('div', { class: 'filters', role: 'group', 'aria-label': t('search.filters') });
  const form = h('form', {
    role: 'search', class: 'search-form', onsubmit: (event) => {
      event.preventDefault();
      go(addressOf({ ...readForm(form), offset: 0 }));
    },
  },
  h('label', { for: 'q', class: 'sr-only' }, t('search.label')),
  h('div', { class: 'search-row' }, box, h('button', { type: 'submit', class: 'primary' }, t('search.button'))),
  controls);
  fillFilters(controls, current, form).catch(() => { /* filters stay empty; search still works */ });
  return form;
}

function readForm(form) {
  const data = new FormData(form);
  const filters = {};
  for (const [short] of FILTERS) filters[short] = String(data.get(short) || '').trim();
  return { q: String(data.get('q') || '').trim(), k: Number(data.get('k') || 10), filters };
}

function select(name, label, options, chosen, form) {
  const id = `filter-${name}`;
  const control = h('select', {
    id, name,
    onchange: () => {
      const next = readForm(form);
      if (next.q) go(addressOf({ ...next, offset: 0 }));
    },
  }, h('option', { value: '' }, t('search.any')),
  options.map(([value, text]) => h('option', { value, selected: String(value) === chosen }, text)));
  return h('div', { class: 'field' }, h('label', { for: id }, label), control);
}

async function fillFilters(controls, current, form) {
  const [docs, placeList] = await Promise.all([allDocuments(), places().catch(() => [])]);
  const years = [...new Set(docs.map((d) => d.year).filter(Boolean))].sort((a, b) => b - a);
  const issuers = [...new Set(docs.map((d) => d.issuer).filter(Boolean))].sort();
  const placeInput = h('input', {
    id: 'filter-place', name: 'place', list: 'place-names', value: current.filters.place,
    autocomplete: 'off',
    onchange: () => {
      const next = readForm(form);
      if (next.q) go(addressOf({ ...next, offset: 0 }));
    },
  });
  controls.append(
    select('doc', t('search.document'), docs.map((d) => [d.id, d.doc_number ? `${d.title}（${d.doc_number}）` : d.title]),
      current.filters.doc, form),
    select('year', t('search.year'), years.map((y) => [String(y), String(y)]), current.filters.year, form),
    select('issuer', t('search.issuer'), issuers.map((i) => [i, i]), current.filters.issuer, form),
    h('div', { class: 'field' }, h('label', { for: 'filter-place' }, t('search.place')), placeInput,
      h('datalist', { id: 'place-names' }, placeList.map((p) => h('option', { value: p.name }, entityName(p))))),
    select('k', t('search.pageSize'), PAGE_SIZES.map((n) => [String(n), String(n)]), String(current.k), form),
  );
  if (FILTERS.some(([short]) => current.filters[short])) {
    controls.append(h('div', { class: 'field field-button' }, h('button', {
      type: 'button', onclick: () => go(addressOf({ ...current, offset: 0, filters: {} })),
    }, t('search.clear'))));
  }
}

async function runSearch(current, status, results) {
  status.replaceChildren(h('p', { class: 'muted' }, t('loading')));
  const { q, k, offset, filters } = current;
  const chosen = {
    document: filters.doc ? [filters.doc] : [],
    year: filters.year ? [Number(filters.year)] : [],
    issuer: filters.issuer ? [filters.issuer] : [],
    place: filters.place ? [filters.place] : [],
  };
  const filtered = Object.values(chosen).some((list) => list.length);
  const request = filtered
    ? api('/search', { method: 'POST', json: { query: q, k, offset, filters: chosen } })
    : api(`/search?${new URLSearchParams({ q, k: String(k), offset: String(offset) })}`);
  const [answer] = await Promise.all([request, allDocuments().catch(() => [])]);
  // What the browser adds to the API's time: from the answer in hand to results drawn.
  performance.clearMarks('policykg:answer');
  performance.mark('policykg:answer');
  const cards = [];
  for (const [index, result] of answer.results.entries()) {
    cards.push(await resultCard(result, offset + index + 1));
  }
  status.replaceChildren(summary(answer, current));
  results.replaceChildren();  // then append(), which skips the pager when there is none (null)
  append(results, [
    h('h2', { class: 'sr-only', id: 'results-heading', tabindex: '-1' }, t('search.results')),
    answer.results.length
      ? h('ol', { class: 'results', start: offset + 1, 'aria-labelledby': 'results-heading' }, cards)
      : h('p', { class: 'empty' }, t('search.none')),
    pager(answer, current),
  ]);
  performance.mark('policykg:rendered');
  performance.measure('policykg:render', 'policykg:answer', 'policykg:rendered');
  results.dataset.ready = 'true';
}

function summary(answer, { offset }) {
  const shown = answer.results.length;
  const parts = [];
  if (answer.listing) {
    const names = (answer.listing.entities?.length ? answer.listing.entities : [answer.listing.entity])
      .map((e) => entityName(e)).join('、');
    parts.push(h('p', { class: 'listing', id: 'listing-total', dataset: { total: answer.listing.total } },
      t('search.listing', { total: answer.listing.total, names })));
    if (shown) {
      parts.push(h('p', { class: 'muted' },
        t('search.range', { from: offset + 1, to: offset + shown, total: answer.listing.total })));
    }
  } else if (shown) {
    parts.push(h('p', { class: 'muted' }, t('search.ranked', { from: offset + 1, to: offset + shown })));
  }
  parts.push(h('p', { class: 'muted small' }, t('search.took', { ms: Math.round(answer.took_ms) })));
  return h('div', null, parts);
}

async function resultCard(result, rank) {
  const { task } = result;
  const doc = (await documentById(task.document.id)) || task.document;
  const strongest = Math.max(...result.evidence.map((e) => e.score), 0);
  const text = h('p', { class: 'task-text' },
    highlighted(task.text, result.evidence, (span) => ({
      class: span.score === strongest ? 'evidence best' : 'evidence',
      title: `${t('result.evidence')} ${span.score.toFixed(2)}`,
    })));
  const channels = result.matched_by.map((c) => t(`channel.${c}`)).join(' · ');
  return h('li', { class: 'result', dataset: { taskId: task.id, rank } },
    h('article', { 'aria-labelledby': `title-${task.id}` },
      h('header', { class: 'result-head' },
        h('span', { class: 'task-number' }, taskLabel(task)),
        h('span', { class: 'task-path' }, task.path),
        h('h3', { id: `title-${task.id}` }, link(`/ui/task/${seg(task.id)}`, task.title || task.path))),
      documentLine(doc, task.section ? [h('span', null, task.section.title)] : []),
      text,
      contextChips(result.context),
      h('p', { class: 'matched' }, `${t('result.matched')}：${channels}`)));
}

function pager(answer, current) {
  const { k, offset } = current;
  const total = answer.listing ? answer.listing.total : null;
  const hasNext = total === null ? answer.results.length === k : offset + k < total;
  if (offset === 0 && !hasNext) return null;
  const to = (newOffset) => addressOf({ ...current, offset: newOffset });
  const items = [];
  items.push(offset > 0
    ? h('a', { href: to(Math.max(0, offset - k)), 'data-nav': '', rel: 'prev', class: 'page-prev' }, t('search.prev'))
    : h('span', { class: 'disabled', 'aria-disabled': 'true' }, t('search.prev')));
  if (total !== null) {
    const pages = Math.ceil(total / k);
    const here = Math.floor(offset / k);
    for (let page = 0; page < pages; page += 1) {
      if (pages > 9 && Math.abs(page - here) > 2 && page !== 0 && page !== pages - 1) {
        if (Math.abs(page - here) === 3) items.push(h('span', { class: 'gap' }, '…'));
        continue;
      }
      items.push(page === here
        ? h('span', { class: 'page current', 'aria-current': 'page' }, String(page + 1))
        : h('a', { href: to(page * k), 'data-nav': '', class: 'page', 'aria-label': t('search.page', { n: page + 1 }) },
          String(page + 1)));
    }
  }
  items.push(hasNext
    ? h('a', { href: to(offset + k), 'data-nav': '', rel: 'next', class: 'page-next' }, t('search.next'))
    : h('span', { class: 'disabled', 'aria-disabled': 'true' }, t('search.next')));
  return h('nav', { class: 'pager', 'aria-label': t('search.pager') }, items);
}
