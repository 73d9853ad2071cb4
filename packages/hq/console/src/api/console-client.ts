import type { z } from 'zod';
import {
  CONSOLE_API_PREFIX,
  CONSOLE_ENDPOINTS,
  CSRF_HEADER,
  ConsoleError,
  pathParams,
  type ConsoleEndpoint,
  type ConsoleEndpointName,
  type ConsoleErrorCode,
  type ConsoleInput,
  type ConsoleOutput,
} from '../../../src/console/contract';

/**
 * The console's one way to HQ: every call goes through CONSOLE_ENDPOINTS, so its path, method and
 * both schemas come from the contract the server registers its routes from. The input is checked
 * before anything is sent, the answer before anything is shown.
 */

/** The server's codes, plus two the client gives itself: no answer at all, or an answer off the contract. */
export type ConsoleApiErrorCode = ConsoleErrorCode | 'network_error' | 'bad_answer';

export interface ConsoleIssue {
  path: string;
  code: string;
}

export class ConsoleApiError extends Error {
  readonly code: ConsoleApiErrorCode;
  readonly issues: ConsoleIssue[];
  readonly approvalId: string | undefined;
  readonly reasons: string[];
  readonly retryAfterSeconds: number | undefined;
  /** The HTTP status; 0 when nothing came back (or nothing was sent). */
  readonly status: number;

  constructor(
    code: ConsoleApiErrorCode,
    message: string,
    options: {
      issues?: ConsoleIssue[] | undefined;
      approvalId?: string | undefined;
      reasons?: string[] | undefined;
      retryAfterSeconds?: number | undefined;
      status?: number;
    } = {},
  ) {
    super(message);
    this.name = 'ConsoleApiError';
    this.code = code;
    this.issues = options.issues ?? [];
    this.approvalId = options.approvalId;
    this.reasons = options.reasons ?? [];
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.status = options.status ?? 0;
  }
}

export function isConsoleApiError(error: unknown): error is ConsoleApiError {
  return error instanceof ConsoleApiError;
}

/** Any thrown value as a ConsoleApiError (a bug in a page is shown as an internal error, not lost). */
export function toConsoleApiError(error: unknown): ConsoleApiError {
  if (error instanceof ConsoleApiError) return error;
  return new ConsoleApiError('internal_error', error instanceof Error ? error.message : String(error));
}

let csrfToken: string | null = null;
let unauthorizedListener: ((endpoint: ConsoleEndpointName) => void) | null = null;

/** The session's CSRF token (from GET /session or the login answer); null after logout. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when HQ answers 401 unauthorized: the session ended (idle, absolute or revoked). */
export function onUnauthorized(listener: ((endpoint: ConsoleEndpointName) => void) | null): void {
  unauthorizedListener = listener;
}

function zodIssues(error: z.ZodError): ConsoleIssue[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), code: issue.code }));
}

function queryValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export interface ConsoleRequest {
  method: 'GET' | 'POST' | 'PUT';
  url: string;
  body: string | undefined;
}

/**
 * The request an input makes: path parameters substituted (and taken out of the input), then the
 * rest as the query string (GET) or the JSON body. The input must already be valid.
 */
export function buildRequest(endpoint: ConsoleEndpoint, input: Record<string, unknown>): ConsoleRequest {
  const names = pathParams(endpoint.path);
  const rest = Object.fromEntries(Object.entries(input).filter(([key]) => !names.includes(key)));
  let path = endpoint.path;
  for (const name of names) path = path.replace(`:${name}`, encodeURIComponent(queryValue(input[name])));
  let url = `${CONSOLE_API_PREFIX}${path}`;
  if (endpoint.method === 'GET') {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(rest)) {
      if (value !== undefined && value !== null) query.append(key, queryValue(value));
    }
    const text = query.toString();
    if (text) url += `?${text}`;
    return { method: endpoint.method, url, body: undefined };
  }
  return { method: endpoint.method, url, body: JSON.stringify(rest) };
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return (await response.json()) as unknown;
  } catch (error) {
    // Not JSON (a proxy's error page…): the status alone says what happened.
    if (!(error instanceof SyntaxError)) throw error;
    return undefined;
  }
}

/**
 * Calls one console endpoint. Throws ConsoleApiError: 'bad_request' with issues (nothing sent) for
 * an input the contract refuses, the server's refusal as it came, 'network_error' when HQ could not
 * be reached, 'bad_answer' for an answer off the contract.
 */
export async function callConsole<N extends ConsoleEndpointName>(
  name: N,
  input: ConsoleInput<N>,
  options: { signal?: AbortSignal } = {},
): Promise<ConsoleOutput<N>> {
  const endpoint: ConsoleEndpoint = CONSOLE_ENDPOINTS[name];
  const parsedInput = endpoint.input.safeParse(input);
  if (!parsedInput.success) {
    throw new ConsoleApiError('bad_request', `The ${name} input is not valid.`, {
      issues: zodIssues(parsedInput.error),
    });
  }
  const request = buildRequest(endpoint, parsedInput.data as Record<string, unknown>);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (request.method !== 'GET') {
    headers['content-type'] = 'application/json';
    if (csrfToken) headers[CSRF_HEADER] = csrfToken;
  }
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: request.method,
      credentials: 'same-origin',
      headers,
      ...(request.body === undefined ? {} : { body: request.body }),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ConsoleApiError('network_error', 'HQ could not be reached.');
  }
  const body = await readJson(response);
  if (!response.ok) {
    const refusal = ConsoleError.safeParse(body);
    const error = refusal.success
      ? new ConsoleApiError(refusal.data.code, refusal.data.message, {
          issues: refusal.data.issues,
          approvalId: refusal.data.approvalId,
          reasons: refusal.data.reasons,
          retryAfterSeconds: refusal.data.retryAfterSeconds,
          status: response.status,
        })
      : new ConsoleApiError(
          response.status === 401 ? 'unauthorized' : 'internal_error',
          `HQ answered ${response.status}.`,
          { status: response.status },
        );
    if (error.code === 'unauthorized') unauthorizedListener?.(name);
    throw error;
  }
  const parsedOutput = endpoint.output.safeParse(body);
  if (!parsedOutput.success) {
    throw new ConsoleApiError('bad_answer', `The ${name} answer is not what the contract says.`, {
      issues: zodIssues(parsedOutput.error),
      status: response.status,
    });
  }
  return parsedOutput.data as ConsoleOutput<N>;
}
