// Stripe's Payment Element on the pay page (only when the shop is on Stripe): Stripe.js is loaded
// from js.stripe.com before this module; the form's data attributes carry the publishable key, the
// PaymentIntent's client secret and the page Stripe returns the buyer to. Without JavaScript the
// form stays hidden and the status line says that card payment needs it; the order stays payable.
const form = document.getElementById('stripe-form');
const status = document.getElementById('stripe-status');
const message = document.getElementById('stripe-message');

if (form && typeof globalThis.Stripe === 'function') {
  const stripe = globalThis.Stripe(form.dataset.stripeKey);
  const elements = stripe.elements({ clientSecret: form.dataset.clientSecret });
  const payment = elements.create('payment');
  if (status) status.textContent = status.dataset.loading ?? '';
  payment.on('ready', () => status?.remove());
  payment.mount('#payment-element');
  form.hidden = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    message.textContent = '';
    // On success Stripe redirects to the return page, which shows the payment state from our ledger.
    const { error } = await stripe.confirmPayment({ elements, confirmParams: { return_url: form.dataset.returnUrl } });
    message.textContent = error?.message ?? '';
    button.disabled = false;
  });
} else if (status) {
  // Stripe.js did not load (blocked or offline): say so instead of an empty form.
  status.textContent = status.dataset.unavailable ?? '';
}
