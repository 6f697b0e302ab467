// A certified OpenID provider (npm oidc-provider 8.8.1) for the authorization-code flow tests, started by
// tests/support/OidcProvider on loopback. It prints `ISSUER=http://127.0.0.1:<port>` on stdout once it listens, and
// exits on SIGTERM, SIGINT or when its standard input closes (so a crashed test never leaves it behind).
//
// Nothing secret is in this file: the signing key and the cookie keys are made at start, and the test passes its own
// run-time secrets through the environment:
//   PORTCULLIS_TEST_USER_PASSWORD   alice's password, checked by the login form (required)
//   PORTCULLIS_TEST_LOGIN_PASSWORD  what the login page types (default: the right password; set it to test a refusal)
//   PORTCULLIS_TEST_CLIENT_SECRET   the secret of native-basic and native-post (those clients exist only with it)
//   PORTCULLIS_TEST_CLIENT_JWKS     a public JWK Set (JSON) for native-jwt, which exists only with it
//
// The login is real: /interaction/:uid serves a form that inline JavaScript fills and submits (headless Chromium runs
// it), the POST checks the user name and password (401 on a wrong one), and a consent form submitted the same way
// grants the requested scopes. The provider's cookies carry the session through the browser.
import crypto from 'node:crypto';
import http from 'node:http';
import Provider from 'oidc-provider';

const userPassword = process.env.PORTCULLIS_TEST_USER_PASSWORD;
if (!userPassword) {
  console.error('provider.mjs: set PORTCULLIS_TEST_USER_PASSWORD (the test user\'s password) in the environment');
  process.exit(2);
}
const typedPassword = process.env.PORTCULLIS_TEST_LOGIN_PASSWORD ?? userPassword;
const clientSecret = process.env.PORTCULLIS_TEST_CLIENT_SECRET;
const clientJwks = process.env.PORTCULLIS_TEST_CLIENT_JWKS;
const USER = 'alice';
const MAX_FORM_BYTES = 8192;

const native = {
  application_type: 'native', // loopback redirect URIs match on any port (RFC 8252 section 7.3)
  redirect_uris: ['http://127.0.0.1/callback'],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
};
const clients = [{ ...native, client_id: 'native-public', token_endpoint_auth_method: 'none' }];
if (clientSecret) {
  clients.push({ ...native, client_id: 'native-basic', client_secret: clientSecret,
    token_endpoint_auth_method: 'client_secret_basic' });
  clients.push({ ...native, client_id: 'native-post', client_secret: clientSecret,
    token_endpoint_auth_method: 'client_secret_post' });
}
if (clientJwks) {
  let jwks;
  try {
    jwks = JSON.parse(clientJwks);
  } catch (error) {
    console.error(`provider.mjs: PORTCULLIS_TEST_CLIENT_JWKS is not JSON: ${error.message}`);
    process.exit(2);
  }
  clients.push({ ...native, client_id: 'native-jwt', token_endpoint_auth_method: 'private_key_jwt', jwks });
}

// Escapes a value for an HTML attribute or text; JSON.stringify alone would let `</script>` through.
const html = (value) => String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title, body) => `<!doctype html><html><head><meta charset="utf-8"><title>${html(title)}</title></head>`
  + `<body>${body}</body></html>`;
// A form that submits itself as soon as it is parsed: the browser stands in for a user typing and clicking.
const autoForm = (action, fields) => {
  const values = JSON.stringify(Object.fromEntries(fields.map(([name, , value]) => [name, value])));
  return page('Sign-in', `<form method="post" action="${html(action)}" data-fill="${html(values)}">`
    + fields.map(([name, type]) => `<input name="${html(name)}" type="${type}">`).join('')
    + '<button type="submit">Continue</button></form><script>const f = document.forms[0];'
    + 'for (const [k, v] of Object.entries(JSON.parse(f.dataset.fill))) f.elements[k].value = v;'
    + 'f.submit();</script>');
};

async function readForm(req) {
  let size = 0;
  const chunks = [];
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw new Error('form too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function sameSecret(a, b) {
  const x = crypto.createHash('sha256').update(a).digest();
  const y = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(x, y);
}

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const key = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const provider = new Provider(issuer, {
    clients,
    jwks: { keys: [{ ...key, kid: crypto.randomUUID(), use: 'sig', alg: 'RS256' }] },
    cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
    pkce: { methods: ['S256'], required: () => true },
    features: {
      devInteractions: { enabled: false },
      userinfo: { enabled: true },
      revocation: { enabled: true },
      introspection: {
        enabled: true,
        // Each client may introspect its own tokens only.
        allowedPolicy: async (ctx, client, token) => token.clientId === client.clientId,
      },
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
    findAccount: async (ctx, sub) => (sub === USER ? {
      accountId: sub,
      claims: async () => ({ sub, email: `${sub}@example.test`, email_verified: true }),
    } : undefined),
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    clientBasedCORS: () => false,
    ttl: {
      AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, Interaction: 600, Grant: 3600,
      RefreshToken: 86400, Session: 3600,
    },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = page('Error', `<h1>${html(out.error)}</h1><p>${html(out.error_description ?? '')}</p>`);
    },
  });

  provider.use(async (ctx, next) => {
    const match = /^\/interaction\/([\w-]+)(\/login|\/consent)?$/.exec(ctx.path);
    if (!match) return next();
    ctx.set('Cache-Control', 'no-store');
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (details.uid !== match[1]) ctx.throw(400, 'interaction mismatch');
    const { prompt, params } = details;
    if (ctx.method === 'GET' && !match[2]) {
      ctx.type = 'html';
      if (prompt.name === 'login') {
        ctx.body = autoForm(`/interaction/${details.uid}/login`, [['username', 'text', USER],
          ['password', 'password', typedPassword]]);
      } else {
        ctx.body = autoForm(`/interaction/${details.uid}/consent`, [['decision', 'hidden', 'allow']]);
      }
      return undefined;
    }
    if (ctx.method !== 'POST' || !match[2]) ctx.throw(405);
    const form = await readForm(ctx.req);
    if (match[2] === '/login') {
      if (prompt.name !== 'login') ctx.throw(400, 'not at the login step');
      if (form.get('username') !== USER || !sameSecret(form.get('password') ?? '', userPassword)) {
        console.error(`provider.mjs: login refused for "${form.get('username')}" (client ${params.client_id})`);
        ctx.status = 401;
        ctx.type = 'html';
        ctx.body = page('Sign-in refused', '<h1>Wrong user name or password</h1>');
        return undefined;
      }
      console.error(`provider.mjs: login accepted for ${USER} (client ${params.client_id})`);
      const to = await provider.interactionResult(ctx.req, ctx.res, { login: { accountId: USER } });
      ctx.status = 303;
      return ctx.redirect(to);
    }
    if (prompt.name !== 'consent' || form.get('decision') !== 'allow') ctx.throw(400, 'not at the consent step');
    const grant = details.grantId ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: params.client_id });
    if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
    if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
    for (const [resource, scopes] of Object.entries(prompt.details.missingResourceScopes ?? {})) {
      grant.addResourceScope(resource, scopes.join(' '));
    }
    const grantId = await grant.save();
    console.error(`provider.mjs: consent granted for ${params.scope} (client ${params.client_id})`);
    const to = await provider.interactionResult(ctx.req, ctx.res, { consent: { grantId } });
    ctx.status = 303;
    return ctx.redirect(to);
  });

  server.on('request', provider.callback());
  process.stdout.write(`ISSUER=${issuer}\n`);
});

function stop() {
  server.close();
  server.closeAllConnections?.();
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// Standard input is the test's pipe: when it closes (the test ended, or crashed), stop. A terminal is left alone.
if (!process.stdin.isTTY) {
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
}
