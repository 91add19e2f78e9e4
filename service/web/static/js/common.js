// Pieces several views share: the ingested documents, entity chips, messages, confirmation.
import { api, askForKey, describe, ApiError } from './api.js';
import { h, link, seg } from './dom.js';
import { lang, t } from './i18n.js';

let documentsPromise = null;

/** Every ingested document (paged through the API's limit), fetched once per page load and
 *  again after an upload or delete. */
export function allDocuments() {
  if (!documentsPromise) {
    documentsPromise = (async () => {
      const found = [];
      for (let offset = 0; ; offset += 1000) {
        const page = await api(`/documents?limit=1000&offset=${offset}`);
        found.push(...page.documents);
        if (found.length >= page.total || page.documents.length === 0) return found;
      }
    })();
    documentsPromise.catch(() => {
      documentsPromise = null;
    });
  }
  return documentsPromise;
}

export function forgetDocuments() {
  documentsPromise = null;
}

export async function documentById(id) {
  try {
    return (await allDocuments()).find((d) => d.id === id) || null;
  } catch {
    return null;
  }
}

/** The name to show for an entity or a node in the current language. */
export function entityName(item) {
  if (!item) return '';
  if (lang() === 'en' && item.name_en) return item.name_en;
  return item.name || item.text || item.title || item.id;
}

const CONTEXT_KINDS = [
  ['programmes', 'Programme'], ['institutions', 'Institution'], ['places', 'Place'],
  ['targets', 'Target'], ['documents', 'PolicyDocument'],
];

/** Context chips of a task: programmes, institutions, places, targets, cited documents. */
export function contextChips(context) {
  const items = [];
  for (const [field, kind] of CONTEXT_KINDS) {
    for (const item of context[field] || []) {
      const href = kind === 'PolicyDocument' ? `/ui/document/${seg(item.id)}` : `/ui/entity/${seg(item.id)}`;
      const name = kind === 'PolicyDocument' ? `《${item.title}》` : entityName(item);
      items.push(h('li', null, h('a', { href, 'data-nav': '', class: `chip chip-${kind}` },
        h('span', { class: 'chip-kind' }, t(`kind.${kind}`)), ' ', name)));
    }
  }
  return items.length ? h('ul', { class: 'chips' }, items) : null;
}

export function documentLine(doc, extra = []) {
  const parts = [link(`/ui/document/${seg(doc.id)}`, `《${doc.title}》`)];
  if (doc.doc_number) parts.push(h('span', { class: 'docno' }, doc.doc_number));
  if (doc.issued_date) parts.push(h('time', { datetime: doc.issued_date }, doc.issued_date));
  parts.push(...extra);
  const line = h('p', { class: 'doc-line' });
  parts.forEach((part, i) => {
    if (i) line.append(h('span', { class: 'sep', 'aria-hidden': 'true' }, ' · '));
    line.append(part);
  });
  return line;
}

export function loading() {
  return h('p', { class: 'muted', role: 'status' }, t('loading'));
}

/** An inline error; a 403 for want of an admin key offers to change the key. */
export function errorBox(error, retry) {
  const box = h('div', { class: 'error', role: 'alert' }, h('strong', null, t('error')), ' ', describe(error));
  if (error instanceof ApiError && error.status === 403 && retry &&
      String(error.problem.type || '').endsWith('/forbidden')) {
    box.append(' ', h('button', {
      type: 'button',
      onclick: async () => {
        if (await askForKey(t('key.admin'))) retry();
      },
    }, t('key.change')));
  }
  return box;
}

/** Ask yes or no in the page's own dialog (keyboard: Enter/Escape). */
export function confirmDialog(text, yesLabel) {
  const dialog = document.getElementById('confirm-dialog');
  document.getElementById('confirm-text').textContent = text;
  document.getElementById('confirm-yes').textContent = yesLabel || t('confirm.yes');
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'yes'), { once: true });
    dialog.showModal();
  });
}

export function heading(level, text, props = {}) {
  return h(`h${level}`, props, text);
}

export function taskLabel(task) {
  return task.number > 0 ? t('result.item', { n: task.number }) : t('result.prose');
}
