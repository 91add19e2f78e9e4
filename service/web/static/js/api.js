// The JSON API, same origin. The key lives in sessionStorage (this tab only) and travels in
// the X-API-Key header, never in a URL; a 401 asks for it once and retries.
import { t } from './i18n.js';

const KEY = 'policykg.key';

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

export const storedKey = () => sessionStorage.getItem(KEY);

function headers(key, extra = {}) {
  return key ? { ...extra, 'X-API-Key': key } : extra;
}

/** After a 401: true to retry. A key stored since the request left (the user answered the
 * dialog another request opened) is retried without asking again; otherwise ask. */
async function keyForRetry(sentKey) {
  const now = storedKey();
  if (now && now !== sentKey) return true;
  return askForKey(now ? t('key.invalid') : t('key.needed'));
}

let asking = null; // one dialog for every request that meets a 401 at the same time

/** Show the key dialog; resolves true when a key was entered. */
export function askForKey(reason) {
  if (asking) return asking;
  const dialog = document.getElementById('key-dialog');
  const input = document.getElementById('key-input');
  document.getElementById('key-reason').textContent = reason || '';
  input.value = '';
  asking = new Promise((resolve) => {
    const done = (ok) => {
      dialog.removeEventListener('close', onClose);
      asking = null;
      resolve(ok);
    };
    const onClose = () => {
      // A closed dialog keeps no focus: "/" and typing then reach the page, not a hidden input.
      if (document.activeElement === input) input.blur();
      const value = input.value.trim();
      if (dialog.returnValue === 'ok' && value) {
        sessionStorage.setItem(KEY, value);
        done(true);
      } else {
        done(false);
      }
    };
    dialog.addEventListener('close', onClose);
    dialog.returnValue = '';
    dialog.showModal();
    input.focus();
  });
  return asking;
}

export function forgetKey() {
  sessionStorage.removeItem(KEY);
}

async function problemOf(response) {
  try {
    return await response.json();
  } catch {
    return { title: response.statusText, status: response.status };
  }
}

/** Call the API: JSON in (`json`), JSON out (or the Response itself with `raw`). */
export async function api(path, { method = 'GET', json, raw = false, signal } = {}) {
  const sentKey = storedKey();
  const init = { method, headers: headers(sentKey), signal, credentials: 'same-origin' };
  if (json !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(json);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    throw new ApiError(0, { title: t('error.network'), detail: t('error.network') });
  }
  if (response.status === 401 && (await keyForRetry(sentKey))) {
    return api(path, { method, json, raw, signal });
  }
  if (!response.ok) throw new ApiError(response.status, await problemOf(response));
  if (raw) return response;
  return response.status === 204 ? null : response.json();
}

/** Upload a file with progress (fetch reports no upload progress; XHR does). */
export function upload(file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/documents');
    const sentKey = storedKey();
    for (const [name, value] of Object.entries(headers(sentKey))) xhr.setRequestHeader(name, value);
    xhr.upload.addEventListener('progress', (e) => onProgress(e.loaded, e.lengthComputable ? e.total : 0));
    xhr.upload.addEventListener('load', () => onProgress(-1, 0)); // sent: the server works now
    xhr.addEventListener('error', () => reject(new ApiError(0, { detail: t('error.network') })));
    xhr.addEventListener('load', async () => {
      let body;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = { title: xhr.statusText };
      }
      if (xhr.status === 401 && (await keyForRetry(sentKey))) {
        upload(file, onProgress).then(resolve, reject);
      } else if (xhr.status >= 200 && xhr.status < 300) {
        resolve(body);
      } else {
        reject(new ApiError(xhr.status, body));
      }
    });
    const form = new FormData();
    form.append('file', file);
    xhr.send(form);
  });
}

/** Download a key-protected file: fetch it with the key, hand the browser a blob. */
export async function download(path, fallbackName) {
  const response = await api(path, { raw: true });
  const blob = await response.blob();
  const name = fileName(response.headers.get('Content-Disposition')) || fallbackName || 'document';
  const url = URL.createObjectURL(blob);
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = name;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function fileName(disposition) {
  if (!disposition) return null;
  const encoded = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
  if (encoded) {
    try {
      return decodeURIComponent(encoded[1]);
    } catch {
      // fall through to the ASCII name
    }
  }
  const plain = /filename="([^"]*)"/i.exec(disposition);
  return plain ? plain[1] : null;
}

/** A message for an error, in words a person can act on. */
export function describe(error) {
  if (!(error instanceof ApiError)) return String(error && error.message ? error.message : error);
  if (error.status === 403 && error.problem.type && error.problem.type.endsWith('/forbidden')) {
    return `${t('key.admin')} ${error.problem.detail || ''}`.trim();
  }
  if (error.status === 429) return t('error.rate');
  const { title, detail } = error.problem;
  if (title && detail && title !== detail) return `${title}: ${detail}`;
  return detail || title || `HTTP ${error.status}`;
}
