import type { Problem } from './types';

/** An API answer that was not a success, with the server's problem details. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;

  constructor(status: number, problem: Problem) {
    super(problem.detail ?? problem.title ?? `Request failed (${status})`);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
  }

  /** The server's explanation, fit to show a person. */
  get detail(): string {
    return this.message;
  }
}

/** The network failed before any answer came (offline, server down). */
export class NetworkError extends Error {
  constructor(cause?: unknown) {
    super('Coffer cannot be reached. Check your connection and try again.', { cause });
    this.name = 'NetworkError';
  }
}

/** A message to show for any thrown value. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

export async function problemOf(response: Response): Promise<Problem> {
  const text = await response.text().catch(() => '');
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object') return parsed as Problem;
  } catch {
    // not JSON: fall through
  }
  return { status: response.status, title: response.statusText, detail: text.trim() || `Request failed (${response.status} ${response.statusText})` };
}
