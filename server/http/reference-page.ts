/**
 * The API reference for people: the OpenAPI document rendered once, on the server, as a page
 * with no script at all. Its CSP allows nothing but its own inline style (by hash), so
 * nothing in the document, which is ours, and nothing injected could run or load.
 */
import { hash } from 'node:crypto';

type Json = Record<string, unknown>;

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
/** Text with `code` spans; everything else escaped. */
const prose = (s: string) =>
  escape(s)
    .split(/\n\n+/)
    .map((p) => `<p>${p.replace(/`([^`]+)`/g, '<code>$1</code>')}</p>`)
    .join('');

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:0 auto;padding:1rem;color:#1b1b1b}
h1{font-size:1.6rem}h2{margin-top:2.5rem;border-bottom:1px solid #ccc}
h3{font-size:1.05rem;margin:2rem 0 .3rem}code{font:13px ui-monospace,monospace;background:#f2f2f2;padding:0 .2em}
.m{display:inline-block;min-width:3.5em;font:bold 12px ui-monospace,monospace;color:#fff;background:#2457a6;padding:.15em .4em;border-radius:3px;text-align:center}
.m.post{background:#1d7a46}table{border-collapse:collapse;margin:.4rem 0;width:100%}
td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}th{background:#f6f6f6}
.scope{color:#8a4b00}nav li{margin:.1rem 0}`;

/** The CSP of the reference page: its own style, nothing else. */
export const REFERENCE_CSP = `default-src 'none'; style-src 'sha256-${hash('sha256', STYLE, 'base64')}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

const refName = (ref: string) => ref.slice(ref.lastIndexOf('/') + 1);
const schemaLink = (name: string) => `<a href="#schema-${escape(name)}">${escape(name)}</a>`;

/** A one-line description of a schema's type and constraints. */
function typeOf(s: Json): string {
  if (typeof s.$ref === 'string') return schemaLink(refName(s.$ref));
  if ('const' in s) return `<code>${escape(JSON.stringify(s.const))}</code>`;
  if (Array.isArray(s.enum))
    return `one of ${s.enum.map((v) => `<code>${escape(JSON.stringify(v))}</code>`).join(', ')}`;
  for (const key of ['anyOf', 'oneOf'] as const)
    if (Array.isArray(s[key])) return (s[key] as Json[]).map(typeOf).join(' or ');
  const bits: string[] = [];
  const type = Array.isArray(s.type) ? s.type.join(' or ') : String(s.type ?? 'any');
  if (type === 'array' && s.items) bits.push(`array of ${typeOf(s.items as Json)}`);
  else bits.push(escape(type));
  if (s.format) bits.push(`(${escape(String(s.format))})`);
  const range = (lo: unknown, hi: unknown, unit: string) => {
    if (lo !== undefined || hi !== undefined)
      bits.push(`${unit} ${lo ?? ''}…${hi ?? ''}`.replace(/^ /, ''));
  };
  range(s.minimum, s.maximum, '');
  range(s.minLength, s.maxLength, 'length');
  range(s.minItems, s.maxItems, 'items');
  if (s.pattern) bits.push(`matching <code>${escape(String(s.pattern))}</code>`);
  return bits.join(' ');
}

/** An object's members as a table (nested objects as nested tables), else its type. */
function schemaHtml(s: Json, depth = 0): string {
  const props = s.properties as Record<string, Json> | undefined;
  if (s.type !== 'object' || !props || depth > 4) {
    const items = s.items as Json | undefined;
    if (s.type === 'array' && items?.properties) return `array of ${schemaHtml(items, depth + 1)}`;
    const union = (s.oneOf ?? s.anyOf) as Json[] | undefined;
    if (union?.some((u) => u.properties))
      return union.map((u) => schemaHtml(u, depth + 1)).join('<p>or</p>');
    return typeOf(s);
  }
  const required = new Set((s.required as string[] | undefined) ?? []);
  const rows = Object.entries(props).map(
    ([name, p]) =>
      `<tr><td><code>${escape(name)}</code>${required.has(name) ? '' : ' <small>optional</small>'}</td><td>${schemaHtml(p, depth + 1)}${p.description ? `<br>${escape(String(p.description))}` : ''}</td></tr>`,
  );
  const extra =
    s.additionalProperties === false ? '' : '<tr><td colspan=2>other members allowed</td></tr>';
  return `<table><tr><th>member</th><th>type</th></tr>${rows.join('')}${extra}</table>`;
}

function operationHtml(path: string, method: string, op: Json): string {
  const params = (op.parameters as Json[] | undefined) ?? [];
  const body = op.requestBody as { required: boolean; content: Record<string, Json> } | undefined;
  const responses = op.responses as Record<string, Json>;
  const out = [
    `<h3 id="${escape(String(op.operationId))}"><span class="m ${method}">${method.toUpperCase()}</span> <code>${escape(path)}</code></h3>`,
    `<p><strong>${escape(String(op.summary))}</strong></p>`,
    op.description ? prose(String(op.description)) : '',
    (op.security as Json[]).length === 0 ? '<p class="scope">Public.</p>' : '',
  ];
  if (params.length > 0) {
    out.push(
      `<table><tr><th>parameter</th><th>in</th><th>type</th></tr>${params
        .map(
          (p) =>
            `<tr><td><code>${escape(String(p.name))}</code>${p.required ? '' : ' <small>optional</small>'}</td><td>${escape(String(p.in))}</td><td>${typeOf(p.schema as Json)}${p.description ? `<br>${escape(String(p.description))}` : ''}</td></tr>`,
        )
        .join('')}</table>`,
    );
  }
  if (body) {
    const schema = body.content['application/json']!.schema as Json;
    out.push(`<p>Body (JSON${body.required ? '' : ', optional'}):</p>${schemaHtml(schema)}`);
  }
  out.push(
    `<table><tr><th>status</th><th>answer</th></tr>${Object.entries(responses)
      .map(([status, r]) => {
        const content = r.content as Record<string, { schema?: Json }> | undefined;
        const media = content
          ? Object.entries(content)
              .map(([type, m]) =>
                m.schema?.$ref ? typeOf(m.schema) : `<code>${escape(type)}</code>`,
              )
              .join(', ')
          : '';
        return `<tr><td>${escape(status)}</td><td>${escape(String(r.description))}${media ? ` — ${media}` : ''}</td></tr>`;
      })
      .join('')}</table>`,
  );
  return out.join('\n');
}

/** The reference page for an OpenAPI document. */
export function referencePage(document: Json): string {
  const info = document.info as Json;
  const paths = document.paths as Record<string, Record<string, Json>>;
  const tags = (document.tags as { name: string }[]).map((t) => t.name);
  const ops = Object.entries(paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ path, method, op })),
  );
  const schemas = (document.components as { schemas: Record<string, Json> }).schemas;
  const sections = tags.map((tag) => {
    const mine = ops.filter((o) => (o.op.tags as string[])[0] === tag);
    return `<h2 id="tag-${escape(tag)}">${escape(tag)}</h2>\n${mine.map((o) => operationHtml(o.path, o.method, o.op)).join('\n')}`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${escape(String(info.title))} API reference</title>
<style>${STYLE}</style></head><body>
<h1>${escape(String(info.title))} API <small>${escape(String(info.version))}</small></h1>
${prose(String(info.description))}
<p>The same, machine-readable: <a href="openapi.json">openapi.json</a> (OpenAPI ${escape(String(document.openapi))}).</p>
<nav><ul>${tags.map((t) => `<li><a href="#tag-${escape(t)}">${escape(t)}</a></li>`).join('')}<li><a href="#schemas">Schemas</a></li></ul></nav>
${sections.join('\n')}
<h2 id="schemas">Schemas</h2>
${Object.entries(schemas)
  .map(([name, s]) => `<h3 id="schema-${escape(name)}">${escape(name)}</h3>${schemaHtml(s)}`)
  .join('\n')}
</body></html>
`;
}
