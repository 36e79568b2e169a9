// Elevate's test identity provider: panva/oidc-provider (OpenID Certified) on 127.0.0.1, set up to
// answer the way Entra ID does where Elevate's sign-in depends on it:
//   - Entra's paths: /{tenant}/oauth2/v2.0/authorize | token | devicecode (any tenant segment)
//   - a native public client: PKCE (S256) required, loopback redirect on any port
//   - refresh tokens for offline_access, rotated on every use (reuse of an old one is refused)
//   - the resource taken from the scope (".../.default"), so one refresh token serves ARM and Graph
//   - a `claims` parameter asking for the authentication context c1 forces a new login whose access
//     tokens carry acrs: ["c1"]
//   - device code, with the user code entered on /device
//   - one resource per token or device-code request (AADSTS28000 otherwise)
// A headless user (OP_USER_OID, OP_TENANT_ID, OP_USERNAME) approves every login and consent, so a
// test's HTTP client, or curl, can play the browser.
//
// Usage: node op.mjs PORT   -> prints {"issuer": "http://127.0.0.1:PORT"} once listening.
import http from 'node:http';
import Provider, { interactionPolicy } from 'oidc-provider';

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: node op.mjs PORT');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;
const CLIENT_ID = process.env.OP_CLIENT_ID || 'elevate-test';
const ARM = 'https://management.azure.com';
const GRAPH = 'https://graph.microsoft.com';
const user = {
  sub: 'test-user',
  oid: process.env.OP_USER_OID || '7f1c0c55-5e1d-4a36-9d3c-000000000001',
  tid: process.env.OP_TENANT_ID || '00000000-0000-0000-0000-0000000000aa',
  preferred_username: process.env.OP_USERNAME || 'tester@contoso.test',
  name: 'Test User',
};

// Entra names the resource inside the scope; oidc-provider speaks RFC 8707 resource indicators.
function resourcesOf(scope = '') {
  const found = [];
  for (const s of String(scope).split(' ')) {
    for (const r of [ARM, GRAPH]) if (s.startsWith(`${r}/`) && !found.includes(r)) found.push(r);
  }
  return found;
}

const wantsStepUp = (params) => String(params.claims || '').includes('acrs');

// Login is asked again when the request's claims want an authentication context the session lacks.
const policy = interactionPolicy.base();
policy.get('login').checks.add(new interactionPolicy.Check(
  'step_up',
  'the claims ask for an authentication context the session does not have',
  (ctx) => (wantsStepUp(ctx.oidc.params) && ctx.oidc.session.acr !== 'c1'
    ? interactionPolicy.Check.REQUEST_PROMPT : interactionPolicy.Check.NO_NEED_TO_PROMPT),
));

const provider = new Provider(issuer, {
  clients: [{
    client_id: CLIENT_ID,
    application_type: 'native',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
    response_types: ['code'],
    redirect_uris: ['http://127.0.0.1/'],
  }],
  scopes: ['openid', 'profile', 'offline_access'],
  claims: { openid: ['sub', 'tid', 'oid'], profile: ['name', 'preferred_username'] },
  findAccount: async (ctx, sub) => (sub === user.sub ? { accountId: sub, claims: async () => ({ ...user }) } : undefined),
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
  extraParams: ['claims'],
  extraTokenClaims: async (ctx) => {
    const from = ctx.oidc.entities.AuthorizationCode || ctx.oidc.entities.RefreshToken || ctx.oidc.entities.DeviceCode;
    const claims = { oid: user.oid, tid: user.tid, upn: user.preferred_username, name: user.name };
    return from?.acr === 'c1' ? { ...claims, acrs: ['c1'] } : claims;
  },
  interactions: { policy, url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  ttl: { AccessToken: 3600, AuthorizationCode: 600, DeviceCode: 600, Grant: 86400, Interaction: 600, Session: 86400, RefreshToken: 86400 },
  features: {
    devInteractions: { enabled: false },
    claimsParameter: { enabled: false },
    deviceFlow: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: (ctx, client, oneOf) => {
        const wanted = resourcesOf(ctx.oidc.params.scope);
        if (oneOf) return wanted.find((r) => [].concat(oneOf).includes(r)) ?? [].concat(oneOf)[0];
        return wanted.length > 1 ? wanted : (wanted[0] ?? ARM);
      },
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, resource) => ({
        scope: resource === ARM ? `${ARM}/.default ${ARM}/user_impersonation` : `${GRAPH}/.default`,
        audience: resource,
        accessTokenFormat: 'jwt',
        accessTokenTTL: 3600,
        jwt: { sign: { alg: 'RS256' } },
      }),
    },
  },
});
provider.proxy = false;

// The headless user.
provider.use(async (ctx, next) => {
  if (!/^\/interaction\/[^/]+$/.test(ctx.path)) return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  const { prompt, params } = details;
  let result;
  if (prompt.name === 'login') {
    const stepUp = wantsStepUp(params);
    result = { login: { accountId: user.sub, acr: stepUp ? 'c1' : '1', amr: stepUp ? ['pwd', 'mfa'] : ['pwd'] } };
  } else {
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: params.client_id });
    const missing = prompt.details;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes || {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    result = { consent: { grantId: await grant.save() } };
  }
  return provider.interactionFinished(ctx.req, ctx.res, result, { mergeWithLastSubmission: true });
});

// Entra's paths onto oidc-provider's routes. Entra grants offline_access whenever it is asked for;
// oidc-provider keeps it only with prompt=consent, so authorization requests get that prompt.
//
// One resource per token request, as Entra: a token or device-code request whose scopes name ARM and
// Graph together is refused with AADSTS28000 (the authorize request may name both, to consent up
// front). Entra's tenant-wide admin consent lets one resource's refresh token serve the other; here
// a device authorization for one resource is granted both, so that its refresh token can too.
const routes = { authorize: '/auth', token: '/token', devicecode: '/device/auth' };
const callback = provider.callback();

function refuseSeveralResources(res, scope) {
  const now = new Date().toISOString().replace('T', ' ').replace(/\..*$/, 'Z');
  const body = JSON.stringify({
    error: 'invalid_request',
    error_description: `AADSTS28000: Provided value for the input parameter scope is not valid because it contains more than one resource. Scope ${scope} is not valid. Timestamp: ${now}`,
    error_codes: [28000],
    timestamp: now,
  });
  res.writeHead(400, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store, no-cache' });
  res.end(body);
}

// Reads a form POST, refuses several resources, and hands the (possibly widened) form on.
function formRoute(req, res, path, what) {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const scope = form.get('scope') || '';
    if (resourcesOf(scope).length > 1) return refuseSeveralResources(res, scope);
    if (what === 'devicecode' && resourcesOf(scope).length === 1) {
      form.set('scope', `${scope} ${[ARM, GRAPH].filter((r) => !resourcesOf(scope).includes(r)).map((r) => `${r}/.default`).join(' ')}`);
    }
    // The body is read: oidc-provider takes an already parsed one from req.body.
    req.body = form.toString();
    req.url = path;
    return callback(req, res);
  });
}

const server = http.createServer((req, res) => {
  const match = /^\/[A-Za-z0-9.-]+\/oauth2\/v2\.0\/(authorize|token|devicecode)(\?.*)?$/.exec(req.url);
  if (match) {
    let query = match[2] || '';
    if (match[1] === 'authorize' && !/[?&]prompt=/.test(query)) query += `${query ? '&' : '?'}prompt=consent`;
    if (match[1] !== 'authorize' && req.method === 'POST') return formRoute(req, res, routes[match[1]] + query, match[1]);
    req.url = routes[match[1]] + query;
  }
  return callback(req, res);
});
server.listen(port, '127.0.0.1', () => console.log(JSON.stringify({ issuer })));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
