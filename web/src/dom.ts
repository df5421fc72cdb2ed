/** Building DOM from data as text only: nothing here parses HTML. */

type Attrs = Record<string, string>;

/** Creates an element with attributes and children; strings become text nodes. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  for (const child of children)
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  return node;
}

/** Replaces an element's children. */
export function show(parent: Element, ...children: Node[]): void {
  parent.replaceChildren(...children);
}
