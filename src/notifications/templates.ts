import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { escapeHtml } from '../web/html.js';

/** The templates shipped with the engine (templates/mail at the package root). */
export const BUILT_IN_TEMPLATES = fileURLToPath(new URL('../../templates/mail/', import.meta.url));

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

type Context = Record<string, unknown>;

/**
 * A deliberately small Mustache subset, so a shop can edit its templates without code:
 * `{{path.to.value}}` (HTML-escaped in .html files), `{{#name}}…{{/name}}` repeats for each item
 * of a list, or renders once when the value is present and not false/0/empty, with the value's
 * fields in scope; `{{^name}}…{{/name}}` renders when it is absent.
 */
export function renderTemplate(template: string, context: Context, escape: boolean): string {
  let prepared = preparedTemplates.get(template);
  if (prepared === undefined) {
    // A section tag alone on its line takes the line with it, so lists render without blank lines.
    prepared = template.replace(/^[ \t]*(\{\{[#^/][^}]*\}\})[ \t]*\r?\n/gm, '$1');
    if (preparedTemplates.size < 100) preparedTemplates.set(template, prepared);
  }
  return renderIn(prepared, [context], escape);
}

/** Templates as renderIn takes them, by their text (a shop has a few dozen). */
const preparedTemplates = new Map<string, string>();

function lookup(stack: Context[], path: string): unknown {
  if (path === '.') return stack[0] !== null && typeof stack[0] === 'object' && '.' in stack[0] ? stack[0]['.'] : stack[0];
  const [head, ...rest] = path.split('.');
  for (const scope of stack) {
    if (scope !== null && typeof scope === 'object' && head! in scope) {
      let value: unknown = scope[head!];
      for (const key of rest) value = value !== null && typeof value === 'object' ? (value as Context)[key] : undefined;
      return value;
    }
  }
  return undefined;
}

const SECTION = /\{\{([#^])\s*([\w.]+)\s*\}\}([\s\S]*?)\{\{\/\s*\2\s*\}\}/g;
const VARIABLE = /\{\{\s*([\w.]+|\.)\s*\}\}/g;

function truthy(value: unknown): boolean {
  return Array.isArray(value) ? value.length > 0 : value !== undefined && value !== null && value !== false && value !== 0 && value !== '';
}

function renderIn(template: string, stack: Context[], escape: boolean): string {
  const sections = template.replace(SECTION, (_m, kind: string, name: string, body: string) => {
    const value = lookup(stack, name);
    if (kind === '^') return truthy(value) ? '' : renderIn(body, stack, escape);
    if (!truthy(value)) return '';
    const items = Array.isArray(value) ? value : [value];
    return items.map((item) => renderIn(body, [typeof item === 'object' && item !== null ? (item as Context) : { '.': item }, ...stack], escape)).join('');
  });
  return sections.replace(VARIABLE, (_m, name: string) => {
    const value = lookup(stack, name);
    const text = value === undefined || value === null ? '' : String(value);
    return escape ? escapeHtml(text) : text;
  });
}

/**
 * Loads `<name>.txt` (first line `Subject: …`, a blank line, then the text body) and `<name>.html`
 * from `dir` (MAIL_TEMPLATES), falling back file by file to the built-in ones.
 */
export class TemplateStore {
  private readonly cache = new Map<string, Promise<string>>();
  constructor(private readonly dir: string | undefined = process.env.MAIL_TEMPLATES || undefined) {}

  private load(file: string): Promise<string> {
    let text = this.cache.get(file);
    if (!text) {
      const override = this.dir;
      text = (override ? readFile(join(override, file), 'utf8').catch(() => readFile(join(BUILT_IN_TEMPLATES, file), 'utf8')) : readFile(join(BUILT_IN_TEMPLATES, file), 'utf8'));
      text.catch(() => this.cache.delete(file));
      this.cache.set(file, text);
    }
    return text;
  }

  async render(name: string, context: Context): Promise<RenderedMail> {
    if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`bad template name ${name}`);
    const [textFile, htmlFile] = await Promise.all([this.load(`${name}.txt`), this.load(`${name}.html`)]);
    const match = /^Subject:[ \t]*(.*)\r?\n\r?\n?/.exec(textFile);
    if (!match) throw new Error(`template ${name}.txt must start with a "Subject:" line`);
    return {
      subject: renderTemplate(match[1]!, context, false).replace(/[\r\n]+/g, ' ').trim(),
      text: renderTemplate(textFile.slice(match[0].length), context, false),
      html: renderTemplate(htmlFile, context, true),
    };
  }
}
