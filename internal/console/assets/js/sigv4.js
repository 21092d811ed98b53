// AWS Signature Version 4 for the DynamoDB JSON API, computed in the
// browser: the console signs each request exactly as an SDK does, so it
// works against a server that accepts any well-formed signature and against
// one started with --auth that verifies them.
//
// Only what a DynamoDB call needs is implemented: POST of a JSON body to
// the root path with no query string, signing the host, content type,
// X-Amz-Date, X-Amz-Target (and X-Amz-Security-Token for temporary
// credentials) headers.

import {sha256 as jsSha256, hmacSha256 as jsHmac} from './sha256.js';

const ALGORITHM = 'AWS4-HMAC-SHA256';
const encoder = new TextEncoder();

// webCrypto hashes with crypto.subtle (available in secure contexts).
export const webCrypto = {
  async sha256(bytes) {
    return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  },
  async hmac(key, bytes) {
    const k = await crypto.subtle.importKey('raw', key, {name: 'HMAC', hash: 'SHA-256'}, false, ['sign']);
    return new Uint8Array(await crypto.subtle.sign('HMAC', k, bytes));
  },
};

// scriptCrypto hashes in JavaScript, for insecure contexts.
export const scriptCrypto = {
  async sha256(bytes) { return jsSha256(bytes); },
  async hmac(key, bytes) { return jsHmac(key, bytes); },
};

// defaultCrypto is Web Crypto where the page may use it, else the script
// implementation.
export function defaultCrypto() {
  return globalThis.crypto && globalThis.crypto.subtle ? webCrypto : scriptCrypto;
}

function hex(bytes) {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

// amzDate formats t as SigV4's basic ISO 8601 timestamp: 20240102T030405Z.
export function amzDate(t) {
  return t.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

// canonicalHeaderValue trims a header value and collapses runs of spaces,
// as SigV4's canonical form asks.
function canonicalHeaderValue(v) {
  return String(v).trim().replace(/\s+/g, ' ');
}

// sign returns the headers to add to a request: X-Amz-Date, Authorization
// and, for temporary credentials, X-Amz-Security-Token. req holds method,
// host (as the browser sends it: location.host), path, headers (the other
// headers to sign, e.g. Content-Type and X-Amz-Target) and body (a
// string); creds holds accessKeyId, secretAccessKey, sessionToken;
// scope holds region and service.
export async function sign(req, creds, scope, {date = new Date(), crypto: c = defaultCrypto()} = {}) {
  const stamp = amzDate(date);
  const day = stamp.slice(0, 8);
  const add = {'X-Amz-Date': stamp};
  if (creds.sessionToken) add['X-Amz-Security-Token'] = creds.sessionToken;

  const all = {host: req.host, ...req.headers, ...add};
  const names = Object.keys(all).map(k => k.toLowerCase());
  const values = Object.fromEntries(Object.entries(all).map(([k, v]) => [k.toLowerCase(), canonicalHeaderValue(v)]));
  names.sort();
  const signedHeaders = names.join(';');
  const canonicalHeaders = names.map(n => n + ':' + values[n] + '\n').join('');

  const payloadHash = hex(await c.sha256(encoder.encode(req.body || '')));
  const canonicalRequest = [req.method || 'POST', req.path || '/', '', canonicalHeaders, signedHeaders, payloadHash].join('\n');
  const credentialScope = `${day}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = [ALGORITHM, stamp, credentialScope, hex(await c.sha256(encoder.encode(canonicalRequest)))].join('\n');

  let key = encoder.encode('AWS4' + creds.secretAccessKey);
  for (const part of [day, scope.region, scope.service, 'aws4_request']) {
    key = await c.hmac(key, encoder.encode(part));
  }
  const signature = hex(await c.hmac(key, encoder.encode(stringToSign)));
  add.Authorization = `${ALGORITHM} Credential=${creds.accessKeyId}/${credentialScope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return add;
}
