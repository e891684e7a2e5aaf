// A real OpenID Connect provider (panva/node-oidc-provider, OpenID Certified) on loopback, for
// Laurel's sign-in tests. Started by tests/accounts/oidc_server.py; prints one JSON line
// {"issuer": ...} once it listens.
//
// Environment: OIDC_CLIENTS = JSON list of {client_id, client_secret, redirect_uris}.
// Accounts: any login is accepted (devInteractions); the account id is the login, and the
// claims are derived from it (name "Learner <login>", or OIDC_NAMES = {login: name}).
//
// For the negative tests only: POST /__test/tamper {"claims": {...}} makes the NEXT token
// response carry an ID token with those claims overridden, re-signed with the provider's own
// key (so the signature verifies and only the claim is wrong: wrong audience, expired, ...).
import http from 'node:http';

import * as jose from 'jose';
import Provider from 'oidc-provider';

const clients = JSON.parse(process.env.OIDC_CLIENTS || '[]');
const names = JSON.parse(process.env.OIDC_NAMES || '{}');
const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
const kid = 'test-rs256';
const privateJwk = { ...(await jose.exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };

let tamper = null;
const server = http.createServer();
await new Promise((resolve) => server.listen(Number(process.env.PORT || 0), '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: clients.map((c) => ({
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    ...c,
  })),
  jwks: { keys: [privateJwk] },
  cookies: { keys: ['laurel-test-cookie-key'] },
  pkce: { required: () => true },
  conformIdTokenClaims: false, // the profile claims in the ID token, as Open edX sends them
  claims: {
    openid: ['sub'],
    profile: ['name', 'given_name', 'family_name', 'preferred_username'],
    email: ['email', 'email_verified'],
  },
  scopes: ['openid', 'profile', 'email'],
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  async findAccount(ctx, id) {
    const name = names[id] || `Learner ${id}`;
    return {
      accountId: id,
      async claims() {
        return {
          sub: id, // oidc-provider: the subject is the account id
          name,
          given_name: name.split(' ')[0],
          family_name: name.split(' ').slice(1).join(' '),
          preferred_username: id,
          email: `${id}@example.test`,
          email_verified: true,
        };
      },
    };
  },
});
provider.proxy = false;

provider.use(async (ctx, next) => {
  await next();
  if (ctx.path !== '/token' || ctx.status !== 200 || !tamper) return;
  const body = typeof ctx.body === 'string' ? JSON.parse(ctx.body) : ctx.body;
  if (!body || !body.id_token) return;
  const claims = { ...jose.decodeJwt(body.id_token), ...tamper };
  tamper = null;
  body.id_token = await new jose.SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
    .sign(privateKey);
  ctx.body = body;
});

const callback = provider.callback();
server.on('request', (req, res) => {
  if (req.url === '/__test/tamper' && req.method === 'POST') {
    let data = '';
    req.on('data', (chunk) => { data += chunk; });
    req.on('end', () => {
      tamper = JSON.parse(data).claims;
      res.writeHead(204).end();
    });
    return;
  }
  callback(req, res);
});

process.stdout.write(`${JSON.stringify({ issuer })}\n`);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
