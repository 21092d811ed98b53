// The console's shell: the session and API client, the credentials
// dialog, and the hash router that renders one page at a time into #view.

import {h, replace, clear} from './dom.js';
import {Session, Client} from './api.js';
import {button, modal, errorBox} from './ui.js';
import * as tablesPage from './pages/tables.js';
import * as tablePage from './pages/table.js';
import * as createPage from './pages/create.js';
import * as itemsPage from './pages/items.js';
import * as partiqlPage from './pages/partiql.js';
import * as streamsPage from './pages/streams.js';
import * as metricsPage from './pages/metrics.js';

// routes map a hash path to a page; the first match wins. A page module
// exports render(ctx), and may return a cleanup function.
const routes = [
  [/^\/tables\/?$/, tablesPage, 'tables'],
  [/^\/create-table$/, createPage, 'tables'],
  [/^\/tables\/([^/]+)\/items$/, itemsPage, 'tables'],
  [/^\/tables\/([^/]+)$/, tablePage, 'tables'],
  [/^\/partiql$/, partiqlPage, 'partiql'],
  [/^\/streams$/, streamsPage, 'streams'],
  [/^\/metrics$/, metricsPage, 'metrics'],
];

const session = new Session();
let credentialsOpen = null;
const client = new Client(session, {onAuthError: err => openCredentials(err)});

const view = document.getElementById('view');
const crumbs = document.getElementById('crumbs');
let cleanup = null;
let generation = 0;

// parseHash splits "#/tables/Music?tab=indexes" into a path and a query.
function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/tables';
  const [path, qs] = raw.split('?');
  return {path, query: new URLSearchParams(qs || '')};
}

async function render() {
  const gen = ++generation;
  if (cleanup) { try { cleanup(); } catch (e) { console.error(e); } cleanup = null; }
  const {path, query} = parseHash();
  let match = null;
  for (const [re, page, nav] of routes) {
    const m = re.exec(path);
    if (m) { match = {page, nav, params: m.slice(1).map(decodeURIComponent)}; break; }
  }
  for (const a of document.querySelectorAll('[data-nav]')) {
    a.classList.toggle('active', match !== null && a.dataset.nav === match.nav);
  }
  clear(view);
  if (!match) {
    setCrumbs([['Not found']]);
    view.appendChild(errorBox({name: 'Not found', message: `No page at ${path}`}));
    return;
  }
  const ctx = {
    client, session, view, query, params: match.params,
    // alive reports whether this page is still the one shown: async work
    // checks it before touching the page.
    alive: () => gen === generation,
    setCrumbs,
    navigate,
  };
  try {
    const c = await match.page.render(ctx);
    if (gen === generation) cleanup = typeof c === 'function' ? c : null;
    else if (typeof c === 'function') c();
  } catch (e) {
    if (gen === generation) { clear(view); view.appendChild(errorBox(e)); }
  }
  view.dataset.page = match.page.name || '';
  document.body.dataset.ready = String(gen);
}

// navigate goes to a hash path such as '/tables/Music'.
function navigate(path) {
  if (location.hash === '#' + path) render();
  else location.hash = path;
}

// setCrumbs sets the breadcrumb trail: [[label, href?], ...].
function setCrumbs(list) {
  replace(crumbs, list.map(([label, href], i) => h('li', null,
    href && i < list.length - 1 ? h('a', {href}, label) : h('span', null, label))));
  document.title = list.map(x => x[0]).reverse().concat('Dynago console').join(' · ');
}

function sessionBadge() {
  const regionPill = document.getElementById('region-pill');
  const who = document.getElementById('credentials-btn');
  replace(regionPill, session.region);
  replace(who, session.entered() ? session.credentials().accessKeyId : 'Sign in');
  who.title = session.entered() ? 'Signed requests with this access key; click to change' : 'Using placeholder credentials; click to enter an access key';
}

// openCredentials asks for an access key. err, when given, is the
// authentication error that made the console ask.
function openCredentials(err) {
  if (credentialsOpen) return;
  const c = session.entered() ? session.credentials() : {};
  const akid = h('input', {class: 'input', name: 'accessKeyId', autocomplete: 'username', value: c.accessKeyId || '', required: true, spellcheck: 'false'});
  const secret = h('input', {class: 'input', name: 'secretAccessKey', type: 'password', autocomplete: 'current-password', value: c.secretAccessKey || '', required: true});
  const token = h('input', {class: 'input', name: 'sessionToken', autocomplete: 'off', value: c.sessionToken || '', spellcheck: 'false'});
  const region = h('input', {class: 'input', name: 'region', value: session.region, required: true, spellcheck: 'false'});
  const form = h('form', {class: 'form-grid', id: 'credentials-form'},
    err ? errorBox(err) : null,
    h('p', {class: 'muted'}, 'Requests are signed in this browser with AWS Signature Version 4. The secret stays in this tab (session storage) and is never sent.'),
    h('label', {class: 'field'}, h('span', {class: 'field-label'}, 'Access key ID'), akid),
    h('label', {class: 'field'}, h('span', {class: 'field-label'}, 'Secret access key'), secret),
    h('label', {class: 'field'}, h('span', {class: 'field-label'}, 'Session token (optional)'), token),
    h('label', {class: 'field'}, h('span', {class: 'field-label'}, 'Region'), region));
  form.addEventListener('submit', e => {
    e.preventDefault();
    session.save({accessKeyId: akid.value.trim(), secretAccessKey: secret.value, sessionToken: token.value.trim(), region: region.value.trim()});
    m.close();
    render();
  });
  const m = modal('Credentials', form, [
    session.entered() ? button('Forget', () => { session.forget(); m.close(); render(); }, {kind: 'link'}) : null,
    button('Cancel', () => m.close()),
    button('Save', null, {kind: 'primary', type: 'submit', form: 'credentials-form'}),
  ]);
  credentialsOpen = m;
  m.dialog.addEventListener('close', () => { credentialsOpen = null; });
  akid.focus();
}

async function start() {
  session.onChange(sessionBadge);
  sessionBadge();
  document.getElementById('credentials-btn').addEventListener('click', () => openCredentials());
  window.addEventListener('hashchange', render);
  try {
    const region = await client.serverRegion();
    if (region) session.setServerRegion(region);
  } catch {
    // The health check is a nicety: without it the region stays the default.
  }
  const info = document.getElementById('server-info');
  replace(info, h('span', {class: 'muted'}, 'Endpoint'), h('code', null, location.host));
  render();
}

start();
