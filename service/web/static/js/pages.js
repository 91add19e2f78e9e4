// Task, document and entity pages, each from one API call (and the cached document list).
import { api, download } from './api.js';
import {
  contextChips, documentById, documentLine, entityName, errorBox, taskLabel,
} from './common.js';
import { h, link, pageTitle, seg } from './dom.js';
import { t } from './i18n.js';

function facts(rows) {
  const list = h('dl', { class: 'facts' });
  for (const [label, value] of rows) {
    if (value === null || value === undefined || value === '' || (Array.isArray(value) && !value.length)) continue;
    list.append(h('dt', null, label), h('dd', null, value));
  }
  return list;
}

/** A graph panel that loads the graph library only when drawn (it is most of the page's
 *  weight), so the search page stays small. */
function graphPanel(id) {
  const box = h('div', { class: 'graph-panel' }, h('p', { class: 'muted' }, t('loading')));
  import('./graph.js')
    .then((graph) => graph.neighbourhoodGraph(id).then((panel) => box.replaceChildren(panel)))
    .catch((error) => box.replaceChildren(errorBox(error)));
  return h('section', { 'aria-labelledby': 'graph-heading' },
    h('h2', { id: 'graph-heading' }, t('task.graph')), box,
    h('p', null, link(`/ui/graph?id=${seg(id)}`, t('graph.open.full'))));
}

export async function taskView(id) {
  const detail = await api(`/tasks/${seg(id)}`);
  const { task } = detail;
  const doc = (await documentById(task.document.id)) || task.document;
  pageTitle(task.title);
  return h('article', { class: 'page task-page' },
    h('p', { class: 'kicker' }, h('span', { class: 'task-number' }, taskLabel(task)), ' ',
      h('span', { class: 'task-path' }, task.path)),
    h('h1', null, task.title || task.path),
    documentLine(doc, doc.issuer ? [h('span', null, doc.issuer)] : []),
    facts([[t('task.section'), task.section ? task.section.title : null],
      [t('task.lead'), task.lead], [t('task.deadline'), task.deadline]]),
    h('h2', null, t('task.text')),
    h('p', { class: 'task-text full' }, task.text),
    contextChips(detail.context) ? [h('h2', null, t('task.context')), contextChips(detail.context)] : null,
    graphPanel(task.id));
}

/** The outline as a tree in document order: sections nest by path, each task hangs under
 *  its section, and siblings keep the order the document prints them in. */
function outlineTree(sections, tasks) {
  const nodes = new Map();
  const root = { children: [] };
  sections.forEach((section, index) => {
    nodes.set(section.path, { section, order: index, first: Infinity, children: [] });
  });
  const parentOf = (path) => {
    const cut = path.lastIndexOf('/');
    return cut > 0 ? nodes.get(path.slice(0, cut)) || root : root;
  };
  for (const node of nodes.values()) parentOf(node.section.path).children.push(node);
  tasks.forEach((task, index) => {
    const parent = parentOf(task.path);
    parent.children.push({ task, first: index, order: -1 });
    for (let p = parent; p && p.section; p = parentOf(p.section.path)) p.first = Math.min(p.first, index);
  });
  const draw = (node) => {
    const items = [...node.children].sort((a, b) => a.first - b.first || a.order - b.order);
    return h('ul', null, items.map((child) => (child.task
      ? h('li', { class: 'outline-task' },
        link(`/ui/task/${seg(child.task.id)}`, h('span', { class: 'task-number' }, taskLabel(child.task)), ' ',
          child.task.title || child.task.path),
        child.task.lead ? h('span', { class: 'muted' }, ` · ${t('task.lead')}：${child.task.lead}`) : null)
      : h('li', { class: 'outline-section' },
        h('span', { class: 'section-title' }, `${child.section.label}、${child.section.title}`),
        child.children.length ? draw(child) : null))));
  };
  return h('nav', { class: 'outline', 'aria-labelledby': 'outline-heading' },
    h('h2', { id: 'outline-heading' }, t('doc.outline')), draw(root));
}

function docList(docs) {
  if (!docs.length) return h('p', { class: 'muted' }, t('doc.none'));
  return h('ul', { class: 'doc-list' }, docs.map((d) => h('li', null,
    link(`/ui/document/${seg(d.id)}`, `《${d.title}》`), d.doc_number ? ` ${d.doc_number}` : '')));
}

function institutions(list) {
  if (!list.length) return null;
  return h('span', { class: 'inline-list' }, list.map((i, n) => [n ? '、' : '',
    link(`/ui/entity/${seg(i.id)}`, i.name)]));
}

export async function documentView(id) {
  const detail = await api(`/documents/${seg(id)}`);
  const doc = detail.document;
  pageTitle(doc.title);
  const status = h('p', { class: 'status', role: 'status' });
  const actions = doc.ingested ? h('p', { class: 'actions' }, h('button', {
    type: 'button', id: 'download-original',
    onclick: () => download(`/documents/${seg(doc.id)}/original`, doc.source)
      .catch((error) => status.replaceChildren(errorBox(error))),
  }, t('doc.download')), status) : h('p', { class: 'muted' }, t('doc.notIngested'));
  return h('article', { class: 'page document-page' },
    h('p', { class: 'kicker' }, t('kind.PolicyDocument')),
    h('h1', null, doc.title),
    facts([
      [t('doc.notice'), doc.notice_title], [t('doc.number'), doc.doc_number],
      [t('doc.issuer'), doc.issuer], [t('doc.date'), doc.issued_date], [t('doc.source'), doc.source],
      [t('doc.issuedBy'), institutions(detail.institutions.issued_by)],
      [t('doc.sentTo'), institutions(detail.institutions.sent_to)],
      [t('doc.copiedTo'), institutions(detail.institutions.copied_to)],
    ]),
    doc.ingested ? h('p', { class: 'muted' }, t('doc.counts', doc)) : null,
    actions,
    doc.ingested ? outlineTree(detail.sections, detail.tasks) : null,
    h('section', { class: 'citations' },
      h('div', null, h('h2', null, t('doc.cites')), docList(detail.cites)),
      h('div', null, h('h2', null, t('doc.citedBy')), docList(detail.cited_by))),
    h('p', null, link(`/ui/graph?id=${seg(doc.id)}`, t('graph.open.full'))));
}

function targetFacts(properties) {
  if (properties.value_min == null && properties.value_max == null) return null;
  const low = properties.value_min ?? '';
  const high = properties.value_max ?? '';
  const range = low === high ? String(low) : `${low}–${high}`;
  return `${properties.approximate ? '≈' : ''}${range} ${properties.unit || ''} ${properties.counts || ''}`.trim();
}

export async function entityView(id) {
  const detail = await api(`/entities/${seg(id)}`);
  const { entity } = detail;
  pageTitle(entityName(entity));
  const byDocument = new Map();
  for (const task of detail.tasks) {
    if (!byDocument.has(task.doc_id)) byDocument.set(task.doc_id, { title: task.document_title, tasks: [] });
    byDocument.get(task.doc_id).tasks.push(task);
  }
  const groups = [];
  for (const [docId, group] of byDocument) {
    const doc = (await documentById(docId)) || { id: docId, title: group.title };
    groups.push(h('section', { class: 'task-group' },
      h('h3', null, link(`/ui/document/${seg(docId)}`, `《${doc.title}》`)),
      doc.doc_number || doc.issued_date ? h('p', { class: 'muted' }, [doc.doc_number, doc.issued_date].filter(Boolean).join(' · ')) : null,
      h('ul', { class: 'linked-tasks' }, group.tasks.map((task) => h('li', null,
        link(`/ui/task/${seg(task.id)}`, h('span', { class: 'task-number' }, taskLabel(task)), ' ',
          task.title || task.path),
        h('span', { class: 'muted' }, ` ${task.path} · ${t('entity.via')} ${task.relations.join(', ')}`))))));
  }
  return h('article', { class: 'page entity-page' },
    h('p', { class: 'kicker' }, t(`kind.${entity.label}`)),
    h('h1', null, entityName(entity)),
    facts([
      ['English', entity.name_en], [t('entity.aliases'), entity.aliases.join('、')],
      [t('kind.Target'), entity.label === 'Target' ? targetFacts(entity.properties) : null],
    ]),
    h('h2', null, t('entity.tasks', { n: detail.tasks.length })),
    groups.length ? groups : h('p', { class: 'muted' }, t('doc.none')),
    detail.documents.length ? [h('h2', null, t('entity.documents')), h('ul', { class: 'doc-list' },
      detail.documents.map((d) => h('li', null, link(`/ui/document/${seg(d.id)}`, `《${d.title}》`),
        h('span', { class: 'muted' }, ` ${d.relations.join(', ')}`))))] : null,
    graphPanel(entity.id));
}
