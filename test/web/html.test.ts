import { describe, expect, it } from 'vitest';
import { html, jsonForScript, raw } from '../../src/web/html.js';

describe('html template layer', () => {
  it('escapes interpolated text and attributes', () => {
    const name = '<script>alert(1)</script>"\'&';
    expect(html`<p title="${name}">${name}</p>`.value).toBe(
      '<p title="&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;">&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;</p>',
    );
  });
  it('keeps nested templates and raw markup, joins lists, drops null and booleans', () => {
    const items = ['a<', 'b'].map((x) => html`<li>${x}</li>`);
    expect(html`<ul>${items}</ul>${null}${false}${raw('<hr>')}${3}`.value).toBe('<ul><li>a&lt;</li><li>b</li></ul><hr>3');
  });
  it('makes JSON safe inside a script element', () => {
    expect(jsonForScript({ name: '</script><script>x' }).value).toBe('{"name":"\\u003c/script>\\u003cscript>x"}');
  });
});
