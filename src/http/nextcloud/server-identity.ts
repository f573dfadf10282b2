/**
 * Who Coffer says it is to Nextcloud and ownCloud clients (status.php, and the version in the
 * capabilities). The clients gate on these values, so they are chosen from the clients' source:
 *
 * - version 28.0.0: at least 20 for the Nextcloud Android app (android-library's oldest known
 *   version, nextcloud_20) and desktop clients from 3.8 on (MIN_SUPPORTED 20; 3.7 wants 16); above
 *   17, the Nextcloud iOS app's "unsupported" threshold; at least 10 for ownCloud desktop 2.11
 *   (Account::serverVersionUnsupported), which also asks for share-types only from 10 on. Kept
 *   below 28.0.3, from which newer desktop clients expect the mount-root property, and below 30,
 *   from which NextcloudKit enforces Windows-compatible file names on the user whatever the
 *   server says. Claiming a version promises what that version's clients gate on it, so raise
 *   it only together with what the newer clients then ask for.
 * - productname "Coffer": ownCloud desktop refuses a server whose version ends in "Nextcloud"
 *   (it reads version + "-" + productname), and the Nextcloud iOS app warns about a server whose
 *   product name is "owncloud"; Nextcloud desktop and Android do not read it.
 * - extendedSupport false: true would make the iOS app skip its checks and Android show
 *   enterprise-only features.
 */
export const SERVER_IDENTITY = {
  major: 28,
  minor: 0,
  micro: 0,
  /** Nextcloud's four-part internal version, as status.php's "version". */
  version: '28.0.0.0',
  versionstring: '28.0.0',
  edition: '',
  productname: 'Coffer',
  extendedSupport: false,
} as const;

/** The body of status.php: this server is installed, up, and needs no upgrade. */
export function serverStatus() {
  return {
    installed: true,
    maintenance: false,
    needsDbUpgrade: false,
    version: SERVER_IDENTITY.version,
    versionstring: SERVER_IDENTITY.versionstring,
    edition: SERVER_IDENTITY.edition,
    productname: SERVER_IDENTITY.productname,
    extendedSupport: SERVER_IDENTITY.extendedSupport,
  };
}
