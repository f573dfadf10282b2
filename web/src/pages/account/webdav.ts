/** Where WebDAV clients connect, and how to set up the common ones. */

export interface WebDavEndpoint {
  /** e.g. "https://files.example.org/dav/" */
  url: string;
  host: string;
  secure: boolean;
  /** Windows refuses plain HTTP WebDAV except to the local machine. */
  localhost: boolean;
}

export function webDavEndpoint(origin: string): WebDavEndpoint {
  const u = new URL(origin);
  const hostname = u.hostname.replace(/^\[|\]$/g, '');
  return {
    url: `${u.origin}/dav/`,
    host: u.host,
    secure: u.protocol === 'https:',
    localhost: hostname === 'localhost' || hostname === '::1' || /^127\./.test(hostname),
  };
}

/** Quotes a value for a POSIX shell only when it needs it. */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9._@%+=:,/-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

export interface ClientGuide {
  id: string;
  name: string;
  steps: string[];
  /** Commands to paste into a terminal, one a line. */
  commands?: string[];
  warning?: string;
}

export function clientGuides(endpoint: WebDavEndpoint, username: string, password: string): ClientGuide[] {
  const { url, host, secure, localhost } = endpoint;
  const user = shellQuote(username);
  const pass = shellQuote(password);
  const signIn = `Sign in with the username ${username} and this app password.`;
  return [
    {
      id: 'finder',
      name: 'macOS Finder',
      steps: ['In Finder, choose Go → Connect to Server (⌘K).', `Enter ${url} and choose Connect.`, `Choose Registered User. ${signIn}`],
    },
    {
      id: 'windows',
      name: 'Windows File Explorer',
      steps: [
        'In File Explorer, right-click This PC and choose Map network drive.',
        `In Folder, enter ${url}`,
        `Tick Connect using different credentials, choose Finish, then ${signIn.charAt(0).toLowerCase()}${signIn.slice(1)}`,
      ],
      warning:
        secure || localhost
          ? 'Windows connects to WebDAV only over HTTPS, except to this computer (localhost).'
          : 'This server is reached over plain HTTP, which Windows refuses for WebDAV except on localhost. Ask your administrator for an HTTPS address.',
    },
    {
      id: 'gnome',
      name: 'GNOME Files (Linux)',
      steps: ['In Files, choose Other Locations.', `In Connect to Server, enter ${secure ? 'davs' : 'dav'}://${host}/dav/ and choose Connect.`, signIn],
    },
    {
      id: 'rclone',
      name: 'rclone',
      steps: ['Create a remote named "coffer", then use it like any other rclone remote.'],
      commands: [`rclone config create coffer webdav url ${url} vendor other user ${user} pass $(rclone obscure ${pass})`, 'rclone ls coffer:'],
    },
    {
      id: 'curl',
      name: 'curl and scripts',
      steps: ['Send the username and app password with HTTP basic authentication.'],
      commands: [`curl -u ${user}:${pass} ${url}`, `curl -u ${user}:${pass} -T report.pdf ${url}report.pdf`],
    },
  ];
}
