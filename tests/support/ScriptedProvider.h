#pragma once

#include <functional>

#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QUrlQuery>

#include "ScriptedHttpServer.h"
#include "common/Clock.h"
#include "jose/Jwk.h"

namespace portcullis::test {

// An OpenID provider played by a test, honest by default and malicious on request: it serves metadata, an
// authorization endpoint that redirects straight back (no login), a token endpoint that checks the code, the PKCE
// verifier and the client's authentication, a JWKS, userinfo, introspection and revocation. Every knob below
// makes it misbehave in one way.
class ScriptedProvider
{
public:
    struct Misbehaviour
    {
        QString metadataIssuer; // the issuer the metadata claims (default: the real one)
        bool omitIss = false; // no iss in the authorization response
        QString callbackIss; // another iss in the authorization response
        QString callbackState; // another state in the authorization response
        QString callbackError; // an error response (after a correct state)
        QJsonObject idTokenClaims; // merged over the honest claims (e.g. {"nonce": "x"}, {"aud": "other"})
        QStringList removeClaims; // claims left out of the ID token
        bool signWithOtherKey = false;
        bool unsigned_ = false; // alg none
        QByteArray tokenError; // the token endpoint answers 400 (or 401 for invalid_client) with this error
        QString userinfoSub; // userinfo about another subject than the ID token
    };

    ScriptedProvider(const Clock &clock, QString clientId);
    [[nodiscard]] bool start();

    [[nodiscard]] QString issuer() const; // http://127.0.0.1:PORT
    [[nodiscard]] ScriptedHttpServer &server() { return m_server; }
    Misbehaviour misbehave;
    QByteArray clientSecret; // when set, the token endpoint requires client_secret_basic or _post with it
    std::optional<jose::Jwk> clientAssertionKey; // when set, requires private_key_jwt signed with this (public) key
    bool issParameterSupported = true;

    // The last token request's form, and whether its code_verifier matched the challenge.
    [[nodiscard]] const QUrlQuery &lastTokenForm() const { return m_lastTokenForm; }
    [[nodiscard]] bool verifierMatched() const { return m_verifierMatched; }
    [[nodiscard]] int tokenRequests() const { return m_server.count(QStringLiteral("/token")); }
    [[nodiscard]] const QByteArray &issuedAccessToken() const { return m_accessToken; }
    [[nodiscard]] bool revoked() const { return m_revoked; }

    // Plays the browser: follows the authorization URL's redirect to the listener. `done` gets the final status.
    void browse(const QUrl &authorizationUrl);
    [[nodiscard]] int browserStatus() const { return m_browserStatus; }

private:
    ScriptedResponse authorize(const ScriptedRequest &request);
    ScriptedResponse token(const ScriptedRequest &request);
    [[nodiscard]] bool clientAuthenticated(const ScriptedRequest &request) const;
    [[nodiscard]] QByteArray idToken(const QByteArray &accessToken) const;

    const Clock &m_clock;
    QString m_clientId;
    ScriptedHttpServer m_server;
    jose::Jwk m_key;
    jose::Jwk m_otherKey;
    QByteArray m_code;
    QByteArray m_challenge;
    QByteArray m_nonce;
    QString m_redirectUri; // of the authorization request: the token request must repeat it exactly
    QUrlQuery m_lastTokenForm;
    bool m_verifierMatched = false;
    QByteArray m_accessToken;
    QByteArray m_refreshToken;
    bool m_revoked = false;
    QNetworkAccessManager m_browser;
    int m_browserStatus = 0;
};

} // namespace portcullis::test
