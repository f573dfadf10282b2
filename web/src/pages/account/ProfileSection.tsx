import type { User } from '../../api/types';
import { formatDate } from '../../ui/format';

export function ProfileSection({ user }: { user: User }) {
  return (
    <section className="card" aria-labelledby="account-profile">
      <h2 id="account-profile">Profile</h2>
      <dl className="account-facts">
        <div>
          <dt>Username</dt>
          <dd className="mono">{user.username}</dd>
        </div>
        <div>
          <dt>Display name</dt>
          <dd>{user.display_name || <span className="muted">Not set</span>}</dd>
        </div>
        <div>
          <dt>Email</dt>
          <dd>{user.email ?? <span className="muted">Not set</span>}</dd>
        </div>
        <div>
          <dt>Role</dt>
          <dd>{user.role === 'admin' ? 'Administrator' : 'User'}</dd>
        </div>
        <div>
          <dt>Member since</dt>
          <dd>{formatDate(user.created_at)}</dd>
        </div>
      </dl>
    </section>
  );
}
