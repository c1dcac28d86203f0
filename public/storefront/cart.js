// Cart updates without a reload: forms marked data-enhance are sent with fetch and the page's main
// part is replaced by the answer (the same page a browser without script gets after the redirect).
async function send(form) {
  const res = await fetch(form.action, {
    method: 'POST',
    body: new URLSearchParams(new FormData(form)),
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
  });
  const url = new URL(res.url);
  // Sent elsewhere (to sign in, say): go there like a normal submit would.
  if (url.pathname !== location.pathname) {
    location.assign(res.url);
    return;
  }
  const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
  const main = doc.getElementById('main');
  if (!main) {
    location.assign(res.url);
    return;
  }
  document.getElementById('main').replaceChildren(...main.childNodes);
  const count = doc.querySelector('[data-cart-count]')?.parentElement;
  const current = document.querySelector('[data-cart-count]')?.parentElement;
  if (count && current) current.replaceWith(count);
  history.replaceState(null, '', url.pathname + url.search);
  const message = document.querySelector('#main [role=alert], #main [role=status]');
  if (message) {
    message.setAttribute('tabindex', '-1');
    message.focus();
  }
}

document.addEventListener('submit', (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-enhance')) return;
  event.preventDefault();
  send(form).catch(() => form.submit());
});

document.addEventListener('change', (event) => {
  const input = event.target;
  if (input instanceof HTMLInputElement && input.hasAttribute('data-autosubmit')) input.form?.requestSubmit();
});
