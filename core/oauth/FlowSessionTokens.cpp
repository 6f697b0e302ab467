// The token-endpoint half of FlowSession: redeeming the code, checking the ID token against the provider's keys,
// and the on-demand steps (refresh, userinfo, introspect, revoke).

#include "oauth/FlowSession.h"

#include <QJsonDocument>
#include <QJsonObject>

#include "common/Clock.h"
#include "common/Redaction.h"
#include "crypto/ConstantTime.h"
#include "net/HttpClient.h"
#include "oauth/ClientAuthentication.h"
#include "oauth/FlowDiagnosis.h"
#include "oauth/FlowError.h"
#include "oauth/IdTokenCheck.h"

namespace portcullis::oauth {

namespace {

QString describeTokens(const FlowTokens &tokens, const QDateTime &now)
{
    QStringList parts {QStringLiteral("an access token (%1)").arg(tokens.tokenType)};
    if (tokens.expiresAt.isValid())
        parts.last() = QStringLiteral("an access token (%1, expires in %2 s)")
                           .arg(tokens.tokenType)
                           .arg(now.secsTo(tokens.expiresAt));
    if (!tokens.refreshToken.isEmpty())
        parts.append(QStringLiteral("a refresh token"));
    if (!tokens.idToken.isEmpty())
        parts.append(QStringLiteral("an ID token"));
    return parts.join(QStringLiteral(", "));
}

} // namespace

QString FlowSession::assertionAudience() const
{
    return m_metadata && !m_metadata->issuer.isEmpty() ? m_metadata->issuer
                                                       : m_metadata->tokenEndpoint.toString(QUrl::FullyEncoded);
}

void FlowSession::postToEndpoint(const QUrl &endpoint, const QString &what, FormFields fields,
                                 std::function<void(const net::HttpExchange &)> onSuccess)
{
    auto request
        = authenticatedPost(endpoint, std::move(fields), m_profile, m_credentials, assertionAudience(), m_clock);
    if (!request)
        return fail(request.error());
    m_http.send(std::move(*request), m_requestContext.get(),
                [this, what, onSuccess = std::move(onSuccess)](net::HttpExchange exchange) {
                    current().exchanges.append(exchange);
                    if (!exchange.hasResponse())
                        return fail(diagnosis::transport(exchange, what));
                    if (exchange.status != 200)
                        return fail(diagnosis::tokenEndpoint(exchange, m_profile.authMethod, what));
                    onSuccess(exchange);
                });
}

void FlowSession::redeem()
{
    const QByteArray code = std::exchange(m_code, QByteArray()); // a code works once, whatever the answer
    FormFields fields {
        {QStringLiteral("grant_type"), QStringLiteral("authorization_code")},
        {QStringLiteral("code"), QString::fromUtf8(code)},
        {QStringLiteral("redirect_uri"), m_redirectUri.toString()},
        {QStringLiteral("code_verifier"), QString::fromLatin1(m_pkce->verifier)},
    };
    postToEndpoint(m_metadata->tokenEndpoint, QStringLiteral("token endpoint"), fields,
                   [this](const net::HttpExchange &exchange) {
                       auto tokens = FlowTokens::fromTokenResponse(exchange.responseBody, m_clock);
                       if (!tokens)
                           return fail(tokens.error());
                       m_tokens = std::move(*tokens);
                       pass(QStringLiteral("Received ") + describeTokens(m_tokens, m_clock.nowUtc()));
                   });
}

QList<crypto::Algorithm> FlowSession::idTokenAlgorithms() const
{
    QList<crypto::Algorithm> algorithms;
    for (const QString &name : m_metadata->idTokenSigningAlgValuesSupported) {
        if (const auto algorithm = crypto::jwa::fromName(name.toLatin1()))
            algorithms.append(*algorithm);
    }
    return algorithms;
}

void FlowSession::checkTokens()
{
    if (!m_profile.wantsOpenId()) {
        current().notes.append(
            QStringLiteral("No openid scope was asked for, so there is no ID token to check%1. An "
                           "access token is for the API: a client does not read it (use "
                           "introspect).")
                .arg(m_tokens.idToken.isEmpty() ? QString() : QStringLiteral(" (the one sent anyway is ignored)")));
        m_tokensChecked = true;
        return pass(QStringLiteral("No ID token to check (no openid scope)"));
    }
    if (m_tokens.idToken.isEmpty())
        return fail(Error(FlowError::InvalidTokenResponse,
                          QStringLiteral("The flow asked for the openid scope but the token response has no id_token: "
                                         "the provider is not acting as an OpenID provider for this client, or the "
                                         "openid scope was dropped.")));
    if (m_metadata->jwksUri.isEmpty()) {
        current().notes.append(QStringLiteral("The provider publishes no jwks_uri: only an HMAC-signed ID token (with "
                                              "the client secret) can be verified."));
        return verifyIdToken(jose::JwkSet(), true);
    }
    fetchKeys(false);
}

void FlowSession::fetchKeys(bool refetched)
{
    m_http.send(net::HttpRequest::get(m_metadata->jwksUri, "application/jwk-set+json, application/json"),
                m_requestContext.get(), [this, refetched](net::HttpExchange exchange) {
                    current().exchanges.append(exchange);
                    if (!exchange.hasResponse())
                        return fail(Error(FlowError::JwksFailed,
                                          diagnosis::transport(exchange, QStringLiteral("JWKS URI")).detail()));
                    if (exchange.status != 200)
                        return fail(Error(FlowError::JwksFailed,
                                          QStringLiteral("The JWKS URI %1 answered HTTP %2; the ID token cannot be "
                                                         "verified without the provider's keys.")
                                              .arg(m_metadata->jwksUri.toString())
                                              .arg(exchange.status)));
                    auto keys = jose::JwkSet::parse(exchange.responseBody);
                    if (!keys)
                        return fail(Error(
                            FlowError::JwksFailed,
                            QStringLiteral("The provider's key set is not usable: %1").arg(keys.error().detail())));
                    verifyIdToken(*keys, refetched);
                });
}

void FlowSession::verifyIdToken(const jose::JwkSet &keys, bool refetched)
{
    IdTokenExpectations expect;
    expect.issuer = m_metadata->issuer;
    expect.clientId = m_profile.clientId;
    expect.nonce = m_nonce;
    expect.allowedAlgorithms = idTokenAlgorithms();
    expect.leeway = m_options.leeway;
    expect.accessToken = m_tokens.accessToken;
    if (!m_credentials.clientSecret.isEmpty()) {
        if (auto secretKey = crypto::Key::fromHmacSecret(m_credentials.clientSecret.clone()))
            expect.clientSecretKey = jose::Jwk::fromKey(std::move(*secretKey), QStringLiteral("client-secret"));
    }
    const IdTokenReport report = checkIdToken(m_tokens.idToken, keys, expect, m_clock);
    if (report.unknownKid && !refetched) {
        current().notes.append(QStringLiteral("The ID token names a key the set does not hold; fetching the set once "
                                              "more, in case the provider rotated its keys."));
        return fetchKeys(true);
    }
    current().checks = report.checks;
    m_idTokenClaims = report.claims;
    if (!report.ok())
        return fail(*report.error);
    m_idTokenSubject = QJsonDocument::fromJson(report.claims).object().value(QStringLiteral("sub")).toString();
    m_tokensChecked = true;
    pass(QStringLiteral("The ID token is signed by the provider and its claims check out (sub %1)")
             .arg(redaction::escapeUntrusted(m_idTokenSubject, 80)));
}

void FlowSession::refresh()
{
    const FormFields fields {
        {QStringLiteral("grant_type"), QStringLiteral("refresh_token")},
        {QStringLiteral("refresh_token"), QString::fromUtf8(m_tokens.refreshToken)},
    };
    postToEndpoint(m_metadata->tokenEndpoint, QStringLiteral("token endpoint"), fields,
                   [this](const net::HttpExchange &exchange) {
                       const FlowTokens previous = m_tokens;
                       auto tokens = FlowTokens::fromTokenResponse(exchange.responseBody, m_clock, &previous);
                       if (!tokens)
                           return fail(tokens.error());
                       m_tokens = std::move(*tokens);
                       const bool rotated = !m_tokens.refreshToken.isEmpty()
                           && !crypto::constantTimeEqual(m_tokens.refreshToken, previous.refreshToken);
                       current().notes.append(
                           rotated ? QStringLiteral("The refresh token was rotated: the old one must now be refused "
                                                    "(a provider that accepts it again has no reuse detection).")
                                   : QStringLiteral("The refresh token was not rotated; it stays valid for reuse."));
                       if (m_tokens.idToken != previous.idToken)
                           current().notes.append(QStringLiteral("A new ID token came with it: run \"check tokens\" "
                                                                 "to verify it."));
                       pass(QStringLiteral("Refreshed: ") + describeTokens(m_tokens, m_clock.nowUtc()));
                   });
}

void FlowSession::userInfo()
{
    net::HttpRequest request = net::HttpRequest::get(m_metadata->userinfoEndpoint);
    request.headers.prepend({"Authorization", "Bearer " + m_tokens.accessToken});
    m_http.send(std::move(request), m_requestContext.get(), [this](net::HttpExchange exchange) {
        current().exchanges.append(exchange);
        if (!exchange.hasResponse())
            return fail(diagnosis::transport(exchange, QStringLiteral("userinfo endpoint")));
        if (exchange.status == 401 || exchange.status == 403)
            return fail(Error(FlowError::TokenRequestFailed,
                              QStringLiteral("The userinfo endpoint refused the access token (HTTP %1%2). Likely "
                                             "cause: the token expired or was revoked (refresh it), or lacks the "
                                             "openid scope.")
                                  .arg(exchange.status)
                                  .arg(exchange.responseHeader("WWW-Authenticate").isEmpty() ? QString()
                                                                                             : QStringLiteral(", ")
                                               + redaction::escapeUntrusted(QString::fromUtf8(exchange.responseHeader(
                                                                                "WWW-Authenticate")),
                                                                            200))));
        if (exchange.status != 200)
            return fail(diagnosis::tokenEndpoint(exchange, m_profile.authMethod, QStringLiteral("userinfo endpoint")));
        if (exchange.responseHeader("Content-Type").toLower().startsWith("application/jwt"))
            return pass(QStringLiteral("Signed user info (a JWT); inspect it in the JWT inspector"));
        const QJsonObject claims = QJsonDocument::fromJson(exchange.responseBody).object();
        const QString sub = claims.value(QStringLiteral("sub")).toString();
        if (sub.isEmpty())
            return fail(Error(FlowError::InvalidTokenResponse,
                              QStringLiteral("The user info has no sub; OpenID "
                                             "Connect requires one.")));
        if (!m_idTokenSubject.isEmpty() && sub != m_idTokenSubject)
            return fail(
                Error(FlowError::IdTokenRejected,
                      QStringLiteral("The user info is about sub \"%1\" but the ID token about \"%2\": the "
                                     "response must not be used (OpenID Connect Core 5.3.2).")
                          .arg(redaction::escapeUntrusted(sub, 80), redaction::escapeUntrusted(m_idTokenSubject, 80))));
        pass(QStringLiteral("User info for sub %1: %2 claim(s)")
                 .arg(redaction::escapeUntrusted(sub, 80))
                 .arg(claims.size()));
    });
}

void FlowSession::introspect()
{
    const FormFields fields {
        {QStringLiteral("token"), QString::fromUtf8(m_tokens.accessToken)},
        {QStringLiteral("token_type_hint"), QStringLiteral("access_token")},
    };
    postToEndpoint(m_metadata->introspectionEndpoint, QStringLiteral("introspection endpoint"), fields,
                   [this](const net::HttpExchange &exchange) {
                       const QJsonObject answer = QJsonDocument::fromJson(exchange.responseBody).object();
                       if (!answer.value(QStringLiteral("active")).isBool())
                           return fail(Error(FlowError::InvalidTokenResponse,
                                             QStringLiteral("The introspection answer has no boolean \"active\" "
                                                            "(RFC 7662 section 2.2).")));
                       if (!answer.value(QStringLiteral("active")).toBool())
                           return pass(QStringLiteral("The access token is not active: expired, revoked, or unknown "
                                                      "to this provider"),
                                       true);
                       QStringList facts;
                       for (const char *key : {"scope", "client_id", "sub", "token_type"}) {
                           const QString value = answer.value(QLatin1String(key)).toString();
                           if (!value.isEmpty())
                               facts.append(QLatin1String(key) + QLatin1Char(' ')
                                            + redaction::escapeUntrusted(value, 120));
                       }
                       pass(QStringLiteral("The access token is active")
                            + (facts.isEmpty() ? QString() : QStringLiteral(": ") + facts.join(QStringLiteral(", "))));
                   });
}

void FlowSession::revoke()
{
    const bool refreshToken = !m_tokens.refreshToken.isEmpty();
    const FormFields fields {
        {QStringLiteral("token"), QString::fromUtf8(refreshToken ? m_tokens.refreshToken : m_tokens.accessToken)},
        {QStringLiteral("token_type_hint"),
         refreshToken ? QStringLiteral("refresh_token") : QStringLiteral("access_token")},
    };
    postToEndpoint(m_metadata->revocationEndpoint, QStringLiteral("revocation endpoint"), fields,
                   [this, refreshToken](const net::HttpExchange &) {
                       current().notes.append(QStringLiteral("RFC 7009 answers 200 even for a token it does not know; "
                                                             "introspect to see the effect."));
                       pass(refreshToken ? QStringLiteral("Revoked the refresh token (and, at most providers, the "
                                                          "access tokens issued with it)")
                                         : QStringLiteral("Revoked the access token"));
                   });
}

} // namespace portcullis::oauth
