#include "jose/TokenService.h"

#include "crypto/Random.h"
#include "jose/JoseError.h"
#include "jose/Signer.h"

namespace portcullis::jose {

namespace {

const QString ACCESS_TYPE = QStringLiteral("at+jwt");
const QString REFRESH_TYPE = QStringLiteral("rt+jwt");

Result<QString> newJti()
{
    auto token = crypto::random::token(16);
    if (!token)
        return token.error();
    return QString::fromLatin1(*token);
}

QString stringClaim(const JsonValue &claims, QByteArrayView name)
{
    const auto value = claims.member(name);
    return value && value->isString() ? value->toString() : QString();
}

} // namespace

TokenService::TokenService(TokenServiceConfig config, Jwk signingKey, TokenStore &store, const Clock &clock)
    : m_config(std::move(config))
    , m_key(std::move(signingKey))
    , m_store(store)
    , m_clock(clock)
    , m_accessVerifier(verifierFor(ACCESS_TYPE, std::chrono::seconds(0)))
    , m_refreshVerifier(verifierFor(REFRESH_TYPE, std::chrono::seconds(0)))
{ }

Verifier TokenService::verifierFor(const QString &type, std::chrono::seconds leeway) const
{
    VerificationPolicy policy;
    policy.allowedAlgorithms = {m_config.algorithm};
    policy.issuer = m_config.issuer;
    policy.audience = m_config.audience;
    policy.type = type;
    policy.requiredClaims = {QStringLiteral("sub"), QStringLiteral("exp"), QStringLiteral("jti")};
    policy.leeway = leeway;
    return Verifier(policy, JwkSet({Jwk::fromKey(m_key.key().publicKey(), m_key.kid(), m_key.algorithm())}), m_clock);
}

void TokenService::emitEvent(const QString &type, const QString &subject, const QString &detail) const
{
    if (m_sink)
        m_sink(TokenEvent {type, subject, detail});
}

Result<TokenPair> TokenService::issue(const QString &subject, const QString &role, const QString &scope)
{
    if (subject.isEmpty())
        return Error(JoseError::MissingClaim, QStringLiteral("a token needs a subject"));
    return issuePair(subject, role, scope, QString(), QString());
}

Result<TokenPair> TokenService::issuePair(const QString &subject, const QString &role, const QString &scope,
                                          const QString &familyId, const QString &presetRefreshJti)
{
    auto accessJti = newJti();
    if (!accessJti)
        return accessJti.error();
    Result<QString> refreshJti = presetRefreshJti.isEmpty() ? newJti() : Result<QString>(presetRefreshJti);
    if (!refreshJti)
        return refreshJti.error();
    const qint64 now = m_clock.unixSeconds();
    TokenPair pair;
    pair.accessJti = *accessJti;
    pair.refreshJti = *refreshJti;
    pair.accessExpiresAt = now + m_config.accessLifetime.count();
    pair.refreshExpiresAt = now + m_config.refreshLifetime.count();

    JsonWriter access;
    access.beginObject()
        .key("iss")
        .value(m_config.issuer)
        .key("sub")
        .value(subject)
        .key("aud")
        .value(m_config.audience)
        .key("iat")
        .value(now)
        .key("exp")
        .value(pair.accessExpiresAt)
        .key("jti")
        .value(pair.accessJti);
    if (!role.isEmpty())
        access.key("role").value(role);
    if (!scope.isEmpty())
        access.key("scope").value(scope);
    access.endObject();

    const QString family = familyId.isEmpty() ? pair.refreshJti : familyId;
    JsonWriter refresh;
    refresh.beginObject()
        .key("iss")
        .value(m_config.issuer)
        .key("sub")
        .value(subject)
        .key("aud")
        .value(m_config.audience)
        .key("iat")
        .value(now)
        .key("exp")
        .value(pair.refreshExpiresAt)
        .key("jti")
        .value(pair.refreshJti)
        .endObject();

    HeaderOptions accessHeader;
    accessHeader.type = ACCESS_TYPE;
    HeaderOptions refreshHeader;
    refreshHeader.type = REFRESH_TYPE;
    auto accessToken = Signer::sign(m_key, m_config.algorithm, access.take(), accessHeader);
    if (!accessToken)
        return accessToken.error();
    auto refreshToken = Signer::sign(m_key, m_config.algorithm, refresh.take(), refreshHeader);
    if (!refreshToken)
        return refreshToken.error();

    RefreshRecord record {pair.refreshJti, family, subject, role, scope, pair.refreshExpiresAt, QString(), false};
    if (auto stored = m_store.addRefresh(record); !stored)
        return stored.error();
    pair.accessToken = std::move(*accessToken);
    pair.refreshToken = std::move(*refreshToken);
    return pair;
}

Result<AccessClaims> TokenService::verifyAccess(QByteArrayView accessToken) const
{
    auto verified = m_accessVerifier.verify(accessToken);
    if (!verified)
        return verified.error();
    const JsonValue claims = verified->jws.claims()->root();
    AccessClaims result {stringClaim(claims, "sub"), stringClaim(claims, "role"), stringClaim(claims, "scope"),
                         stringClaim(claims, "jti"), claims.member("exp")->toInt64().value_or(0)};
    auto revoked = m_store.isRevoked(result.jti);
    if (!revoked)
        return revoked.error();
    if (*revoked)
        return Error(JoseError::Revoked, QStringLiteral("the access token was revoked"));
    return result;
}

Result<TokenPair> TokenService::refresh(QByteArrayView refreshToken)
{
    auto verified = m_refreshVerifier.verify(refreshToken);
    if (!verified)
        return verified.error();
    const JsonValue claims = verified->jws.claims()->root();
    const QString jti = stringClaim(claims, "jti");
    auto replacement = newJti();
    if (!replacement)
        return replacement.error();
    // The replacement's jti is decided before the new pair is signed, so rotation is one atomic store step.
    auto rotated = m_store.rotateRefresh(jti, *replacement);
    if (!rotated)
        return rotated.error();
    if (!*rotated)
        return Error(JoseError::Unknown, QStringLiteral("this refresh token was not issued here (or has expired)"));
    const RefreshRecord &record = **rotated;
    if (record.revoked)
        return Error(JoseError::Revoked, QStringLiteral("this refresh token was revoked"));
    if (!record.replacedBy.isEmpty()) {
        auto revokedCount = m_store.revokeFamily(record.familyId);
        emitEvent(QStringLiteral("refresh_reuse"), record.subject,
                  QStringLiteral("a rotated refresh token was presented again; its family was revoked"));
        if (!revokedCount)
            return revokedCount.error();
        return Error(JoseError::ReuseDetected,
                     QStringLiteral("this refresh token was already used; as a precaution every token of its family is "
                                    "now revoked and the user must sign in again"));
    }

    return issuePair(record.subject, record.role, record.scope, record.familyId, *replacement);
}

Result<void> TokenService::revoke(QByteArrayView token)
{
    auto parsed = CompactJws::parse(token);
    if (!parsed)
        return parsed.error();
    const bool isRefresh = parsed->type() == REFRESH_TYPE.toUtf8();
    // Expired tokens need no revocation; a valid signature is still required so that nobody revokes by guessing.
    const Verifier &verifier = isRefresh ? m_refreshVerifier : m_accessVerifier;
    auto verified = verifier.verify(token);
    if (!verified)
        return verified.error();
    const JsonValue claims = verified->jws.claims()->root();
    const QString jti = stringClaim(claims, "jti");
    const QString subject = stringClaim(claims, "sub");
    if (isRefresh) {
        auto record = m_store.findRefresh(jti);
        if (!record)
            return record.error();
        if (!*record)
            return Error(JoseError::Unknown, QStringLiteral("this refresh token was not issued here"));
        if (auto revoked = m_store.revokeFamily((*record)->familyId); !revoked)
            return revoked.error();
    } else {
        if (auto revoked = m_store.revokeToken(jti, claims.member("exp")->toInt64().value_or(0)); !revoked)
            return revoked.error();
    }
    emitEvent(QStringLiteral("token_revoked"), subject,
              isRefresh ? QStringLiteral("refresh token family revoked") : QStringLiteral("access token revoked"));
    return {};
}

} // namespace portcullis::jose
