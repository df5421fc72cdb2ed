/**
 * Reading QR codes in the page: the camera (BarcodeDetector where the browser has it, jsQR
 * otherwise, loaded only when needed) and still photos. Decoded text is handed to the caller;
 * nothing leaves the device.
 */

interface Detector {
  detect(source: CanvasImageSource | ImageBitmap): Promise<{ rawValue: string }[]>;
}
declare const BarcodeDetector:
  | { new (options: { formats: string[] }): Detector; getSupportedFormats(): Promise<string[]> }
  | undefined;

async function nativeDetector(): Promise<Detector | undefined> {
  try {
    if (typeof BarcodeDetector === 'undefined') return undefined;
    if (!(await BarcodeDetector.getSupportedFormats()).includes('qr_code')) return undefined;
    return new BarcodeDetector({ formats: ['qr_code'] });
  } catch {
    return undefined;
  }
}

/** The part of jsQR's API we use. */
type JsQR = (
  data: Uint8ClampedArray,
  width: number,
  height: number,
  options?: { inversionAttempts?: 'attemptBoth' },
) => { data: string } | null;

async function decodePixels(canvas: HTMLCanvasElement): Promise<string | undefined> {
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) return undefined;
  const { data, width, height } = ctx.getImageData(0, 0, canvas.width, canvas.height);
  // jsqr is CommonJS: its function arrives as the default export after bundling.
  // jsqr is CommonJS: after bundling its function is the default export, or nested once more.
  const mod = (await import('jsqr')) as unknown as { default: JsQR | { default: JsQR } };
  const jsQR: JsQR = typeof mod.default === 'function' ? mod.default : mod.default.default;
  return jsQR(data, width, height, { inversionAttempts: 'attemptBoth' })?.data;
}

/** Decodes the first QR code in an image file, or undefined when there is none. */
export async function decodeImageFile(file: Blob): Promise<string | undefined> {
  const bitmap = await createImageBitmap(file);
  const native = await nativeDetector();
  if (native) {
    const found = await native.detect(bitmap);
    if (found[0]) return found[0].rawValue;
  }
  // Scale big photos down: jsQR is linear in pixels and a phone photo is 12 MP.
  const scale = Math.min(1, 1600 / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext('2d')!.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  return decodePixels(canvas);
}

/**
 * Starts the rear camera in `video`, calling `onText` with the first code read, or, with
 * `continuous`, with every code read (a code still in view is not read again for 3 s).
 * Returns a stop function.
 */
export async function startCamera(
  video: HTMLVideoElement,
  onText: (text: string) => void,
  options: { continuous?: boolean } = {},
): Promise<() => void> {
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { facingMode: 'environment' },
    audio: false,
  });
  video.srcObject = stream;
  await video.play();
  const native = await nativeDetector();
  const canvas = document.createElement('canvas');
  let stopped = false;
  let last = { text: '', at: 0 };
  const stop = () => {
    stopped = true;
    for (const track of stream.getTracks()) track.stop();
    video.srcObject = null;
  };
  const tick = async () => {
    if (stopped) return;
    try {
      let text: string | undefined;
      if (native) text = (await native.detect(video))[0]?.rawValue;
      else if (video.videoWidth > 0) {
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        canvas.getContext('2d')!.drawImage(video, 0, 0);
        text = await decodePixels(canvas);
      }
      if (text && options.continuous) {
        const now = performance.now();
        if (text !== last.text || now - last.at > 3000) onText(text);
        last = { text, at: now };
      } else if (text) {
        stop();
        onText(text);
        return;
      }
    } catch {
      // a frame that cannot be read: try the next one
    }
    setTimeout(() => void tick(), 150);
  };
  void tick();
  return stop;
}
