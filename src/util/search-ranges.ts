/**
 * The ranges a search narrows by, as every door and the repository name them: bounds included
 * at the start, excluded at the end for dates (`to` is "before"), included at both ends for sizes.
 */
export interface SearchRanges {
  minSize?: number | undefined;
  maxSize?: number | undefined;
  modifiedFrom?: Date | undefined;
  modifiedTo?: Date | undefined;
  /** When the file's current content was uploaded (its version's time); folders have none. */
  uploadedFrom?: Date | undefined;
  uploadedTo?: Date | undefined;
}

const KEYS = ['minSize', 'maxSize', 'modifiedFrom', 'modifiedTo', 'uploadedFrom', 'uploadedTo'] as const satisfies readonly (keyof SearchRanges)[];

/** Only the ranges of a larger object (a request, a query), for passing on. */
export function rangesOf(from: SearchRanges): SearchRanges {
  const out: SearchRanges = {};
  for (const k of KEYS) if (from[k] !== undefined) (out as Record<string, unknown>)[k] = from[k];
  return out;
}
