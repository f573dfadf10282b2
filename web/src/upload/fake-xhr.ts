/**
 * Just enough of XMLHttpRequest for the upload code, for tests: each request waits until the
 * test answers it, fails it, or it is aborted.
 */
export class FakeXhr {
  static all: FakeXhr[] = [];
  method = '';
  url = '';
  headers: Record<string, string> = {};
  body: unknown;
  status = 0;
  responseText = '';
  aborted = false;
  settled = false;
  upload: { onprogress: ((e: ProgressEvent) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  ontimeout: (() => void) | null = null;
  onabort: (() => void) | null = null;

  constructor() {
    FakeXhr.all.push(this);
  }
  static get last(): FakeXhr {
    return FakeXhr.all[FakeXhr.all.length - 1]!;
  }
  /** Requests sent and not yet answered. */
  static get pending(): FakeXhr[] {
    return FakeXhr.all.filter((x) => !x.settled && !x.aborted && x.body !== undefined);
  }
  static factory = () => new FakeXhr() as unknown as XMLHttpRequest;

  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(k: string, v: string) {
    this.headers[k.toLowerCase()] = v;
  }
  send(body: unknown) {
    this.body = body;
  }
  abort() {
    this.aborted = true;
    this.onabort?.();
  }
  progress(loaded: number) {
    this.upload.onprogress?.({ loaded } as ProgressEvent);
  }
  answer(status: number, body: unknown) {
    this.settled = true;
    this.status = status;
    this.responseText = typeof body === 'string' ? body : JSON.stringify(body);
    this.onload?.();
  }
  drop() {
    this.settled = true;
    this.onerror?.();
  }
}
