import { Badge, LoadStatus, PageTitle, TableBox } from '../components.tsx';
import { relative, timestamp } from '../format.ts';
import { usePoll } from '../hooks.ts';
import type { List, LocationState } from '../types.ts';

/** Each storage location: reachable or not (with why), when it was last synced, how many backups. */
export function LocationsPage() {
  const list = usePoll<List<LocationState>>('/api/v1/locations');
  const rows = list.data?.items ?? [];
  return (
    <>
      <PageTitle>Storage locations</PageTitle>
      <LoadStatus
        error={list.error}
        loading={list.loading}
        rows={rows.length}
        empty="No location synced yet."
      />
      {rows.length === 0 ? null : (
        <TableBox label="Storage locations">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Provider</th>
              <th scope="col">Health</th>
              <th scope="col">Last synced</th>
              <th scope="col">Backups</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((l) => (
              <tr key={l.name}>
                <th scope="row">{l.name}</th>
                <td>
                  {l.provider}
                  {l.accessMode === undefined ? '' : ` (${l.accessMode})`}
                </td>
                <td>
                  <Badge state={l.available ? 'Available' : 'Unavailable'} /> {l.message ?? ''}
                </td>
                <td title={timestamp(l.lastSynced)}>{relative(l.lastSynced)}</td>
                <td>{l.backups}</td>
              </tr>
            ))}
          </tbody>
        </TableBox>
      )}
    </>
  );
}
