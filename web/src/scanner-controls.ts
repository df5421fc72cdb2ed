/**
 * The scanner's controls (the photo input, the paste form) are written in a template in
 * index.html and placed by script: Chromium's form handling reads every form control of a page
 * as soon as it is parsed (10 to 30 ms on a phone-class CPU), which would otherwise stand
 * between a link's status list and its verdict. A plain visit places them at once, before the
 * first frame; a certificate link's visit once its verdict is on screen. Until the rest of the
 * page has loaded what they do, they are inert: a tap is not taken and then lost.
 */

/** Places the scanner's controls, inert, once (later calls do nothing); true if placed now. */
export function placeScannerControls(): boolean {
  const template = document.getElementById('scanner-controls');
  if (!(template instanceof HTMLTemplateElement)) return false;
  const scanner = template.parentElement!;
  scanner.inert = true;
  template.replaceWith(template.content.cloneNode(true));
  return true;
}

/**
 * Makes the controls the rest of the page wires work, once it has (main.ts): the scanner's,
 * placed inert above, and the language button, inert in index.html (the first check draws it
 * with the verdict). Before then a tap on either is not taken and then lost.
 */
export function releaseControls(): void {
  document.querySelector<HTMLElement>('.scanner')!.inert = false;
  document.getElementById('lang')!.inert = false;
}
