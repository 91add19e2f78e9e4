// The Cypher console: POST /cypher, so it is read-only and limited exactly as the endpoint
// is. Results as a table, and as a graph when nodes or relationships come back.
import { api } from './api.js';
import { errorBox } from './common.js';
import { h, link, pageTitle } from './dom.js';
import { t } from './i18n.js';
import { graphBox, nodeLabel, nodePage } from './graph.js';

// The README's examples, verbatim (a test checks each is still in the README), after one
// that returns nodes and relationships, to show the graph.
export const EXAMPLES = [
  'MATCH (t:Task)-[r:CONCERNS]->(p:Place {name_en: "Shanghai"}) RETURN t, r, p',
  'MATCH (t:Task) WHERE t.number > 0 RETURN count(t);',
  'MATCH (d:PolicyDocument {ingested: true}) RETURN d.title, d.doc_number, d.issued_date;',
  'MATCH (s:Section)-[:HAS_TASK]->(t:Task) RETURN s.label, s.title, count(t) ORDER BY s.label;',
  'MATCH (t:Task)-[:CITES]->(c:PolicyDocument) RETURN c.title, count(t) AS tasks ORDER BY tasks DESC;',
  'MATCH (t:Task)-[:CONCERNS]->(p:Place {name_en: "Shanghai"}) RETURN t.number, t.title ORDER BY t.number;',
  'MATCH (t:Task)-[:ADVANCES]->(p:Programme) RETURN p.name, count(DISTINCT t) AS tasks ORDER BY tasks DESC, p.name LIMIT 20;',
  'MATCH (d:PolicyDocument)-[:CITES]->(c:PolicyDocument) RETURN c.title, c.doc_number, c.ingested, count(DISTINCT d) AS citing ORDER BY citing DESC, c.title LIMIT 20;',
  'MATCH (t:Task)-[:SETS]->(g:Target) RETURN t.path, g.text, g.value_min, g.value_max, g.unit, g.counts ORDER BY t.path, g.text;',
  'MATCH (t:Task)-[:HAS_SENTENCE]->(s:Sentence)-[:MENTIONS]->(p:Programme {name: "双元制"}) RETURN t.number, s.text;',
  'MATCH (t:Task)-[:CONCERNS]->(p:Place)-[:PART_OF*1..3]->(r:Place {name: "长三角"}) RETURN DISTINCT t.path, p.name ORDER BY t.path;',
  'MATCH (t:Task)-[:LED_BY]->(i:Institution) RETURN i.name, count(t) AS tasks ORDER BY tasks DESC, i.name LIMIT 20;',
  'MATCH (t:Task)-[:LED_BY]->(i:Institution) WHERE t.deadline IS NOT NULL RETURN t.path, i.name, t.deadline ORDER BY t.path LIMIT 20;',
  'MATCH (d:PolicyDocument {ingested: true})-[:JURISDICTION]->(p:Place) RETURN d.level, p.name, count(d) AS documents ORDER BY documents DESC, p.name;',
  'MATCH (d:PolicyDocument)-[:JURISDICTION]->(:Place)-[:PART_OF*0..3]->(:Place {name: "江苏"}) RETURN d.title, d.year ORDER BY d.year;',
  'MATCH (t:Task)-[:SETS]->(g:Target) MATCH (d:PolicyDocument) WHERE d.id = t.doc_id AND g.unit = "所" RETURN g.counts, d.title, d.level, g.value_min, g.value_max, g.approximate ORDER BY g.counts, d.title;',
];

const isNode = (v) => v && typeof v === 'object' && Array.isArray(v.labels) && typeof v.id === 'string';
const isRelationship = (v) => v && typeof v === 'object' && typeof v.type === 'string' && 'start' in v && 'end' in v;

function cell(value) {
  if (value === null || value === undefined) return h('span', { class: 'muted' }, 'null');
  if (isNode(value)) {
    const page = nodePage(value);
    const text = `(:${value.labels.join(':')}) ${nodeLabel(value)}`;
    return page ? link(page, text) : text;
  }
  if (isRelationship(value)) return `[:${value.type}]`;
  if (Array.isArray(value)) return value.map((item, i) => [i ? ', ' : '', cell(item)]);
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function collect(value, nodes, relationships) {
  if (isNode(value)) nodes.set(value.id, value);
  else if (isRelationship(value)) relationships.push(value);
  else if (Array.isArray(value)) value.forEach((item) => collect(item, nodes, relationships));
}

function table(result) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'cypher-table' },
    h('caption', null, t('cypher.rows', { n: result.rows.length })),
    h('thead', null, h('tr', null, result.columns.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', null, result.rows.map((row) => h('tr', null, row.map((value) => h('td', null, cell(value))))))));
}

export async function cypherView() {
  pageTitle('Cypher');
  const editor = h('textarea', {
    id: 'cypher-query', name: 'query', rows: 5, spellcheck: 'false', autocomplete: 'off',
    autocapitalize: 'off', class: 'code',
  });
  editor.value = EXAMPLES[1];
  const output = h('div', { id: 'cypher-output', 'aria-live': 'polite' });
  const run = async () => {
    output.replaceChildren(h('p', { class: 'muted' }, t('loading')));
    try {
      const result = await api('/cypher', { method: 'POST', json: { query: editor.value, parameters: {} } });
      const nodes = new Map();
      const relationships = [];
      result.rows.forEach((row) => row.forEach((value) => collect(value, nodes, relationships)));
      output.replaceChildren(result.rows.length ? table(result) : h('p', { class: 'muted' }, t('cypher.empty')));
      if (nodes.size || relationships.length) {
        const box = await graphBox();
        output.append(h('h2', null, t('cypher.graph')), box.element);
        await box.add([...nodes.values()], relationships);
      }
    } catch (error) {
      output.replaceChildren(errorBox(error));
    }
  };
  editor.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      run();
    }
  });
  const examples = h('select', {
    id: 'cypher-examples',
    onchange: (event) => {
      if (event.target.value !== '') editor.value = EXAMPLES[Number(event.target.value)];
      editor.focus();
    },
  }, EXAMPLES.map((query, i) => h('option', { value: String(i), selected: i === 1 }, query)));
  return h('section', { class: 'page cypher-page' },
    h('h1', null, t('cypher.title')),
    h('p', { class: 'muted' }, t('cypher.intro')),
    h('form', {
      class: 'cypher-form',
      onsubmit: (event) => {
        event.preventDefault();
        run();
      },
    },
    h('label', { for: 'cypher-examples' }, t('cypher.examples')), examples,
    h('label', { for: 'cypher-query' }, t('cypher.query')), editor,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', id: 'cypher-run' }, t('cypher.run')))),
    output);
}
