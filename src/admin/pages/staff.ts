import type { FastifyInstance } from 'fastify';
import { ForbiddenError } from '../../auth/service.js';
import { csrfInput } from '../../web/csrf.js';
import { field, formOf } from '../../web/form.js';
import { html } from '../../web/html.js';
import { redirectAfterPost } from '../../web/page.js';
import * as v from '../../validate.js';
import { guard, PAGE, param, pathId, render, type AdminContext } from '../context.js';
import { notice, when } from '../layout.js';

const PANEL_ROLES = ['admin', 'staff'] as const;

/** Staff management (admins only): who may use the panel, with which role. */
export function staffPages(scope: FastifyInstance, ctx: AdminContext): void {
  scope.get('/staff', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply, 'admin');
    if (!staff) return reply;
    const people = await ctx.queries.staff();
    const body = html`
      ${notice(param(request, 'done'))}
      <div class="scroll" tabindex="0"><table>
        <caption class="sr">Staff accounts</caption>
        <thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Since</th><th scope="col">Role</th></tr></thead>
        <tbody>${people.map(
          (p) => html`<tr><td>${p.name}</td><td>${p.email}</td><td>${when(p.createdAt)}</td><td>${
            p.id === staff.customerId
              ? html`${p.role} (you)`
              : html`<form method="post" action="/admin/staff/${p.id}/role" class="row">${csrfInput(staff.csrf)}
                  <label for="role-${p.id}" class="sr">Role of ${p.email}</label>
                  <select id="role-${p.id}" name="role">${[...PANEL_ROLES, 'customer'].map(
                    (r) => html`<option value="${r}"${r === p.role ? html` selected` : ''}>${r === 'customer' ? 'no panel access' : r}</option>`,
                  )}</select><button type="submit">Change role</button></form>`
          }</td></tr>`,
        )}</tbody>
      </table></div>
      <h2>Add a staff member</h2>
      <form method="post" action="/admin/staff" class="card stack">
        ${csrfInput(staff.csrf)}
        <p><label for="email">Email</label><input id="email" name="email" type="email" required></p>
        <p><label for="name">Name</label><input id="name" name="name" required maxlength="200"></p>
        <p><label for="password">Password</label><input id="password" name="password" type="password" minlength="8" required autocomplete="new-password"></p>
        <p><label for="role">Role</label><select id="role" name="role"><option value="staff">staff (orders, customers, stock)</option><option value="admin">admin (everything)</option></select></p>
        <p><button type="submit">Add staff member</button></p>
      </form>`;
    return render(ctx, request, reply, staff, { title: 'Staff', section: 'staff', body });
  });

  scope.post('/staff', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply, 'admin');
    if (!staff) return reply;
    const form = formOf(request.body);
    const created = await ctx.auth.createAdmin({
      email: field(form, 'email'),
      name: field(form, 'name'),
      password: field(form, 'password'),
      role: v.oneOf(field(form, 'role'), 'role', PANEL_ROLES),
    });
    return redirectAfterPost(reply, `/admin/staff?done=${encodeURIComponent(`Added ${created.email}`)}`);
  });

  scope.post('/staff/:id/role', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply, 'admin');
    if (!staff) return reply;
    const id = pathId(request);
    // An admin cannot lock themselves out (and so the shop always keeps one admin).
    if (id === staff.customerId) throw new ForbiddenError('You cannot change your own role');
    const role = v.oneOf(field(formOf(request.body), 'role'), 'role', ['admin', 'staff', 'customer'] as const);
    await ctx.queries.setRole(id, role);
    return redirectAfterPost(reply, `/admin/staff?done=${encodeURIComponent('Role changed')}`);
  });
}
