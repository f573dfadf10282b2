import { useInfiniteQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useRef } from 'react';
import { Link } from 'react-router';
import type { SearchHit, SearchParams } from '../../../api/types';
import { useApi } from '../../../app-context';
import { ErrorNotice, Spinner } from '../../../ui/Feedback';
import { FileIcon } from '../../../ui/FileIcon';
import { describeType, formatBytes, formatDate } from '../../../ui/format';
import { plural } from '../listing';
import { hitFolder, hitHref, snippetParts } from './searchState';

interface SearchResultsProps {
  params: SearchParams;
  /** Words for the heading; empty for a search by filters alone. */
  words: string;
}

/**
 * What a search found, a page at a time: each result a link that opens it in place (its folder,
 * with the file previewed and selected), where it lies, its size and time, and for a search in
 * the files' text a passage with the matches marked.
 */
export function SearchResults({ params, words }: SearchResultsProps) {
  const api = useApi();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const results = useInfiniteQuery({
    queryKey: ['search', params],
    queryFn: ({ pageParam, signal }) => api.search(params, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    refetchOnWindowFocus: false,
  });
  const hits = useMemo(() => results.data?.pages.flatMap((p) => p.items) ?? [], [results.data]);

  useEffect(() => {
    headingRef.current?.focus();
  }, [params]);

  const status = results.isPending ? 'Searching…' : results.isError ? 'The search failed' : hits.length === 0 ? 'Nothing found' : `${plural(hits.length, 'result')}${results.hasNextPage ? ' so far' : ''}`;
  return (
    <section className="search-results" aria-labelledby="search-results-title">
      <h2 id="search-results-title" ref={headingRef} tabIndex={-1}>
        {words ? `Results for “${words}”` : 'Search results'}
        {params.in === 'content' ? <span className="muted search-scope"> in the files’ text</span> : null}
      </h2>
      <p className="muted" role="status">
        {status}
      </p>
      {results.isPending ? <Spinner label="Searching" /> : null}
      {results.isError ? <ErrorNotice error={results.error} onRetry={() => void results.refetch()} /> : null}
      {results.isSuccess && hits.length === 0 ? (
        <p className="search-empty">{params.in === 'content' ? 'No document you can open holds these words. New files are read a few minutes after they are uploaded.' : 'No file or folder you can open has a name like this.'}</p>
      ) : null}
      {hits.length > 0 ? (
        <ul className="search-list">
          {hits.map((hit) => (
            <SearchResult key={hit.id} hit={hit} />
          ))}
        </ul>
      ) : null}
      {results.hasNextPage ? (
        <button type="button" className="button search-more" disabled={results.isFetchingNextPage} onClick={() => void results.fetchNextPage()}>
          {results.isFetchingNextPage ? 'Loading…' : 'Show more results'}
        </button>
      ) : null}
    </section>
  );
}

/** Where a hit lies, in words: "My files", "Work/Deep", "Shared with me/Team", "Drive/apps". */
function locationOf(hit: SearchHit): string {
  const folder = hitFolder(hit);
  if (hit.space?.kind === 'organization') return folder === '/' ? hit.space.name : `${hit.space.name}${folder}`;
  return folder === '/' ? 'My files' : folder.slice(1);
}

function SearchResult({ hit }: { hit: SearchHit }) {
  const details = [hit.kind === 'file' ? formatBytes(hit.size) : null, `modified ${formatDate(hit.modified_at)}`].filter(Boolean).join(' · ');
  return (
    <li className="search-hit">
      <FileIcon kind={hit.kind} mime={hit.mime} name={hit.name} />
      <div className="search-hit-body">
        <Link to={hitHref(hit)} className="search-hit-name" aria-describedby={`hit-${hit.id}`}>
          {hit.name}
        </Link>
        <p id={`hit-${hit.id}`} className="muted search-hit-meta">
          <span className="sr-only">{describeType(hit.kind, hit.mime, hit.name)}, in </span>
          <span className="search-hit-folder">{locationOf(hit)}</span>
          {` · ${details}`}
        </p>
        {hit.snippet ? (
          <p className="search-snippet">
            {snippetParts(hit.snippet, hit.highlights).map((p, i) => (p.match ? <mark key={i}>{p.text}</mark> : <span key={i}>{p.text}</span>))}
          </p>
        ) : null}
      </div>
    </li>
  );
}
