import { SERVER_IDENTITY, serverStatus } from './server-identity.js';

/**
 * What Coffer tells Nextcloud and ownCloud clients it supports (OCS cloud/capabilities): exactly
 * what the server does, nothing more, because clients act on every entry (a "sharing" entry
 * would make them call an API that is not there). A feature that lands (previews,
 * notifications) adds its entry here and nowhere else.
 */
export const NEXTCLOUD_CAPABILITIES = {
  core: {
    // Seconds, as Nextcloud sends it; clients treat values this small as "use your default".
    pollinterval: 60,
    'webdav-root': 'remote.php/webdav',
    // ownCloud's form of status.php inside the capabilities: owncloudcmd and older nextcloudcmd
    // take the server version from here rather than from status.php.
    status: serverStatus(),
  },
  dav: {
    // Chunked uploads to /remote.php/dav/uploads/<user>/ (chunking "NG"/v2 clients ask for "1.0").
    chunking: '1.0',
  },
  files: {
    // Old-style "<name>-chunking-<id>-<n>-<i>" PUTs are refused (501): clients that see this
    // false use the chunked uploads of `dav.chunking` instead.
    bigfilechunking: false,
    // Deleted files go to the trash (WebDAV /.Trash, REST /trash, Nextcloud's
    // /remote.php/dav/trashbin/<user>/) and can be restored.
    undelete: true,
    // Overwrites keep the old versions (REST, and Nextcloud's /remote.php/dav/versions/<user>/).
    versioning: true,
  },
  checksums: {
    // The WebDAV door verifies OC-Checksum SHA1 on upload (a mismatch is refused) and reports
    // oc:checksums as SHA1; other algorithms in the header are ignored, so they are not offered.
    supportedTypes: ['SHA1'],
    preferredUploadType: 'SHA1',
  },
  // The sharing API (sharing.ocs.ts): with people and by public link. Whether an item may be
  // shared at all is decided per item (a space's policy, the caller's role), and refused there.
  files_sharing: {
    api_enabled: true,
    public: {
      enabled: true,
      // A link password is optional; no expiry is set or required by default.
      password: { enforced: false, askForOptionalPassword: false },
      expire_date: { enabled: false },
      multiple_links: true,
      // Folder links may let visitors upload (read-write) or only drop files (permissions 4).
      upload: true,
      upload_files_drop: true,
      // Coffer sends no mail about links; the apps share the address themselves.
      send_mail: false,
    },
    // Editors may not reshare; managers may, up to their own role.
    resharing: true,
    user: { send_mail: false, expire_date: { enabled: true } },
    // With people one at a time: no groups, no other servers.
    group_sharing: false,
    federation: { outgoing: false, incoming: false, expire_date: { enabled: false } },
    sharee: { query_lookup_default: false, always_show_unique: true },
    // A share made without permissions lets its recipient read (share-permissions.ts).
    default_permissions: 1,
  },
} as const;

/** The data of the cloud/capabilities answer: the server's version and its capabilities. */
export function capabilitiesData() {
  return {
    version: {
      major: SERVER_IDENTITY.major,
      minor: SERVER_IDENTITY.minor,
      micro: SERVER_IDENTITY.micro,
      string: SERVER_IDENTITY.versionstring,
      edition: SERVER_IDENTITY.edition,
      extendedSupport: SERVER_IDENTITY.extendedSupport,
    },
    capabilities: NEXTCLOUD_CAPABILITIES,
  };
}
