/** Placeholder until the upload manager lands (web/src/upload/). */
export function UploadPanel() {
  return null;
}
