import type { Endpoints } from '../../api/endpoints';
import { errorMessage } from '../../api/errors';
import type { FileNode } from '../../api/types';
import { startDownload } from '../../ui/download';

export interface BatchResult<T> {
  done: { node: FileNode; value: T }[];
  failed: { node: FileNode; error: unknown }[];
}

/**
 * Runs one request per item, a few at a time: a thousand selected items must not become a
 * thousand parallel requests, and one failure must not stop the rest.
 */
export async function runBatch<T>(nodes: readonly FileNode[], task: (node: FileNode) => Promise<T>, concurrency = 4): Promise<BatchResult<T>> {
  const result: BatchResult<T> = { done: [], failed: [] };
  let next = 0;
  const worker = async () => {
    while (next < nodes.length) {
      const node = nodes[next++]!;
      try {
        result.done.push({ node, value: await task(node) });
      } catch (error) {
        result.failed.push({ node, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, nodes.length) }, worker));
  return result;
}

/** "Could not move a.txt: Name taken" or, for several, the first reason and a count. */
export function describeFailures(verb: string, failed: BatchResult<unknown>['failed']): string {
  if (failed.length === 0) return '';
  const first = failed[0]!;
  const head = `Could not ${verb} ${first.node.name}: ${errorMessage(first.error)}`;
  return failed.length === 1 ? head : `${head} (and ${failed.length - 1} more item${failed.length === 2 ? '' : 's'})`;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Downloads files one after another; browsers drop downloads started in the same instant. */
export async function downloadFiles(api: Endpoints, files: readonly FileNode[]): Promise<BatchResult<void>> {
  const result: BatchResult<void> = { done: [], failed: [] };
  for (const [i, node] of files.entries()) {
    try {
      if (i > 0) await pause(300);
      const { url } = await api.contentLink(node.id, { inline: false });
      startDownload(url, node.name);
      result.done.push({ node, value: undefined });
    } catch (error) {
      result.failed.push({ node, error });
    }
  }
  return result;
}
