// The console's API client: the DynamoDB and DynamoDB Streams JSON APIs,
// called on the server that served the console, signed with the
// credentials the user entered (or placeholder ones, which a server
// without --auth accepts, as DynamoDB Local does).

import {sign} from './sigv4.js';

const CONTENT_TYPE = 'application/x-amz-json-1.0';
const STORAGE_KEY = 'dynago.console.credentials';

// SIGNING_SERVICE is the SigV4 service name of both APIs: DynamoDB Streams
// signs as "dynamodb" too.
const SIGNING_SERVICE = 'dynamodb';

const TARGETS = {
  dynamodb: 'DynamoDB_20120810.',
  streams: 'DynamoDBStreams_20120810.',
};

// Placeholder credentials, used until the user enters real ones.
const PLACEHOLDER = {accessKeyId: 'dynago-console', secretAccessKey: 'dynago-console', sessionToken: ''};

// AUTH_ERRORS are the error types that mean the credentials, not the
// request, are wrong: the console then asks for an access key.
export const AUTH_ERRORS = new Set([
  'UnrecognizedClientException', 'InvalidSignatureException', 'MissingAuthenticationTokenException',
  'IncompleteSignatureException', 'ExpiredTokenException', 'InvalidClientTokenId',
]);

// ApiError is an error answered by the API: type is DynamoDB's error type
// (the part of __type after '#'), message its message.
export class ApiError extends Error {
  constructor(type, message, status, body) {
    super(message ? `${type}: ${message}` : type);
    this.type = type;
    this.apiMessage = message || '';
    this.status = status;
    this.body = body;
  }
}

// isUnavailable reports whether err says the server does not serve an
// operation at all (PartiQL or Streams on a server without them).
export function isUnavailable(err) {
  return err instanceof ApiError && err.type === 'UnknownOperationException';
}

// Session holds the credentials and region, in sessionStorage so that
// they last as long as the tab and never reach disk or other tabs.
export class Session {
  constructor(storage = globalThis.sessionStorage) {
    this.storage = storage;
    this.region = 'us-east-1';
    this.listeners = new Set();
    let saved = null;
    try { saved = JSON.parse(storage.getItem(STORAGE_KEY) || 'null'); } catch { saved = null; }
    this.creds = saved && saved.accessKeyId ? saved : null;
    if (this.creds && this.creds.region) this.region = this.creds.region;
  }

  // credentials are the entered ones or the placeholders.
  credentials() { return this.creds || PLACEHOLDER; }

  // entered reports whether the user entered credentials.
  entered() { return this.creds !== null; }

  save({accessKeyId, secretAccessKey, sessionToken, region}) {
    this.creds = {accessKeyId, secretAccessKey, sessionToken: sessionToken || '', region: region || this.region};
    this.region = this.creds.region;
    this.storage.setItem(STORAGE_KEY, JSON.stringify(this.creds));
    this.emit();
  }

  forget() {
    this.creds = null;
    this.storage.removeItem(STORAGE_KEY);
    this.emit();
  }

  // setServerRegion adopts the region the server reports, unless the user
  // chose one.
  setServerRegion(region) {
    this.serverRegion = region;
    if (!this.creds || !this.creds.region) this.region = region;
    this.emit();
  }

  onChange(fn) { this.listeners.add(fn); return () => this.listeners.delete(fn); }
  emit() { for (const fn of this.listeners) fn(this); }
}

// Client calls the API with a Session's credentials.
export class Client {
  constructor(session, {onAuthError} = {}) {
    this.session = session;
    this.onAuthError = onAuthError;
    this.endpoint = new URL('/', location.href);
  }

  // call sends one operation and returns its decoded answer, or throws an
  // ApiError.
  async call(op, input = {}, {api = 'dynamodb'} = {}) {
    const body = JSON.stringify(input);
    const headers = {'Content-Type': CONTENT_TYPE, 'X-Amz-Target': TARGETS[api] + op};
    const creds = this.session.credentials();
    const signed = await sign({method: 'POST', host: this.endpoint.host, path: '/', headers, body},
      creds, {region: this.session.region, service: SIGNING_SERVICE});
    let res;
    try {
      res = await fetch(this.endpoint, {method: 'POST', headers: {...headers, ...signed}, body, cache: 'no-store', credentials: 'omit'});
    } catch (e) {
      throw new ApiError('NetworkError', 'The server could not be reached (' + e.message + ')', 0);
    }
    const text = await res.text();
    let data = null;
    try { data = text ? JSON.parse(text) : {}; } catch { data = null; }
    if (res.ok && data !== null) return data;
    const err = toError(res.status, text, data);
    if (AUTH_ERRORS.has(err.type) && this.onAuthError) this.onAuthError(err);
    throw err;
  }

  // pages calls a paginated operation until it has no more pages, feeding
  // each answer to collect; next(out) returns the next request's token
  // fields or null.
  async pages(op, input, next, collect, opts = {}) {
    let req = {...input};
    for (;;) {
      const out = await this.call(op, req, opts);
      collect(out);
      const more = next(out);
      if (!more) return;
      req = {...input, ...more};
    }
  }

  // listTableNames returns every table name, following LastEvaluatedTableName.
  async listTableNames() {
    const names = [];
    await this.pages('ListTables', {Limit: 100},
      out => out.LastEvaluatedTableName ? {ExclusiveStartTableName: out.LastEvaluatedTableName} : null,
      out => names.push(...(out.TableNames || [])));
    return names;
  }

  // serverRegion reads the region from the health check, which answers
  // "healthy: dynamodb.<region>.amazonaws.com".
  async serverRegion() {
    const res = await fetch(this.endpoint, {cache: 'no-store', credentials: 'omit'});
    const m = /dynamodb\.([a-z0-9-]+)\.amazonaws\.com/.exec(await res.text());
    return m ? m[1] : null;
  }

  // metrics fetches the Prometheus text of GET /metrics.
  async metrics() {
    const res = await fetch(new URL('/metrics', this.endpoint), {cache: 'no-store', credentials: 'omit'});
    if (!res.ok) throw new ApiError('MetricsUnavailable', `GET /metrics answered ${res.status}`, res.status);
    return res.text();
  }
}

// toError turns a failed answer into an ApiError: DynamoDB's JSON envelope
// ({"__type": "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",
// "message": ...}), or the bare <UnknownOperationException/> it answers to
// what is not an API call.
function toError(status, text, data) {
  if (data && typeof data === 'object' && data.__type) {
    const type = String(data.__type).split('#').pop();
    return new ApiError(type, data.message || data.Message || '', status, data);
  }
  const m = /^<(\w+)\/>/.exec(text.trim());
  if (m) return new ApiError(m[1], '', status);
  return new ApiError(status >= 500 ? 'InternalServerError' : 'HttpError', `HTTP ${status} ${text.slice(0, 200)}`, status);
}
