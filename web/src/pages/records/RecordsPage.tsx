import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ArrowDown, ArrowUp, FolderOpen, Pencil } from 'lucide-react';
import { useEffect, useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { errorMessage } from '../../api/errors';
import type { CofferRecord, RecordType } from '../../api/org-types';
import { useApi } from '../../app-context';
import { DataTable } from '../../ui/DataTable';
import { EmptyState, ErrorNotice, Spinner } from '../../ui/Feedback';
import { Field } from '../../ui/Field';
import { Modal } from '../../ui/Modal';
import { RecordUploadButton } from './RecordUploadButton';

interface FieldSchema {
  type: 'string' | 'number' | 'integer' | 'boolean';
  title?: string;
  enum?: (string | number)[];
}

function fieldsOf(type: RecordType): [string, FieldSchema][] {
  const props = (type.schema as { properties?: Record<string, FieldSchema> }).properties ?? {};
  return Object.entries(props);
}

/** A space's records as a table: pick a type, sort by a column, filter by values, edit one. */
export function RecordsPage() {
  const { spaceId = '' } = useParams();
  const api = useApi();
  const space = useQuery({ queryKey: ['space', spaceId], queryFn: () => api.space(spaceId) });
  const types = useQuery({ queryKey: ['record-types', spaceId], queryFn: () => api.recordTypes(spaceId) });
  const [typeName, setTypeName] = useState('');
  const type = types.data?.items.find((t) => t.name === typeName) ?? types.data?.items[0];
  const [sort, setSort] = useState<{ field: string; order: 'asc' | 'desc' }>({ field: 'created_at', order: 'asc' });
  const [filters, setFilters] = useState<Record<string, string>>({});
  const [archived, setArchived] = useState(false);
  const [editing, setEditing] = useState<CofferRecord | null>(null);
  useEffect(() => {
    setFilters({});
    setSort({ field: 'created_at', order: 'asc' });
  }, [type?.name]);
  const records = useQuery({
    queryKey: ['records', spaceId, type?.name, sort, filters, archived],
    queryFn: () => api.records(spaceId, { type: type!.name, sort: sort.field, order: sort.order, filters, include_archived: archived, limit: 200 }),
    enabled: type !== undefined,
    placeholderData: keepPreviousData,
  });
  const fields = type ? fieldsOf(type) : [];
  const toggleSort = (field: string) => setSort((s) => ({ field, order: s.field === field && s.order === 'asc' ? 'desc' : 'asc' }));

  return (
    <div className="records-page">
      <div className="page-header">
        <h1>Records{space.data ? ` · ${space.data.name}` : ''}</h1>
      </div>
      {types.isPending ? <Spinner label="Loading record types" /> : null}
      {types.isError ? <ErrorNotice error={types.error} onRetry={() => void types.refetch()} /> : null}
      {types.data && types.data.items.length === 0 ? (
        <EmptyState title="No record types yet">A manager of this space defines record types (a book, an app build) over the API: PUT /api/v1/spaces/{'{id}'}/record-types/{'{name}'}.</EmptyState>
      ) : null}
      {type ? (
        <>
          <div className="toolbar records-toolbar">
            <label>
              Type{' '}
              <select value={type.name} onChange={(e) => setTypeName(e.target.value)}>
                {types.data!.items.map((t) => (
                  <option key={t.name} value={t.name}>
                    {t.title}
                  </option>
                ))}
              </select>
            </label>
            <label>
              <input type="checkbox" checked={archived} onChange={(e) => setArchived(e.target.checked)} /> Show archived
            </label>
          </div>
          <div className="records-filters" role="group" aria-label="Filters">
            {fields.map(([name, f]) => (
              <label key={name}>
                <span className="field-label">{f.title ?? name}</span>
                {f.enum ? (
                  <select value={filters[name] ?? ''} onChange={(e) => setFilters({ ...filters, [name]: e.target.value })}>
                    <option value="">any</option>
                    {f.enum.map((v) => (
                      <option key={String(v)} value={String(v)}>
                        {String(v)}
                      </option>
                    ))}
                  </select>
                ) : (
                  <input type="search" value={filters[name] ?? ''} placeholder="any" onChange={(e) => setFilters({ ...filters, [name]: e.target.value })} />
                )}
              </label>
            ))}
          </div>
          {records.isError ? <ErrorNotice error={records.error} onRetry={() => void records.refetch()} /> : null}
          {records.data ? (
            <DataTable
              className="records-table"
              caption={`${type.title} records`}
              columns={[
                'Folder',
                ...fields.map(([name, f]) => (
                  <th key={name} scope="col" aria-sort={sort.field === name ? (sort.order === 'asc' ? 'ascending' : 'descending') : 'none'}>
                    <button type="button" className="sort-button" onClick={() => toggleSort(name)}>
                      {f.title ?? name}
                      {sort.field === name ? sort.order === 'asc' ? <ArrowUp aria-hidden size={14} /> : <ArrowDown aria-hidden size={14} /> : null}
                    </button>
                  </th>
                )),
              ]}
              actionsLabel="Actions"
            >
              {records.data.items.map((r) => (
                <tr key={r.id} className={r.archived ? 'archived' : undefined}>
                  <td>
                    <Link to={`/files/${r.folder.id}`} className="space-link">
                      <FolderOpen aria-hidden size={16} /> {r.folder.name}
                    </Link>
                    {r.archived ? <span className="badge">Archived</span> : null}
                  </td>
                  {fields.map(([name]) => (
                    <td key={name}>{r.data[name] === undefined ? '—' : String(r.data[name])}</td>
                  ))}
                  <td className="actions-cell">
                    <div className="button-row">
                      <button type="button" className="button button-small" onClick={() => setEditing(r)} aria-label={`Edit the record of ${r.folder.name}`}>
                        <Pencil aria-hidden size={14} /> Edit
                      </button>
                      {r.archived ? null : <RecordUploadButton folderId={r.folder.id} folderName={r.folder.name} />}
                    </div>
                  </td>
                </tr>
              ))}
            </DataTable>
          ) : (
            <Spinner label="Loading records" />
          )}
          {records.data ? <p className="muted">{records.data.total === 1 ? '1 record' : `${records.data.total} records`}</p> : null}
          {editing ? <EditRecordDialog record={editing} type={type} onClose={() => setEditing(null)} /> : null}
        </>
      ) : null}
    </div>
  );
}

function EditRecordDialog({ record, type, onClose }: { record: CofferRecord; type: RecordType; onClose: () => void }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const fields = fieldsOf(type);
  const [values, setValues] = useState<Record<string, string>>(() => Object.fromEntries(fields.map(([n]) => [n, record.data[n] === undefined ? '' : String(record.data[n])])));
  const [error, setError] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: () => {
      const data: Record<string, unknown> = {};
      for (const [name, f] of fields) {
        const raw = values[name] ?? '';
        if (raw === '') data[name] = null;
        else if (f.type === 'number' || f.type === 'integer') data[name] = Number(raw);
        else if (f.type === 'boolean') data[name] = raw === 'true';
        else data[name] = raw;
      }
      return api.updateRecord(record.id, data);
    },
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['records'] });
      onClose();
    },
    onError: (err) => setError(errorMessage(err)),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    save.mutate();
  };
  return (
    <Modal
      open
      onOpenChange={(open) => (open ? undefined : onClose())}
      title={`Edit ${type.title}: ${record.folder.name}`}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form="edit-record" className="button button-primary" disabled={save.isPending}>
            Save
          </button>
        </>
      }
    >
      <form id="edit-record" onSubmit={submit}>
        {fields.map(([name, f]) => (
          <Field key={name} label={f.title ?? name}>
            {({ id }) =>
              f.enum || f.type === 'boolean' ? (
                <select id={id} value={values[name] ?? ''} onChange={(e) => setValues({ ...values, [name]: e.target.value })}>
                  <option value="">—</option>
                  {(f.enum ?? ['true', 'false']).map((v) => (
                    <option key={String(v)} value={String(v)}>
                      {String(v)}
                    </option>
                  ))}
                </select>
              ) : (
                <input id={id} type={f.type === 'string' ? 'text' : 'number'} value={values[name] ?? ''} onChange={(e) => setValues({ ...values, [name]: e.target.value })} />
              )
            }
          </Field>
        ))}
        {error ? (
          <p className="field-message-error" role="alert">
            {error}
          </p>
        ) : null}
      </form>
    </Modal>
  );
}
