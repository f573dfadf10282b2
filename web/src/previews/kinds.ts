/** The image types the server makes previews of (as src/media/previews.ts decodes them). */
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif', 'image/heic', 'image/heif', 'image/tiff']);

/**
 * Whether the server makes a preview picture of files of this type: images it can decode, videos
 * and PDFs. Asking for others only earns a 404, so the app does not ask.
 */
export function hasServerPreview(mime: string | null): boolean {
  if (!mime) return false;
  const base = mime.split(';')[0]!.trim().toLowerCase();
  return IMAGE_TYPES.has(base) || base === 'application/pdf' || base.startsWith('video/');
}
