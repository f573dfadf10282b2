import { useQuery, useQueryClient, type QueryKey } from '@tanstack/react-query';
import { ApiError } from '../api/errors';
import type { PreviewAnswer, PreviewSize } from '../api/previews';
import type { FileNode } from '../api/types';
import { useApi } from '../app-context';
import { hasServerPreview } from './kinds';
import { createLimiter } from './limit';
import { useObjectUrl } from './useObjectUrl';

/** What the cache keeps of a preview: the picture, "being made" since when, or why there is none. */
export type PreviewData =
  | { state: 'ready'; blob: Blob }
  | { state: 'pending'; retryAfterMs: number; since: number; expired: boolean }
  | { state: 'none'; reason: string };

/** What a screen shows: a placeholder while asking or waiting, the picture, or the type icon for good. */
export type PreviewStatus = { status: 'loading' } | { status: 'ready'; url: string } | { status: 'none' };

/** How long a screen keeps asking for a preview being made before it settles for the icon. */
export const PREVIEW_MAX_WAIT_MS = 2 * 60_000;
/** A thumbnail asks only once its row has stayed in view this long: rows flung past ask nothing. */
export const THUMBNAIL_SETTLE_MS = 120;
/** Thumbnails fetched at once, leaving the browser's other connections to the rest of the app. */
const THUMBNAIL_CONCURRENCY = 4;

const thumbnails = createLimiter(THUMBNAIL_CONCURRENCY);

type PreviewTarget = Pick<FileNode, 'id' | 'kind' | 'mime' | 'etag' | 'version_id'>;

/** One cache entry per file version and size; a new version is a new key, never a stale picture. */
export function previewKey(node: PreviewTarget, size: PreviewSize): QueryKey {
  return ['preview', node.id, node.version_id ?? node.etag, size];
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

/**
 * A file's preview picture (small for thumbnails, large for the preview dialog), as an object URL.
 * While the server makes it (202) the query asks again after Retry-After, for at most
 * PREVIEW_MAX_WAIT_MS; a 404 (no preview of this type, or it could not be made) is kept as "none".
 * Small ones wait in a short line, and a row that leaves the screen cancels its request.
 */
export function usePreview(node: PreviewTarget, size: PreviewSize, { enabled = true, maxWaitMs = PREVIEW_MAX_WAIT_MS } = {}): PreviewStatus {
  const api = useApi();
  return usePreviewQuery({
    key: previewKey(node, size),
    size,
    wanted: enabled && node.kind === 'file' && hasServerPreview(node.mime),
    ask: (signal) => api.preview(node.id, { size, version: node.version_id }, signal),
    maxWaitMs,
  });
}

export interface PreviewQuery {
  /** One cache entry per picture: a new version of the file must be a new key. */
  key: QueryKey;
  size: PreviewSize;
  /** False for what has no picture to ask for (folders, other types). */
  wanted: boolean;
  /** One request for the picture, through whichever door the screen uses (the API, a public link). */
  ask: (signal: AbortSignal) => Promise<PreviewAnswer>;
  maxWaitMs?: number | undefined;
}

/** usePreview for any door: the asking, waiting, giving up and object URL, given how to ask. */
export function usePreviewQuery({ key, size, wanted, ask, maxWaitMs = PREVIEW_MAX_WAIT_MS }: PreviewQuery): PreviewStatus {
  const queryClient = useQueryClient();
  const query = useQuery({
    queryKey: key,
    queryFn: async ({ signal }): Promise<PreviewData> => {
      const previous = queryClient.getQueryData<PreviewData>(key);
      if (size === 'small' && previous === undefined) await sleep(THUMBNAIL_SETTLE_MS, signal);
      try {
        const answer = size === 'small' ? await thumbnails.run(() => ask(signal), signal) : await ask(signal);
        if (answer.state === 'ready') return answer;
        // The waiting window starts again when a screen comes back to a preview it gave up on.
        const since = previous?.state === 'pending' && !previous.expired ? previous.since : Date.now();
        return { ...answer, since, expired: Date.now() - since >= maxWaitMs };
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) return { state: 'none', reason: err.message };
        throw err;
      }
    },
    enabled: wanted,
    // A version's picture never changes; "being made" is worth asking again.
    staleTime: (q) => (q.state.data?.state === 'pending' ? 0 : Infinity),
    refetchInterval: (q) => {
      const data = q.state.data;
      return data?.state === 'pending' && !data.expired ? data.retryAfterMs : false;
    },
    refetchOnWindowFocus: false,
  });
  const data = query.data;
  const url = useObjectUrl(data?.state === 'ready' ? data.blob : undefined);
  if (!wanted || query.isError) return { status: 'none' };
  if (data?.state === 'ready') return url ? { status: 'ready', url } : { status: 'loading' };
  if (data?.state === 'none') return { status: 'none' };
  if (data?.state === 'pending' && data.expired && !query.isFetching) return { status: 'none' };
  return { status: 'loading' };
}
