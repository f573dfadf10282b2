import type { Readable } from 'node:stream';
import { runTool } from './external-tool.js';

export const PREVIEW_SIZES = { small: 256, large: 1024 } as const;
export type PreviewSize = keyof typeof PREVIEW_SIZES;

/** What a preview is made from: images are decoded by sharp; videos and PDFs first become a picture. */
export type PreviewSourceKind = 'image' | 'video' | 'pdf';

export interface RenderedPreview {
  data: Buffer;
  width: number;
  height: number;
  mime: 'image/webp';
}

export interface PreviewLimits {
  /** Images with more pixels are refused before they are decoded (decompression bombs). */
  maxPixels: number;
  /** libvips stops an image that takes longer than this. */
  timeoutSeconds: number;
}

/** A preview can never be made from these bytes: trying again would fail the same way. */
export class UnpreviewableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnpreviewableError';
  }
}

const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif', 'image/heic', 'image/heif', 'image/tiff']);

/** Which way a file of this type becomes a preview, or null when Coffer makes none. */
export function previewSourceKind(mime: string | null): PreviewSourceKind | null {
  if (!mime) return null;
  const base = mime.split(';')[0]!.trim().toLowerCase();
  if (IMAGE_TYPES.has(base)) return 'image';
  if (base === 'application/pdf') return 'pdf';
  if (base.startsWith('video/')) return 'video';
  return null;
}

/** libvips' words for what went wrong, in words a person reading the admin panel can act on. */
function explain(err: unknown, maxPixels: number): Error {
  const message = err instanceof Error ? err.message : String(err);
  if (/exceeds pixel limit/i.test(message)) {
    return new UnpreviewableError(`The image has more than ${Math.round(maxPixels / 1e6)} million pixels (COFFER_PREVIEW_MAX_PIXELS); no preview is made of it`);
  }
  if (/timeout/i.test(message)) return new UnpreviewableError('Decoding the image took too long (COFFER_PREVIEW_TIMEOUT_SECONDS)');
  if (/heif|heic/i.test(message) && /codec|compression|unsupported|no decoder/i.test(message)) {
    return new UnpreviewableError("This HEIC/HEIF image is coded in a way this server's image library cannot decode (HEVC); AVIF-coded HEIF works");
  }
  if (/unsupported image format|bad seek|premature end|truncated|corrupt|invalid|not a known file format|improper|out of order/i.test(message)) {
    return new UnpreviewableError(`The file is damaged or not an image it claims to be (${message.trim().split('\n')[0]})`);
  }
  return err instanceof Error ? err : new Error(message);
}

/**
 * A small and a large preview of an image, from one decode: turned upright by its EXIF
 * orientation, shrunk to fit (never enlarged), without its metadata (sharp writes none unless
 * asked), as WebP (alpha kept). The source is streamed; only the two small outputs are in memory.
 */
export async function renderImage(source: Readable, limits: PreviewLimits): Promise<Record<PreviewSize, RenderedPreview>> {
  // Loaded on first use: libvips costs every process ~0.3 s to load, and a CLI command never needs it.
  const { default: sharp } = await import('sharp');
  const decoder = sharp({ limitInputPixels: limits.maxPixels, sequentialRead: true, failOn: 'error' }).timeout({ seconds: limits.timeoutSeconds }).rotate();
  const render = async (px: number, quality: number): Promise<RenderedPreview> => {
    const { data, info } = await decoder
      .clone()
      .resize(px, px, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality })
      .toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height, mime: 'image/webp' };
  };
  const sourceFailed = new Promise<never>((_, reject) => source.once('error', reject));
  sourceFailed.catch(() => undefined);
  source.pipe(decoder);
  try {
    const [small, large] = await Promise.race([Promise.all([render(PREVIEW_SIZES.small, 75), render(PREVIEW_SIZES.large, 80)]), sourceFailed]);
    return { small, large };
  } catch (err) {
    source.destroy();
    throw explain(err, limits.maxPixels);
  }
}

/**
 * A frame of a video as PNG, through Debian's ffmpeg: one second in (past a black first frame),
 * or the first frame of a shorter video. `location` is a path or an http(s) URL, which ffmpeg
 * reads with range requests, so a 20 GB video is never copied.
 */
export async function videoFrame(location: string, signal: AbortSignal): Promise<Buffer> {
  const grab = (at: string) =>
    runTool(
      'ffmpeg',
      ['-nostdin', '-hide_banner', '-loglevel', 'error', '-ss', at, '-i', location, '-frames:v', '1', '-vf', `scale='min(${PREVIEW_SIZES.large * 2},iw)':-2`, '-f', 'image2pipe', '-c:v', 'png', 'pipe:1'],
      { signal, maxBytes: 64 << 20, debianPackage: 'ffmpeg' },
    );
  const frame = await grab('1');
  if (frame.length > 0) return frame;
  const first = await grab('0');
  if (first.length === 0) throw new UnpreviewableError('ffmpeg found no picture in this video');
  return first;
}

/** The first page of a PDF as PNG, through Debian's pdftoppm (poppler-utils), which needs a file it can seek in. */
export async function pdfFirstPage(file: string, signal: AbortSignal): Promise<Buffer> {
  try {
    const page = await runTool('pdftoppm', ['-f', '1', '-l', '1', '-png', '-scale-to', String(PREVIEW_SIZES.large), file], {
      signal,
      maxBytes: 64 << 20,
      debianPackage: 'poppler-utils',
    });
    if (page.length === 0) throw new UnpreviewableError('The PDF has no page to show');
    return page;
  } catch (err) {
    if (err instanceof Error && /pdftoppm failed/.test(err.message)) throw new UnpreviewableError(`The PDF cannot be read: ${err.message.replace(/^pdftoppm failed: /, '')}`);
    throw err;
  }
}
