// Chinese by default, English on request; the choice is kept in this browser.

const STRINGS = {
  zh: {
    skip: '跳到正文',
    'nav.label': '主导航', 'nav.search': '检索', 'nav.documents': '文档', 'nav.graph': '图谱',
    'nav.cypher': 'Cypher',
    'key.button': '密钥', 'key.title': '请输入 API 密钥',
    'key.label': 'API 密钥（只保存在本浏览器标签页）', 'key.save': '确定', 'key.forget': '清除密钥',
    'key.needed': '服务器需要 API 密钥。', 'key.invalid': '密钥无效，请重新输入。',
    'key.admin': '此操作需要管理员密钥。', 'key.change': '更换密钥', 'key.stored': '已保存密钥',
    cancel: '取消', 'confirm.yes': '删除', loading: '加载中…', error: '出错了',
    'search.label': '问题（中文或英文）', 'search.placeholder': '例如：哪些工作涉及上海合作',
    'search.button': '检索', 'search.filters': '筛选', 'search.document': '文档',
    'search.year': '年份', 'search.issuer': '发文机关', 'search.place': '地点', 'search.any': '全部',
    'search.pageSize': '每页', 'search.clear': '清除筛选',
    'search.intro': '用中文或英文提问，查看每一项相关工作及其依据原文。',
    'search.took': '检索用时 {ms} 毫秒', 'search.none': '没有找到相关工作。',
    'search.listing': '全部 {total} 项：涉及 {names}',
    'search.range': '第 {from}–{to} 项，共 {total} 项', 'search.ranked': '按相关度排序，第 {from}–{to} 项',
    'search.prev': '上一页', 'search.next': '下一页', 'search.pager': '分页', 'search.page': '第 {n} 页',
    'search.results': '检索结果',
    'result.item': '第 {n} 项', 'result.prose': '正文', 'result.matched': '命中方式',
    'result.evidence': '依据', 'channel.dense': '语义', 'channel.lexical': '关键词', 'channel.entity': '实体',
    'kind.Programme': '项目', 'kind.Institution': '机构', 'kind.Place': '地点', 'kind.Target': '目标',
    'kind.PolicyDocument': '文件', 'kind.Task': '任务', 'kind.Section': '章节', 'kind.Sentence': '句子',
    'doc.number': '文号', 'doc.issuer': '发文机关', 'doc.date': '日期', 'doc.notice': '通知标题',
    'doc.counts': '{sections} 个章节 · {tasks} 项工作 · {sentences} 个句子',
    'doc.outline': '目录', 'doc.cites': '引用的文件', 'doc.citedBy': '被以下文件引用',
    'doc.download': '下载原文', 'doc.sentTo': '主送', 'doc.copiedTo': '抄送', 'doc.issuedBy': '发文',
    'doc.notIngested': '此文件只被引用，尚未导入。', 'doc.none': '无', 'doc.source': '文件',
    'task.text': '全文', 'task.context': '关联', 'task.graph': '关系图', 'task.lead': '牵头单位',
    'task.deadline': '完成时限', 'task.section': '章节',
    'entity.tasks': '关联的工作（{n} 项）', 'entity.documents': '关联的文件', 'entity.aliases': '别名',
    'entity.via': '关系',
    'graph.title': '图谱', 'graph.intro': '输入名称查找节点，点击节点展开其邻居，双击打开其页面。',
    'graph.find': '查找节点', 'graph.findButton': '查找', 'graph.nodes': '图中的节点（{n}）',
    'graph.expand': '展开', 'graph.open': '打开', 'graph.truncated': '节点过多，只显示了一部分。',
    'graph.selected': '选中的节点', 'graph.open.full': '在图谱页打开',
    'cypher.title': 'Cypher 控制台', 'cypher.intro': '只读查询：与 POST /cypher 相同的限制。',
    'cypher.examples': '示例', 'cypher.query': '查询', 'cypher.run': '运行（Ctrl+Enter）',
    'cypher.rows': '{n} 行', 'cypher.empty': '没有结果。', 'cypher.graph': '图形',
    'admin.title': '文档', 'admin.upload': '上传文档（需要管理员密钥）', 'admin.file': '文件',
    'admin.uploadButton': '上传', 'admin.sending': '正在上传… {pct}%', 'admin.processing': '服务器正在处理…',
    'admin.created': '已导入：{title}（{tasks} 项工作）', 'admin.replaced': '已更新：{title}（{tasks} 项工作）',
    'admin.delete': '删除', 'admin.confirm': '确定删除《{title}》？它的章节、工作、句子和向量都会被删除。',
    'admin.deleted': '已删除：{title}', 'admin.list': '已导入的文档（{n}）',
    'admin.col.title': '标题', 'admin.col.counts': '章节 / 工作 / 句子', 'admin.col.actions': '操作',
    'admin.pick': '请选择一个文件。',
    'error.rate': '请求过多，请稍候再试。', 'error.network': '无法连接服务器。',
    'notfound': '没有这个页面。',
  },
  en: {
    skip: 'Skip to content',
    'nav.label': 'Main', 'nav.search': 'Search', 'nav.documents': 'Documents', 'nav.graph': 'Graph',
    'nav.cypher': 'Cypher',
    'key.button': 'Key', 'key.title': 'Enter an API key',
    'key.label': 'API key (kept in this browser tab only)', 'key.save': 'OK', 'key.forget': 'Forget key',
    'key.needed': 'The server needs an API key.', 'key.invalid': 'That key is not valid; enter another.',
    'key.admin': 'This needs an admin key.', 'key.change': 'Change key', 'key.stored': 'Key saved',
    cancel: 'Cancel', 'confirm.yes': 'Delete', loading: 'Loading…', error: 'Error',
    'search.label': 'Question (Chinese or English)', 'search.placeholder': 'e.g. which items involve Shanghai cooperation',
    'search.button': 'Search', 'search.filters': 'Filters', 'search.document': 'Document',
    'search.year': 'Year', 'search.issuer': 'Issuer', 'search.place': 'Place', 'search.any': 'Any',
    'search.pageSize': 'Per page', 'search.clear': 'Clear filters',
    'search.intro': 'Ask in Chinese or English; see every matching item and the sentences that prove it.',
    'search.took': 'Search took {ms} ms', 'search.none': 'No matching items.',
    'search.listing': 'All {total} items about {names}',
    'search.range': 'Items {from}–{to} of {total}', 'search.ranked': 'By relevance, items {from}–{to}',
    'search.prev': 'Previous', 'search.next': 'Next', 'search.pager': 'Pages', 'search.page': 'Page {n}',
    'search.results': 'Results',
    'result.item': 'Item {n}', 'result.prose': 'Prose', 'result.matched': 'Matched by',
    'result.evidence': 'Evidence', 'channel.dense': 'meaning', 'channel.lexical': 'words', 'channel.entity': 'entity',
    'kind.Programme': 'Programme', 'kind.Institution': 'Institution', 'kind.Place': 'Place', 'kind.Target': 'Target',
    'kind.PolicyDocument': 'Document', 'kind.Task': 'Task', 'kind.Section': 'Section', 'kind.Sentence': 'Sentence',
    'doc.number': 'Number', 'doc.issuer': 'Issuer', 'doc.date': 'Date', 'doc.notice': 'Notice title',
    'doc.counts': '{sections} sections · {tasks} items · {sentences} sentences',
    'doc.outline': 'Outline', 'doc.cites': 'Cites', 'doc.citedBy': 'Cited by',
    'doc.download': 'Download the original', 'doc.sentTo': 'Sent to', 'doc.copiedTo': 'Copied to', 'doc.issuedBy': 'Issued by',
    'doc.notIngested': 'This document is only cited; it has not been ingested.', 'doc.none': 'none', 'doc.source': 'File',
    'task.text': 'Text', 'task.context': 'Linked', 'task.graph': 'Graph', 'task.lead': 'Lead',
    'task.deadline': 'Deadline', 'task.section': 'Section',
    'entity.tasks': 'Linked items ({n})', 'entity.documents': 'Linked documents', 'entity.aliases': 'Aliases',
    'entity.via': 'via',
    'graph.title': 'Graph', 'graph.intro': 'Find a node by name; click a node to expand its neighbours, double-click to open its page.',
    'graph.find': 'Find a node', 'graph.findButton': 'Find', 'graph.nodes': 'Nodes in the graph ({n})',
    'graph.expand': 'Expand', 'graph.open': 'Open', 'graph.truncated': 'Too many nodes: only some are shown.',
    'graph.selected': 'Selected node', 'graph.open.full': 'Open in the graph view',
    'cypher.title': 'Cypher console', 'cypher.intro': 'Read-only queries, limited exactly as POST /cypher.',
    'cypher.examples': 'Examples', 'cypher.query': 'Query', 'cypher.run': 'Run (Ctrl+Enter)',
    'cypher.rows': '{n} rows', 'cypher.empty': 'No rows.', 'cypher.graph': 'As a graph',
    'admin.title': 'Documents', 'admin.upload': 'Upload a document (admin key)', 'admin.file': 'File',
    'admin.uploadButton': 'Upload', 'admin.sending': 'Uploading… {pct}%', 'admin.processing': 'The server is processing it…',
    'admin.created': 'Ingested: {title} ({tasks} items)', 'admin.replaced': 'Updated: {title} ({tasks} items)',
    'admin.delete': 'Delete', 'admin.confirm': 'Delete “{title}”? Its sections, items, sentences and vectors will be removed.',
    'admin.deleted': 'Deleted: {title}', 'admin.list': 'Ingested documents ({n})',
    'admin.col.title': 'Title', 'admin.col.counts': 'Sections / items / sentences', 'admin.col.actions': 'Actions',
    'admin.pick': 'Choose a file first.',
    'error.rate': 'Too many requests; wait a moment.', 'error.network': 'Cannot reach the server.',
    'notfound': 'No such page.',
  },
};

const STORAGE = 'policykg.lang';
let current = localStorage.getItem(STORAGE) === 'en' ? 'en' : 'zh';

export const lang = () => current;

export function setLang(value) {
  current = value === 'en' ? 'en' : 'zh';
  localStorage.setItem(STORAGE, current);
  applyStatic();
}

/** The string for `key` in the current language, `{name}` filled from `vars`. */
export function t(key, vars = {}) {
  const text = STRINGS[current][key] ?? STRINGS.zh[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ''));
}

/** Translate the page shell (elements with data-i18n / data-i18n-label). */
export function applyStatic() {
  document.documentElement.lang = current === 'en' ? 'en' : 'zh-CN';
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll('[data-i18n-label]')) {
    el.setAttribute('aria-label', t(el.dataset.i18nLabel));
  }
  const toggle = document.getElementById('lang-toggle');
  if (toggle) {
    toggle.textContent = current === 'en' ? '中文' : 'English';
    toggle.lang = current === 'en' ? 'zh-CN' : 'en';
  }
}
