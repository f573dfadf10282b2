import type { JobRequest } from '../jobs/queue.js';
import type { PreviewsService } from './previews.service.js';

/**
 * The work new content needs done outside its request (its previews), enqueued in the
 * transaction that stores it: the jobs exist exactly when the content does.
 */
export class ContentJobs {
  constructor(private readonly previews: PreviewsService) {}

  for(blobId: string, mime: string | null): JobRequest[] {
    const preview = this.previews.jobFor(blobId, mime);
    return preview ? [preview] : [];
  }
}
