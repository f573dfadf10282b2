/**
 * Turns zod validation issues into sentences a person can act on ("The email address is not
 * valid"), keeping the JSON path for programs. Field names are written in words: a few known ones
 * by hand, the rest from their snake_case key.
 */

export interface ValidationIssue {
  keyword: string;
  instancePath: string;
  message?: string;
  params?: Record<string, unknown>;
}

export interface ExplainedIssue {
  /** JSON pointer of the field, "/" for the whole input. */
  path: string;
  /** The zod issue code, for programs. */
  code: string;
  message: string;
}

const FIELD_WORDS: Record<string, string> = {
  email: 'email address',
  username: 'user name',
  display_name: 'display name',
  password: 'password',
  new_password: 'new password',
  current_password: 'current password',
  quota_bytes: 'quota',
  parent_id: 'parent folder',
  path: 'path',
  name: 'name',
  id: 'id',
  limit: 'limit',
  offset: 'offset',
};

const WHOLE_INPUT: Record<string, string> = {
  body: 'request body',
  querystring: 'query string',
  params: 'address',
  headers: 'request headers',
};

function fieldWords(pointer: string, context: string | undefined): string {
  const segments = pointer.split('/').filter((s) => s.length > 0 && !/^\d+$/.test(s));
  const key = segments.at(-1);
  if (!key) return WHOLE_INPUT[context ?? ''] ?? 'request';
  return FIELD_WORDS[key] ?? key.replace(/[_-]+/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

const TYPE_WORDS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
  date: 'a date',
};

const FORMAT_WORDS: Record<string, string> = {
  email: 'email address',
  uuid: 'id',
  url: 'web address',
  datetime: 'date and time',
  date: 'date',
  regex: 'value',
};

function quantity(n: number, origin: unknown): string {
  if (origin === 'string') return `${n} character${n === 1 ? '' : 's'}`;
  if (origin === 'array' || origin === 'set') return `${n} item${n === 1 ? '' : 's'}`;
  return String(n);
}

function explainOne(issue: ValidationIssue, context: string | undefined): string {
  const p = issue.params ?? {};
  const field = fieldWords(issue.instancePath, context);
  const The = `The ${field}`;
  switch (issue.keyword) {
    case 'invalid_type': {
      if (/received undefined/.test(issue.message ?? '')) return `${The} is required`;
      const expected = TYPE_WORDS[String(p.expected)] ?? String(p.expected);
      return `${The} must be ${expected}`;
    }
    case 'too_small': {
      const min = Number(p.minimum);
      if (p.origin === 'string' && min === 1) return `${The} cannot be empty`;
      if (p.origin === 'array' && min === 1) return `${The} must list at least one item`;
      return p.inclusive === false ? `${The} must be more than ${quantity(min, p.origin)}` : `${The} must be at least ${quantity(min, p.origin)}`;
    }
    case 'too_big': {
      const max = Number(p.maximum);
      return p.inclusive === false ? `${The} must be less than ${quantity(max, p.origin)}` : `${The} can be at most ${quantity(max, p.origin)}`;
    }
    case 'invalid_format': {
      const format = String(p.format);
      if (format === 'email') return 'The email address is not valid';
      return `${The} is not a valid ${FORMAT_WORDS[format] ?? format}`;
    }
    case 'invalid_value': {
      const values = Array.isArray(p.values) ? p.values.map((v) => JSON.stringify(v)) : [];
      return values.length > 0 ? `${The} must be one of ${values.join(', ')}` : `${The} has a value that is not allowed`;
    }
    case 'unrecognized_keys': {
      const keys = Array.isArray(p.keys) ? p.keys.map(String) : [];
      return `The ${WHOLE_INPUT[context ?? ''] ?? 'request'} has ${keys.length === 1 ? 'a field' : 'fields'} this server does not know: ${keys.join(', ')}`;
    }
    case 'not_multiple_of':
      return `${The} must be a multiple of ${String(p.divisor)}`;
    case 'custom': {
      // Our own refinements are mostly written for people already; field keys in them are not.
      if (!issue.message || /^Invalid input/.test(issue.message)) return `${The} is not valid`;
      const words = issue.message.replace(/\b[a-z]+(?:_[a-z]+)+\b/g, (key) => FIELD_WORDS[key] ?? key.replace(/_/g, ' '));
      return words.charAt(0).toUpperCase() + words.slice(1);
    }
    default:
      return `${The} is not valid`;
  }
}

export function explainValidation(issues: ValidationIssue[], context: string | undefined): { detail: string; errors: ExplainedIssue[] } {
  const errors = issues.map((v) => ({ path: v.instancePath || '/', code: v.keyword, message: explainOne(v, context) }));
  const sentences = [...new Set(errors.map((e) => e.message))];
  const detail = sentences.length === 0 ? `The ${WHOLE_INPUT[context ?? ''] ?? 'request'} is not valid` : sentences.slice(0, 3).join('. ') + (sentences.length > 3 ? `, and ${sentences.length - 3} more` : '');
  return { detail, errors };
}
