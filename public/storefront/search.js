// As-you-type search: on a listing the results are swapped in place; elsewhere a few suggestions
// appear under the box. Without this script the same form simply submits to /search.
// URLs come from the forms' actions, never written here: the shop may be mounted under a prefix.
const input = document.querySelector('[data-live-search]');
const searchPath = input?.form?.getAttribute('action') ?? '/search';
const filters = document.querySelector('[data-live-filters]');
let timer;
let inflight;

async function fragment(url) {
  inflight?.abort();
  inflight = new AbortController();
  const target = new URL(url, location.href);
  target.searchParams.set('fragment', '1');
  const res = await fetch(target, { signal: inflight.signal, headers: { accept: 'text/html' } });
  if (!res.ok) return null;
  return new DOMParser().parseFromString(await res.text(), 'text/html');
}

function listingUrl() {
  const params = filters ? new URLSearchParams(new FormData(filters)) : new URLSearchParams();
  if (input) {
    if (input.value.trim()) params.set('q', input.value.trim());
    else params.delete('q');
  }
  for (const [key, value] of [...params]) if (value === '') params.delete(key);
  const path = filters ? filters.getAttribute('action') : searchPath;
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

async function updateResults() {
  const url = listingUrl();
  try {
    const doc = await fragment(url);
    const fresh = doc?.getElementById('results');
    const current = document.getElementById('results');
    if (fresh && current) {
      current.replaceWith(fresh);
      history.replaceState(null, '', url);
    }
  } catch {
    // Aborted by a newer keystroke, or offline: the form still works by submitting.
  }
}

async function suggest() {
  const box = document.getElementById('suggestions');
  const q = input.value.trim();
  if (!box) return;
  if (q.length < 2) {
    box.replaceChildren();
    return;
  }
  try {
    const doc = await fragment(`${searchPath}?q=${encodeURIComponent(q)}`);
    const links = doc ? [...doc.querySelectorAll('#results .card > a')].slice(0, 6) : [];
    const list = document.createElement('ul');
    for (const link of links) {
      const item = document.createElement('li');
      const a = document.createElement('a');
      a.href = link.getAttribute('href');
      a.textContent = link.querySelector('.name')?.textContent ?? '';
      item.append(a);
      list.append(item);
    }
    box.replaceChildren(...(links.length ? [list] : []));
  } catch {
    // See above.
  }
}

const onListing = Boolean(filters && document.getElementById('results'));
input?.addEventListener('input', () => {
  clearTimeout(timer);
  timer = setTimeout(onListing ? updateResults : suggest, 250);
});
input?.addEventListener('keydown', (e) => {
  if (e.key === 'Escape') document.getElementById('suggestions')?.replaceChildren();
});
filters?.addEventListener('change', () => {
  clearTimeout(timer);
  timer = setTimeout(updateResults, 150);
});
