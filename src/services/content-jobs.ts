import type { JobRequest } from '../jobs/queue.js';
import type { PreviewsService } from './previews.service.js';
import type { SearchService } from './search.service.js';

/** New content: a version just stored, with the bytes it points at. */
export interface NewContent {
  versionId: string;
  blobId: string;
  name: string;
  mime: string | null;
}

/**
 * The work new content needs done outside its request (its previews, the reading of its text for
 * search), enqueued in the transaction that stores it: the jobs exist exactly when the content does.
 */
export class ContentJobs {
  constructor(
    private readonly previews: PreviewsService,
    private readonly search: SearchService,
  ) {}

  for(c: NewContent): JobRequest[] {
    return [this.previews.jobFor(c.blobId, c.mime), this.search.jobFor(c.versionId, c.name, c.mime)].filter((j): j is JobRequest => j !== null);
  }

  /**
   * A new version of bytes already stored (a copy, a restored version): previews belong to the
   * bytes and exist or are on their way; the text index is per version, and its job takes the
   * text of another version of the same bytes instead of reading them again.
   */
  forStoredBytes(c: Omit<NewContent, 'blobId'>): JobRequest[] {
    const job = this.search.jobFor(c.versionId, c.name, c.mime);
    return job ? [job] : [];
  }
}
