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

/** The longest `afterNextFrame` waits for a frame (a hidden tab draws none). */
const FRAME_WAIT_MS = 100;

/**
 * Runs `fn` once, after the next frame is drawn (in the task after its animation frame), or
 * after FRAME_WAIT_MS if no frame comes: for work that must not hold up what is on its way to
 * the screen.
 */
export function afterNextFrame(fn: () => void): void {
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    fn();
  };
  requestAnimationFrame(() => setTimeout(once, 0));
  setTimeout(once, FRAME_WAIT_MS);
}

/** `afterNextFrame` as a promise. */
export function nextFrameDone(): Promise<void> {
  return new Promise((resolve) => afterNextFrame(resolve));
}
