import { csrfInput } from '../web/csrf.js';
import { html, type SafeHtml } from '../web/html.js';
import type { PageContext } from './context.js';
import { formErrors, layout, notice } from './layout.js';
import { t } from './strings.js';

export function forgotPasswordPage(ctx: PageContext, state: { sent?: boolean; email?: string; errors?: string[] } = {}): SafeHtml {
  return layout(ctx, {
    title: t.forgotTitle,
    canonical: '/forgot-password',
    body: html`<h1>${t.forgotTitle}</h1>
${notice(state.sent ? t.resetSent : null)}
${formErrors(state.errors ?? [])}
<p>${t.forgotIntro}</p>
<form method="post" action="/forgot-password" class="stack narrow">
${csrfInput(ctx.csrf)}
<label for="email">${t.email}</label><input id="email" name="email" type="email" value="${state.email ?? ''}" autocomplete="email" required maxlength="254">
<button type="submit" class="primary">${t.sendResetCode}</button>
</form>
<p><a href="/reset-password">${t.haveCode}</a></p>
<p><a href="/signin">${t.backToSignIn}</a></p>`,
  });
}

/** The code field is prefilled from the email's link and can be typed from the email instead. */
function codeField(token: string): SafeHtml {
  return html`<label for="token">${t.emailCode}</label><input id="token" name="token" value="${token}" autocomplete="one-time-code" required minlength="20" maxlength="100" pattern="[A-Za-z0-9_\\-]+" spellcheck="false" aria-describedby="token-hint">
<p id="token-hint" class="muted">${t.emailCodeHint}</p>`;
}

export function resetPasswordPage(ctx: PageContext, token: string, errors: string[] = []): SafeHtml {
  return layout(ctx, {
    title: t.resetTitle,
    noindex: true,
    body: html`<h1>${t.resetTitle}</h1>
${formErrors(errors)}
<form method="post" action="/reset-password" class="stack narrow">
${csrfInput(ctx.csrf)}
${codeField(token)}
<label for="password">${t.newPassword}</label><input id="password" name="password" type="password" autocomplete="new-password" required minlength="8" maxlength="200" aria-describedby="password-hint">
<p id="password-hint" class="muted">${t.passwordHint}</p>
<button type="submit" class="primary">${t.setPassword}</button>
</form>
<p><a href="/forgot-password">${t.newCode}</a></p>`,
  });
}

export function confirmEmailPage(ctx: PageContext, state: { token?: string; confirmed?: boolean; errors?: string[] } = {}): SafeHtml {
  return layout(ctx, {
    title: t.confirmTitle,
    noindex: true,
    body: state.confirmed
      ? html`<h1>${t.confirmTitle}</h1>${notice(t.emailConfirmed)}<p><a href="/">${t.continueShopping}</a></p>`
      : html`<h1>${t.confirmTitle}</h1>
${formErrors(state.errors ?? [])}
<p>${t.confirmIntro}</p>
<form method="post" action="/confirm-email" class="stack narrow">
${csrfInput(ctx.csrf)}
${codeField(state.token ?? '')}
<button type="submit" class="primary">${t.confirmEmail}</button>
</form>`,
  });
}
