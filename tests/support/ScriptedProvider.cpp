#include "ScriptedProvider.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkReply>

#include "crypto/Base64Url.h"
#include "crypto/Random.h"
#include "jose/Signer.h"
#include "jose/Verifier.h"
#include "oauth/IdTokenCheck.h"
#include "oauth/Pkce.h"

namespace portcullis::test {

namespace {

jose::Jwk rsaKey(const QString &kid)
{
    return jose::Jwk::fromKey(crypto::Key::generateFor(crypto::Algorithm::RS256).value(), kid,
                              crypto::Algorithm::RS256);
}

QByteArray randomToken()
{
    return crypto::random::token(24).value();
}

QByteArray compact(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

} // namespace

ScriptedProvider::ScriptedProvider(const Clock &clock, QString clientId)
    : m_clock(clock)
    , m_clientId(std::move(clientId))
    , m_key(rsaKey(QStringLiteral("k1")))
    , m_otherKey(rsaKey(QStringLiteral("k1")))
{ }

QString ScriptedProvider::issuer() const
{
    return m_server.baseUrl().toString();
}

bool ScriptedProvider::start()
{
    if (!m_server.listen())
        return false;
    m_server.route("GET", QStringLiteral("/.well-known/openid-configuration"), [this](const ScriptedRequest &) {
        const QString base = issuer();
        QJsonObject metadata {
            {QStringLiteral("issuer"), misbehave.metadataIssuer.isEmpty() ? base : misbehave.metadataIssuer},
            {QStringLiteral("authorization_endpoint"), QString(base + QStringLiteral("/authorize"))},
            {QStringLiteral("token_endpoint"), QString(base + QStringLiteral("/token"))},
            {QStringLiteral("jwks_uri"), QString(base + QStringLiteral("/jwks"))},
            {QStringLiteral("userinfo_endpoint"), QString(base + QStringLiteral("/userinfo"))},
            {QStringLiteral("introspection_endpoint"), QString(base + QStringLiteral("/introspect"))},
            {QStringLiteral("revocation_endpoint"), QString(base + QStringLiteral("/revoke"))},
            {QStringLiteral("response_types_supported"), QJsonArray {QStringLiteral("code")}},
            {QStringLiteral("grant_types_supported"),
             QJsonArray {QStringLiteral("authorization_code"), QStringLiteral("refresh_token")}},
            {QStringLiteral("code_challenge_methods_supported"), QJsonArray {QStringLiteral("S256")}},
            {QStringLiteral("token_endpoint_auth_methods_supported"),
             QJsonArray {QStringLiteral("none"), QStringLiteral("client_secret_basic"),
                         QStringLiteral("client_secret_post"), QStringLiteral("private_key_jwt")}},
            {QStringLiteral("token_endpoint_auth_signing_alg_values_supported"),
             QJsonArray {QStringLiteral("RS256"), QStringLiteral("ES256")}},
            {QStringLiteral("id_token_signing_alg_values_supported"), QJsonArray {QStringLiteral("RS256")}},
            {QStringLiteral("subject_types_supported"), QJsonArray {QStringLiteral("public")}},
            {QStringLiteral("scopes_supported"),
             QJsonArray {QStringLiteral("openid"), QStringLiteral("email"), QStringLiteral("offline_access")}},
        };
        metadata.insert(QStringLiteral("authorization_response_iss_parameter_supported"), issParameterSupported);
        return ScriptedResponse::json(200, compact(metadata));
    });
    m_server.route("GET", QStringLiteral("/authorize"), [this](const ScriptedRequest &r) { return authorize(r); });
    m_server.route("POST", QStringLiteral("/token"), [this](const ScriptedRequest &r) { return token(r); });
    m_server.route("GET", QStringLiteral("/jwks"), [this](const ScriptedRequest &) {
        return ScriptedResponse::json(200, jose::JwkSet({m_key}).toJson(false));
    });
    m_server.route("GET", QStringLiteral("/userinfo"), [this](const ScriptedRequest &request) {
        if (m_revoked || request.header("Authorization") != "Bearer " + m_accessToken)
            return ScriptedResponse {401, {{"WWW-Authenticate", "Bearer error=\"invalid_token\""}}, {}};
        const QString sub = misbehave.userinfoSub.isEmpty() ? QStringLiteral("alice") : misbehave.userinfoSub;
        return ScriptedResponse::json(
            200,
            QJsonDocument(QJsonObject {{QStringLiteral("sub"), sub},
                                       {QStringLiteral("email"), QStringLiteral("alice@example.test")}})
                .toJson(QJsonDocument::Compact));
    });
    m_server.route("POST", QStringLiteral("/introspect"), [this](const ScriptedRequest &request) {
        if (!clientAuthenticated(request))
            return ScriptedResponse::json(401, R"({"error":"invalid_client"})");
        const bool active
            = !m_revoked && request.form().queryItemValue(QStringLiteral("token")).toUtf8() == m_accessToken;
        return ScriptedResponse::json(200,
                                      active ? QByteArray(R"({"active":true,"scope":"openid","client_id":")")
                                              + m_clientId.toUtf8() + R"(","sub":"alice"})"
                                             : QByteArray(R"({"active":false})"));
    });
    m_server.route("POST", QStringLiteral("/revoke"), [this](const ScriptedRequest &request) {
        if (!clientAuthenticated(request))
            return ScriptedResponse::json(401, R"({"error":"invalid_client"})");
        m_revoked = true;
        return ScriptedResponse {200, {}, {}};
    });
    return true;
}

ScriptedResponse ScriptedProvider::authorize(const ScriptedRequest &request)
{
    const QUrlQuery query = request.query();
    QUrl back(query.queryItemValue(QStringLiteral("redirect_uri"), QUrl::FullyDecoded));
    m_challenge = query.queryItemValue(QStringLiteral("code_challenge")).toLatin1();
    m_nonce = query.queryItemValue(QStringLiteral("nonce"), QUrl::FullyDecoded).toUtf8();
    m_redirectUri = back.toString();
    m_code = randomToken();
    QUrlQuery answer;
    if (!misbehave.callbackError.isEmpty())
        answer.addQueryItem(QStringLiteral("error"), misbehave.callbackError);
    else
        answer.addQueryItem(QStringLiteral("code"), QString::fromLatin1(m_code));
    answer.addQueryItem(QStringLiteral("state"),
                        misbehave.callbackState.isEmpty()
                            ? query.queryItemValue(QStringLiteral("state"), QUrl::FullyDecoded)
                            : misbehave.callbackState);
    if (!misbehave.omitIss)
        answer.addQueryItem(QStringLiteral("iss"), misbehave.callbackIss.isEmpty() ? issuer() : misbehave.callbackIss);
    back.setQuery(answer);
    return ScriptedResponse::redirect(back);
}

bool ScriptedProvider::clientAuthenticated(const ScriptedRequest &request) const
{
    const QUrlQuery form = request.form();
    if (clientAssertionKey) {
        const QByteArray assertion = form.queryItemValue(QStringLiteral("client_assertion")).toLatin1();
        jose::VerificationPolicy policy;
        policy.allowedAlgorithms = {crypto::Algorithm::RS256, crypto::Algorithm::ES256};
        policy.issuer = m_clientId;
        policy.audience = issuer();
        policy.requiredClaims = {QStringLiteral("jti"), QStringLiteral("exp"), QStringLiteral("sub")};
        return jose::Verifier(policy, jose::JwkSet({*clientAssertionKey}), m_clock).verify(assertion).has_value();
    }
    if (clientSecret.isEmpty())
        return form.queryItemValue(QStringLiteral("client_id")) == m_clientId;
    const QByteArray basic = "Basic " + QByteArray(m_clientId.toUtf8() + ':' + clientSecret).toBase64();
    return request.header("Authorization") == basic
        || (form.queryItemValue(QStringLiteral("client_id")) == m_clientId
            && form.queryItemValue(QStringLiteral("client_secret"), QUrl::FullyDecoded).toUtf8() == clientSecret);
}

ScriptedResponse ScriptedProvider::token(const ScriptedRequest &request)
{
    m_lastTokenForm = request.form();
    if (!misbehave.tokenError.isEmpty())
        return ScriptedResponse::json(misbehave.tokenError == "invalid_client" ? 401 : 400,
                                      R"({"error":")" + misbehave.tokenError + R"("})");
    if (!clientAuthenticated(request))
        return ScriptedResponse::json(
            401, R"({"error":"invalid_client","error_description":"client authentication failed"})");
    const QString grant = m_lastTokenForm.queryItemValue(QStringLiteral("grant_type"));
    if (grant == u"refresh_token") {
        if (m_revoked || m_lastTokenForm.queryItemValue(QStringLiteral("refresh_token")).toUtf8() != m_refreshToken)
            return ScriptedResponse::json(400, R"({"error":"invalid_grant"})");
    } else {
        const QByteArray verifier = m_lastTokenForm.queryItemValue(QStringLiteral("code_verifier")).toLatin1();
        m_verifierMatched = oauth::s256Challenge(verifier) == m_challenge;
        const QByteArray code = m_lastTokenForm.queryItemValue(QStringLiteral("code"), QUrl::FullyDecoded).toLatin1();
        const QString redirectUri = m_lastTokenForm.queryItemValue(QStringLiteral("redirect_uri"), QUrl::FullyDecoded);
        if (m_code.isEmpty() || code != m_code || !m_verifierMatched || redirectUri != m_redirectUri)
            return ScriptedResponse::json(400, R"({"error":"invalid_grant"})");
        m_code.clear(); // once
    }
    m_accessToken = randomToken();
    m_refreshToken = randomToken();
    QJsonObject body {
        {QStringLiteral("access_token"), QString::fromLatin1(m_accessToken)},
        {QStringLiteral("token_type"), QStringLiteral("Bearer")},
        {QStringLiteral("expires_in"), 3600},
        {QStringLiteral("refresh_token"), QString::fromLatin1(m_refreshToken)},
        {QStringLiteral("scope"), QStringLiteral("openid offline_access")},
        {QStringLiteral("id_token"), QString::fromLatin1(idToken(m_accessToken))},
    };
    return ScriptedResponse::json(200, compact(body));
}

QByteArray ScriptedProvider::idToken(const QByteArray &accessToken) const
{
    const qint64 now = m_clock.unixSeconds();
    QJsonObject claims {
        {QStringLiteral("iss"), issuer()},
        {QStringLiteral("sub"), QStringLiteral("alice")},
        {QStringLiteral("aud"), m_clientId},
        {QStringLiteral("exp"), now + 300},
        {QStringLiteral("iat"), now},
        {QStringLiteral("nonce"), QString::fromUtf8(m_nonce)},
        {QStringLiteral("at_hash"), QString::fromLatin1(oauth::accessTokenHash(crypto::Algorithm::RS256, accessToken))},
    };
    for (auto it = misbehave.idTokenClaims.constBegin(); it != misbehave.idTokenClaims.constEnd(); ++it)
        claims.insert(it.key(), it.value());
    for (const QString &name : misbehave.removeClaims)
        claims.remove(name);
    if (misbehave.unsigned_)
        return crypto::base64url::encode(R"({"alg":"none","typ":"JWT"})") + '.'
            + crypto::base64url::encode(compact(claims)) + '.';
    return jose::Signer::sign(misbehave.signWithOtherKey ? m_otherKey : m_key, crypto::Algorithm::RS256,
                              compact(claims))
        .value();
}

void ScriptedProvider::browse(const QUrl &authorizationUrl)
{
    m_browser.setRedirectPolicy(QNetworkRequest::NoLessSafeRedirectPolicy);
    QNetworkReply *reply = m_browser.get(QNetworkRequest(authorizationUrl));
    QObject::connect(reply, &QNetworkReply::finished, reply, [this, reply] {
        m_browserStatus = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        reply->deleteLater();
    });
}

} // namespace portcullis::test
