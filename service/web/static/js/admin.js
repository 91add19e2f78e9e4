// Documents: the list with its counts for every reader; upload (with progress) and delete
// (after confirmation) for an admin key. The server decides who may: a reader key gets a
// clear message and the offer to change the key.
import { api, download, upload } from './api.js';
import { allDocuments, confirmDialog, errorBox, forgetDocuments } from './common.js';
import { h, link, pageTitle, seg } from './dom.js';
import { t } from './i18n.js';

export async function adminView() {
  pageTitle(t('admin.title'));
  const message = h('div', { id: 'admin-message', role: 'status', 'aria-live': 'polite' });
  const listBox = h('div', { id: 'document-list' });
  const refresh = async () => {
    forgetDocuments();
    try {
      listBox.replaceChildren(documentTable(await allDocuments(), message, refresh));
    } catch (error) {
      listBox.replaceChildren(errorBox(error, refresh));
    }
  };
  await refresh();
  return h('section', { class: 'page admin-page' },
    h('h1', null, t('admin.title')),
    uploadForm(message, refresh),
    message,
    listBox);
}

function uploadForm(message, refresh) {
  const input = h('input', { id: 'upload-file', name: 'file', type: 'file',
    accept: '.txt,.md,.text,.docx,.doc,.wps,.pdf,.html,.htm' });
  const progress = h('progress', { id: 'upload-progress', max: 100, value: 0, hidden: true, 'aria-label': t('admin.uploadButton') });
  const progressText = h('span', { class: 'muted', id: 'upload-progress-text' });
  const button = h('button', { type: 'submit', class: 'primary', id: 'upload-button' }, t('admin.uploadButton'));
  const send = async () => {
    const file = input.files[0];
    if (!file) {
      message.replaceChildren(h('p', { class: 'error', role: 'alert' }, t('admin.pick')));
      return;
    }
    button.disabled = true;
    progress.hidden = false;
    progress.value = 0;
    message.replaceChildren();
    try {
      const answer = await upload(file, (sent, total) => {
        if (sent < 0) {
          progress.removeAttribute('value'); // indeterminate while the server ingests
          progressText.textContent = t('admin.processing');
        } else if (total) {
          const pct = Math.round((sent / total) * 100);
          progress.value = pct;
          progress.dataset.sent = String(pct); // the last share reported, for the tests
          progressText.textContent = t('admin.sending', { pct });
        }
      });
      const doc = answer.document;
      message.replaceChildren(h('p', { class: 'ok' },
        t(answer.created ? 'admin.created' : 'admin.replaced', { title: doc.title, tasks: doc.tasks }), ' ',
        link(`/ui/document/${seg(doc.id)}`, `《${doc.title}》`)));
      input.value = '';
      await refresh();
    } catch (error) {
      message.replaceChildren(errorBox(error, send));
    } finally {
      button.disabled = false;
      progress.hidden = true;
      progressText.textContent = '';
    }
  };
  return h('form', {
    class: 'upload-form', onsubmit: (event) => {
      event.preventDefault();
      send();
    },
  },
  h('h2', null, t('admin.upload')),
  h('div', { class: 'upload-row' }, h('label', { for: 'upload-file' }, t('admin.file')), input, button),
  h('div', { class: 'upload-row' }, progress, progressText));
}

function documentTable(docs, message, refresh) {
  const remove = async (doc) => {
    if (!(await confirmDialog(t('admin.confirm', { title: doc.title }), t('admin.delete')))) return;
    try {
      await api(`/documents/${seg(doc.id)}`, { method: 'DELETE' });
      message.replaceChildren(h('p', { class: 'ok' }, t('admin.deleted', { title: doc.title })));
      await refresh();
    } catch (error) {
      message.replaceChildren(errorBox(error, () => remove(doc)));
    }
  };
  return h('section', { 'aria-labelledby': 'list-heading' },
    h('h2', { id: 'list-heading' }, t('admin.list', { n: docs.length })),
    h('div', { class: 'table-wrap' }, h('table', { class: 'documents' },
      h('thead', null, h('tr', null,
        h('th', { scope: 'col' }, t('admin.col.title')), h('th', { scope: 'col' }, t('doc.number')),
        h('th', { scope: 'col' }, t('doc.issuer')), h('th', { scope: 'col' }, t('doc.date')),
        h('th', { scope: 'col' }, t('admin.col.counts')), h('th', { scope: 'col' }, t('admin.col.actions')))),
      h('tbody', null, docs.map((doc) => h('tr', { dataset: { docId: doc.id } },
        // data-label: the column's name, shown beside each value where rows become cards (phones)
        h('td', { class: 'title' }, link(`/ui/document/${seg(doc.id)}`, doc.title)),
        h('td', { 'data-label': t('doc.number') }, doc.doc_number || ''),
        h('td', { 'data-label': t('doc.issuer') }, doc.issuer || ''),
        h('td', { 'data-label': t('doc.date') }, doc.issued_date || ''),
        h('td', { class: 'num', 'data-label': t('admin.col.counts') }, `${doc.sections} / ${doc.tasks} / ${doc.sentences}`),
        h('td', { class: 'row-actions' },
          h('button', {
            type: 'button', class: 'small',
            onclick: () => download(`/documents/${seg(doc.id)}/original`, doc.source)
              .catch((error) => message.replaceChildren(errorBox(error))),
          }, t('doc.download')),
          h('button', { type: 'button', class: 'small danger', 'aria-label': `${t('admin.delete')} ${doc.title}`,
            onclick: () => remove(doc) }, t('admin.delete')))))))));
}
