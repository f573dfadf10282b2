/**
 * Hands a URL to the browser's own download machinery: a short-lived file link streams straight
 * to disk instead of being held in memory by the page, so a 2 GB file is no problem.
 */
export function startDownload(url: string, fileName: string): void {
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.rel = 'noopener';
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
}

/** Saves a blob the page already holds (a CSV export) under `fileName`. */
export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  startDownload(url, fileName);
  // Some browsers read the URL after click() returns; give them a moment before freeing it.
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
