// Building the page from data. Document text is hostile input: every string becomes a text
// node or an attribute value, never markup parsed from a string.

/** An element with properties and children; strings become text nodes. `on*` functions are
 *  listeners; `class`, `dataset` and ARIA/other attributes are set as such. */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else if (key === 'class') {
      el.className = value;
    } else if (key === 'dataset') {
      Object.assign(el.dataset, value);
    } else if (key === 'value' || key === 'checked') {
      el[key] = value;
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

/** A link inside the page: the router draws it without reloading. */
export function link(href, ...children) {
  return h('a', { href, 'data-nav': '' }, ...children);
}

/** `text` with the spans [start, end) (code points, end exclusive, as the API gives them)
 *  wrapped in <mark>. Overlaps are merged; spans outside the text are dropped. */
export function highlighted(text, spans, markProps = () => ({})) {
  const points = Array.from(text);
  const ordered = spans
    .filter((s) => Number.isInteger(s.start) && Number.isInteger(s.end) && s.end > s.start)
    .sort((a, b) => a.start - b.start);
  const fragment = document.createDocumentFragment();
  let at = 0;
  for (const span of ordered) {
    const start = Math.max(span.start, at);
    const end = Math.min(span.end, points.length);
    if (end <= start) continue;
    if (start > at) fragment.append(points.slice(at, start).join(''));
    fragment.append(h('mark', markProps(span), points.slice(start, end).join('')));
    at = end;
  }
  if (at < points.length) fragment.append(points.slice(at).join(''));
  return fragment;
}

/** Encode one path segment of a page address. */
export const seg = (value) => encodeURIComponent(value);

export function pageTitle(text) {
  document.title = text ? `${text} · policykg` : 'policykg';
}

/** Go to an address inside the page (app.js listens); `replace` keeps the history entry. */
export function go(href, { replace = false } = {}) {
  window.dispatchEvent(new CustomEvent('policykg:navigate', { detail: { href, replace } }));
}
