import { Link } from 'react-router';
import { EmptyState } from '../ui/Feedback';

export function NotFoundPage({ forbidden = false }: { forbidden?: boolean }) {
  return (
    <EmptyState title={forbidden ? 'Administrators only' : 'Page not found'}>
      {forbidden ? 'This part of Coffer is for administrators. ' : 'There is nothing at this address. '}
      <Link to="/files">Go to your files</Link>
    </EmptyState>
  );
}
