// The graph view: a node's neighbourhood drawn with cytoscape.js (vendored, loaded only
// here), expanded on click; a list of the same nodes beside it serves the keyboard and
// screen readers. Labels are drawn on a canvas, never parsed as markup.
import { api } from './api.js';
import { entityName, errorBox } from './common.js';
import { go, h, link, pageTitle, seg } from './dom.js';
import { lang, t } from './i18n.js';

let library = null;
const cytoscapeLibrary = () => {
  library ??= import('../vendor/cytoscape/cytoscape.esm.min.mjs').then((module) => module.default);
  return library;
};

const COLOURS = {
  PolicyDocument: '#1d4ed8', Section: '#6b7280', Task: '#b45309', Sentence: '#9ca3af',
  Institution: '#047857', Programme: '#7c3aed', Place: '#be123c', Target: '#0e7490',
};
const STYLE = [
  {
    selector: 'node',
    style: {
      label: 'data(label)', 'background-color': 'data(colour)', color: '#111827', 'font-size': 11,
      'text-wrap': 'ellipsis', 'text-max-width': 140, 'text-valign': 'bottom', 'text-margin-y': 4,
      width: 22, height: 22, 'text-background-color': '#ffffff', 'text-background-opacity': 0.8,
      'text-background-padding': 1,
    },
  },
  { selector: 'node.center', style: { width: 32, height: 32, 'border-width': 3, 'border-color': '#111827' } },
  { selector: 'node:selected', style: { 'border-width': 3, 'border-color': '#f59e0b' } },
  { selector: 'node.stub', style: { 'background-color': '#d1d5db' } },
  {
    selector: 'edge',
    style: {
      width: 1.5, 'line-color': '#9ca3af', 'target-arrow-color': '#9ca3af', 'target-arrow-shape': 'triangle',
      'curve-style': 'bezier', label: 'data(type)', 'font-size': 8, color: '#4b5563',
      'text-rotation': 'autorotate', 'text-background-color': '#ffffff', 'text-background-opacity': 0.8,
    },
  },
];

const shorten = (text, size = 24) => {
  const points = Array.from(String(text || ''));
  return points.length > size ? `${points.slice(0, size).join('')}…` : points.join('');
};

/** What to call a node in the /cypher shape. */
export function nodeLabel(node) {
  const p = node.properties || {};
  switch (node.labels[0]) {
    case 'Task': return shorten(`${p.number > 0 ? `${p.number}. ` : ''}${p.title || p.path || ''}`);
    case 'Section': return shorten(`${p.label || ''} ${p.title || ''}`);
    case 'PolicyDocument': return shorten(`《${p.title || ''}》`);
    case 'Sentence': case 'Target': return shorten(p.text);
    default: return shorten(lang() === 'en' && p.name_en ? p.name_en : p.name || node.id);
  }
}

/** The page of a node, if it has one. */
export function nodePage(node) {
  const id = seg(node.id);
  switch (node.labels[0]) {
    case 'Task': return `/ui/task/${id}`;
    case 'PolicyDocument': return `/ui/document/${id}`;
    case 'Institution': case 'Programme': case 'Place': case 'Target': return `/ui/entity/${id}`;
    case 'Sentence': return node.properties?.task_id ? `/ui/task/${seg(node.properties.task_id)}` : null;
    default: return null;
  }
}

function whenSized(element) {
  return new Promise((resolve) => {
    if (element.isConnected && element.clientWidth > 0) {
      resolve();
      return;
    }
    const observer = new ResizeObserver(() => {
      if (element.clientWidth > 0) {
        observer.disconnect();
        resolve();
      }
    });
    observer.observe(element);
  });
}

/** A graph box with its node list; `add` takes nodes and relationships in the /cypher shape. */
export async function graphBox({ onExpand } = {}) {
  const cytoscape = await cytoscapeLibrary();
  const canvas = h('div', { class: 'graph-box', role: 'img', 'aria-label': t('graph.title') });
  const listHeading = h('span', { class: 'node-list-title' });
  const list = h('ul', { class: 'node-list' });
  const selected = h('div', { class: 'node-info', 'aria-live': 'polite' });
  const notes = h('p', { class: 'muted small' });
  const element = h('div', { class: 'graph' }, canvas, notes, selected,
    h('details', { class: 'node-details' }, h('summary', null, listHeading), list));
  const nodes = new Map();
  let cy = null;
  const ready = whenSized(canvas).then(() => {
    cy = cytoscape({ container: canvas, elements: [], style: STYLE, minZoom: 0.2, maxZoom: 3 });
    // Leaving the view frees the graph's listeners and canvases (app.js signals it).
    window.addEventListener('policykg:leave', () => cy.destroy(), { once: true });
    cy.on('tap', 'node', (event) => {
      const node = nodes.get(event.target.id());
      if (node) {
        showNode(node);
        if (onExpand) onExpand(node);
      }
    });
    cy.on('dbltap', 'node', (event) => {
      const node = nodes.get(event.target.id());
      const page = node && nodePage(node);
      if (page) go(page);
    });
  });

  function showNode(node) {
    const page = nodePage(node);
    selected.replaceChildren(h('p', null, h('strong', null, t('graph.selected')), ' ',
      h('span', { class: 'chip-kind' }, t(`kind.${node.labels[0]}`) || node.labels[0]), ' ',
      page ? link(page, nodeLabel(node)) : nodeLabel(node)));
  }

  function redrawList() {
    listHeading.textContent = t('graph.nodes', { n: nodes.size });
    element.dataset.nodes = String(nodes.size);
    element.dataset.edges = String(cy ? cy.edges().length : 0);
    list.replaceChildren(...[...nodes.values()].map((node) => {
      const page = nodePage(node);
      return h('li', null,
        h('span', { class: 'chip-kind' }, t(`kind.${node.labels[0]}`)), ' ',
        page ? link(page, nodeLabel(node)) : nodeLabel(node), ' ',
        onExpand && !node.stub ? h('button', { type: 'button', class: 'small', onclick: () => onExpand(node) },
          t('graph.expand')) : null);
    }));
  }

  async function add(newNodes, relationships, { center = null, truncated = false } = {}) {
    await ready;
    if (cy.destroyed()) return; // the view was left while the neighbours were on their way
    const elements = [];
    const addNode = (node, stub = false) => {
      if (nodes.has(node.id)) return;
      nodes.set(node.id, stub ? { ...node, stub: true } : node);
      const kind = node.labels[0];
      elements.push({
        group: 'nodes', classes: stub ? 'stub' : '',
        data: { id: node.id, label: stub ? shorten(node.id, 16) : nodeLabel(node), colour: COLOURS[kind] || '#6b7280' },
      });
    };
    newNodes.forEach((node) => addNode(node));
    for (const rel of relationships) {
      for (const end of [rel.start, rel.end]) if (!nodes.has(end)) addNode({ id: end, labels: ['?'], properties: {} }, true);
      const id = `${rel.start}|${rel.type}|${rel.end}`;
      if (cy.getElementById(id).length === 0 && !elements.some((e) => e.data.id === id)) {
        elements.push({ group: 'edges', data: { id, source: rel.start, target: rel.end, type: rel.type } });
      }
    }
    cy.add(elements);
    if (center) cy.getElementById(center).addClass('center');
    cy.layout({ name: 'cose', animate: false, fit: true, padding: 24, nodeDimensionsIncludeLabels: true }).run();
    if (truncated) notes.textContent = t('graph.truncated');
    redrawList();
  }

  return { element, add, ready };
}

/** The neighbourhood of one node, expanding any node that is clicked. */
export async function neighbourhoodGraph(id) {
  const expanded = new Set();
  const box = await graphBox({
    onExpand: async (node) => {
      if (expanded.has(node.id)) return;
      expanded.add(node.id);
      const more = await api(`/graph/neighbourhood?id=${seg(node.id)}&depth=1&limit=60`);
      await box.add(more.nodes, more.relationships, { truncated: more.truncated });
    },
  });
  expanded.add(id);
  const first = await api(`/graph/neighbourhood?id=${seg(id)}&depth=1&limit=80`);
  box.add(first.nodes, first.relationships, { center: id, truncated: first.truncated })
    .catch((error) => box.element.prepend(errorBox(error)));
  return box.element;
}

/** The graph page: find a node by name, then its neighbourhood. */
export async function graphView(params) {
  const id = params.get('id') || '';
  pageTitle(t('graph.title'));
  const results = h('div', { class: 'find-results', 'aria-live': 'polite' });
  const input = h('input', { id: 'graph-find', name: 'find', type: 'search', autocomplete: 'off' });
  const form = h('form', {
    class: 'inline-form', role: 'search',
    onsubmit: async (event) => {
      event.preventDefault();
      const q = input.value.trim();
      if (!q) return;
      try {
        const page = await api(`/entities?${new URLSearchParams({ q, limit: '20' })}`);
        results.replaceChildren(page.entities.length ? h('ul', { class: 'doc-list' }, page.entities.map((e) => h('li', null,
          link(`/ui/graph?id=${seg(e.id)}`, entityName(e)), h('span', { class: 'muted' }, ` ${t(`kind.${e.label}`)} · ${e.tasks}`))))
          : h('p', { class: 'muted' }, t('search.none')));
      } catch (error) {
        results.replaceChildren(errorBox(error));
      }
    },
  }, h('label', { for: 'graph-find' }, t('graph.find')), input,
  h('button', { type: 'submit' }, t('graph.findButton')));
  const page = h('section', { class: 'page graph-page' }, h('h1', null, t('graph.title')),
    h('p', { class: 'muted' }, t('graph.intro')), form, results);
  if (id) page.append(await neighbourhoodGraph(id));
  return page;
}
