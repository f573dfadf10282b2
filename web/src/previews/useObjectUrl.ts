import { useLayoutEffect, useState } from 'react';

/**
 * An object URL for a blob while the component shows it, revoked when the blob changes or the
 * component goes (a virtualised row scrolled away). Made before the browser paints, so a cached
 * picture appears without a frame of placeholder.
 */
export function useObjectUrl(blob: Blob | undefined): string | undefined {
  const [url, setUrl] = useState<string>();
  useLayoutEffect(() => {
    if (!blob) {
      setUrl(undefined);
      return;
    }
    const made = URL.createObjectURL(blob);
    setUrl(made);
    return () => URL.revokeObjectURL(made);
  }, [blob]);
  return blob ? url : undefined;
}
