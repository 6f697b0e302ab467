#pragma once

#include <chrono>
#include <functional>

#include "common/Clock.h"
#include "jose/Jwk.h"
#include "jose/TokenStore.h"
#include "jose/Verifier.h"

namespace portcullis::jose {

struct TokenServiceConfig
{
    QString issuer;
    QString audience;
    crypto::Algorithm algorithm = crypto::Algorithm::ES256;
    std::chrono::seconds accessLifetime {15 * 60};
    std::chrono::seconds refreshLifetime {7 * 24 * 3600};
};

struct TokenPair
{
    QByteArray accessToken;
    QByteArray refreshToken;
    QString accessJti;
    QString refreshJti;
    qint64 accessExpiresAt = 0;
    qint64 refreshExpiresAt = 0;
};

struct AccessClaims
{
    QString subject;
    QString role;
    QString scope;
    QString jti;
    qint64 expiresAt = 0;
};

// A security-relevant happening the monitor should see ("token_revoked", "refresh_reuse"); never holds a token.
struct TokenEvent
{
    QString type;
    QString subject;
    QString detail;
};

// Access and refresh tokens done right (the reference system's JWT manager, fixed):
//  - access tokens ("typ": "at+jwt", RFC 9068) carry iss, sub, aud, iat, exp, jti, role and scope;
//  - refresh tokens ("typ": "rt+jwt") are recorded server-side by jti and rotated on every use; presenting a rotated
//    refresh token again revokes its whole family (RFC 6819 §5.2.2.3, OAuth 2.0 Security BCP §4.14);
//  - a refreshed pair takes its role and scope from the server's record, never from a default;
//  - any token can be revoked until it expires; one kind of token is never accepted as the other.
class TokenService
{
public:
    TokenService(TokenServiceConfig config, Jwk signingKey, TokenStore &store, const Clock &clock);

    [[nodiscard]] Result<TokenPair> issue(const QString &subject, const QString &role, const QString &scope);
    [[nodiscard]] Result<AccessClaims> verifyAccess(QByteArrayView accessToken) const;
    [[nodiscard]] Result<TokenPair> refresh(QByteArrayView refreshToken);
    // Revokes an access token (until it expires) or a refresh token (with its family).
    [[nodiscard]] Result<void> revoke(QByteArrayView token);

    void setEventSink(std::function<void(const TokenEvent &)> sink) { m_sink = std::move(sink); }

private:
    // An empty familyId starts a new family; refreshJti is generated when empty.
    [[nodiscard]] Result<TokenPair> issuePair(const QString &subject, const QString &role, const QString &scope,
                                              const QString &familyId, const QString &refreshJti);
    [[nodiscard]] Verifier verifierFor(const QString &type, std::chrono::seconds leeway) const;
    void emitEvent(const QString &type, const QString &subject, const QString &detail) const;

    TokenServiceConfig m_config;
    Jwk m_key;
    TokenStore &m_store;
    const Clock &m_clock;
    Verifier m_accessVerifier;
    Verifier m_refreshVerifier;
    std::function<void(const TokenEvent &)> m_sink;
};

} // namespace portcullis::jose
