/**
 * Cutting off a page that opened this one. A page opened by another (window.open) leaves that
 * opener a handle on its window, with which it could later send this tab elsewhere: to a
 * look-alike page showing a forged verdict, say. Such a page goes at once, before it reads
 * anything on this device, to its copy served with `Cross-Origin-Opener-Policy: same-origin`
 * (web/build.ts, ISOLATED_PAGE), which the browser opens in a browsing context group of its
 * own: the opener's handle then holds a closed window. Ordinary visits (a QR code scanned, a
 * link followed) have no opener, and stay where they are.
 */
declare const __ISOLATED_PAGE__: string;

/** Leaves for the isolated copy when another page opened this one; true if it does. */
export function isolateFromOpener(): boolean {
  if (window.opener === null) return false;
  const target = new URL(__ISOLATED_PAGE__, document.baseURI);
  // Already there: a host that did not send the header; the page works on as it is.
  if (location.pathname === target.pathname) return false;
  target.hash = location.hash;
  location.replace(target.href);
  return true;
}
