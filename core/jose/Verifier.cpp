#include "jose/Verifier.h"

#include <cmath>

#include <QVarLengthArray>

#include "common/Redaction.h"
#include "crypto/CryptoError.h"
#include "jose/JoseError.h"
#include "jose/JsonMemberNames.h"
#include "jose/TimeText.h"

namespace portcullis::jose {

using crypto::Algorithm;

namespace {

constexpr qint64 MAX_NUMERIC_DATE = 253402300799; // 9999-12-31T23:59:59Z
constexpr int MAX_KEYS_TRIED = 8;

// The registered header parameters, which "crit" must not name (RFC 7515 §4.1.11).
const QByteArrayView REGISTERED_HEADERS[]
    = {"alg", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty", "crit"};

QString shown(QByteArrayView text)
{
    return redaction::escapeUntrusted(QString::fromUtf8(text), 60);
}

QString quoted(QByteArrayView text)
{
    return u'"' + shown(text) + u'"';
}

// A NumericDate claim (RFC 7519 §2): a JSON number of seconds, possibly fractional.
Result<std::optional<qint64>> numericDate(const std::optional<JsonValue> &value, const char *name)
{
    if (!value)
        return std::optional<qint64>();
    const auto claim = [name] { return QString::fromLatin1(name); };
    if (!value->isNumber())
        return Error(
            JoseError::InvalidClaim,
            QStringLiteral("\"%1\" must be a number of seconds since 1970 (a NumericDate), not %2")
                .arg(claim(), value->isString() ? QStringLiteral("a string") : QStringLiteral("this JSON value")));
    if (const auto integer = value->toInt64()) {
        if (*integer < 0)
            return Error(JoseError::InvalidClaim, QStringLiteral("\"%1\" is negative (%2)").arg(claim()).arg(*integer));
        if (*integer > MAX_NUMERIC_DATE)
            return Error(
                JoseError::InvalidClaim,
                QStringLiteral("\"%1\" is %2, past the year 9999; refused as out of range").arg(claim()).arg(*integer));
        return std::optional<qint64>(*integer);
    }
    const auto real = value->toDouble();
    if (!real || !std::isfinite(*real) || *real > double(MAX_NUMERIC_DATE))
        return Error(JoseError::InvalidClaim,
                     QStringLiteral("\"%1\" (%2) is out of range").arg(claim(), shown(value->rawNumber())));
    if (*real < 0)
        return Error(JoseError::InvalidClaim,
                     QStringLiteral("\"%1\" is negative (%2)").arg(claim(), shown(value->rawNumber())));
    return std::optional<qint64>(static_cast<qint64>(std::floor(*real)));
}

QString stripMediaPrefix(QString type)
{
    type = type.toLower();
    if (type.startsWith(QLatin1String("application/")))
        type.remove(0, 12);
    return type;
}

// The header fields read for every token, in one pass.
enum HeaderField
{
    ALG,
    CRIT,
    KID,
    FIELDS
};

const JsonMemberNames &headerFields()
{
    static const JsonMemberNames s_names({"alg", "crit", "kid"});
    return s_names;
}

// The claims read for every token, in one pass: these registered ones, then the policy's required claims.
enum ClaimSlot
{
    EXP,
    NBF,
    IAT,
    ISS,
    AUD,
    SLOTS
};

JsonMemberNames claimNames(const QByteArrayList &requiredClaims)
{
    return JsonMemberNames(QByteArrayList {"exp", "nbf", "iat", "iss", "aud"} + requiredClaims);
}

quint32 algorithmBit(Algorithm algorithm)
{
    return quint32(1) << static_cast<int>(algorithm);
}

QString leewayNote(std::chrono::seconds leeway)
{
    return leeway.count() ? QStringLiteral(" (leeway %1)").arg(timetext::span(leeway.count())) : QString();
}

} // namespace

Verifier::Verifier(VerificationPolicy policy, JwkSet keys, const Clock &clock)
    : m_policy(std::move(policy))
    , m_keys(std::move(keys))
    , m_clock(clock)
    , m_issuer(m_policy.issuer ? m_policy.issuer->toUtf8() : QByteArray())
    , m_audience(m_policy.audience ? m_policy.audience->toUtf8() : QByteArray())
    , m_type(m_policy.type ? m_policy.type->toUtf8() : QByteArray())
{
    Q_ASSERT(!m_policy.allowedAlgorithms.isEmpty());
    for (const QString &claim : m_policy.requiredClaims)
        m_requiredClaims << claim.toUtf8();
    m_claimNames = claimNames(m_requiredClaims);
    // Which algorithms each key may serve, worked out once.
    for (const Jwk &jwk : m_keys.keys()) {
        quint32 bits = 0;
        for (Algorithm algorithm : crypto::jwa::all()) {
            if (jwk.checkAlgorithm(algorithm))
                bits |= algorithmBit(algorithm);
        }
        m_keyAlgorithms.append(bits);
    }
}

Result<Algorithm> Verifier::checkHeader(const JsonValue &header, const std::optional<JsonValue> &alg,
                                        const std::optional<JsonValue> &crit) const
{
    if (!alg || !alg->isString())
        return Error(JoseError::Malformed, QStringLiteral("the header has no \"alg\" string"));
    std::optional<Algorithm> allowed;
    for (Algorithm candidate : m_policy.allowedAlgorithms) {
        if (alg->stringEquals(crypto::jwa::name(candidate))) {
            allowed = candidate;
            break;
        }
    }
    if (allowed && !crit)
        return *allowed; // the common case, without allocating
    const QByteArray name = alg->toUtf8();
    if (name.toLower() == "none")
        return Error(JoseError::UnsecuredToken,
                     QStringLiteral("\"alg\": %1 marks an unsecured token, which anyone can make; it is never accepted")
                         .arg(quoted(name)));
    const auto algorithm = crypto::jwa::fromName(name);
    if (!algorithm)
        return Error(JoseError::UnknownAlgorithm,
                     QStringLiteral("\"alg\": %1 is not a JWS algorithm Portcullis implements "
                                    "(names are case-sensitive: %2)")
                         .arg(quoted(name), crypto::jwa::names(crypto::jwa::all())));
    if (!m_policy.allowedAlgorithms.contains(*algorithm))
        return Error(
            JoseError::AlgorithmNotAllowed,
            QStringLiteral("%1 is not allowed here (allowed: %2)")
                .arg(QLatin1String(crypto::jwa::name(*algorithm)), crypto::jwa::names(m_policy.allowedAlgorithms)));

    if (crit) {
        if (!crit->isArray() || crit->size() == 0)
            return Error(JoseError::UnsupportedCritical, QStringLiteral("\"crit\" must be a non-empty array of names"));
        for (qsizetype i = 0; i < crit->size(); ++i) {
            const JsonValue entry = crit->element(i);
            if (!entry.isString())
                return Error(JoseError::UnsupportedCritical,
                             QStringLiteral("\"crit\" must list header names as strings"));
            const QByteArray critical = entry.toUtf8();
            for (QByteArrayView registered : REGISTERED_HEADERS) {
                if (critical == registered)
                    return Error(JoseError::UnsupportedCritical,
                                 QStringLiteral("\"crit\" names %1, a registered header that must not be listed there")
                                     .arg(quoted(critical)));
            }
            if (!header.member(critical))
                return Error(
                    JoseError::UnsupportedCritical,
                    QStringLiteral("\"crit\" names %1, which the header does not contain").arg(quoted(critical)));
            if (!m_policy.understoodCritical.contains(QString::fromUtf8(critical)))
                return Error(
                    JoseError::UnsupportedCritical,
                    QStringLiteral("the token requires the extension %1 (\"crit\"), which this verifier does not "
                                   "understand, so it must refuse the token")
                        .arg(quoted(critical)));
        }
    }
    return *algorithm;
}

Result<VerifiedToken> Verifier::verify(QByteArrayView token) const
{
    auto parsed = CompactJws::parse(token, m_policy.limits);
    if (!parsed)
        return parsed.error();
    const JsonValue header = parsed->header().root();
    std::optional<JsonValue> fields[FIELDS];
    header.findMembers(headerFields(), fields);
    auto algorithm = checkHeader(header, fields[ALG], fields[CRIT]);
    if (!algorithm)
        return algorithm.error();
    if (parsed->rawSignature().isEmpty())
        return Error(JoseError::SignatureInvalid, QStringLiteral("the signature segment is empty"));

    const std::optional<JsonValue> &kidValue = fields[KID];
    QVarLengthArray<const Jwk *, 8> candidates;
    if (kidValue) {
        const Jwk *jwk = nullptr;
        for (const Jwk &key : m_keys.keys()) {
            if (kidValue->isString() && kidValue->stringEquals(key.kidUtf8())) {
                jwk = &key;
                break;
            }
        }
        if (!jwk) {
            const QByteArray kid = parsed->keyId();
            QStringList known;
            for (const Jwk &key : m_keys.keys())
                known << shown(key.kid().toUtf8());
            return Error(
                JoseError::UnknownKeyId,
                QStringLiteral("no key has kid=%1 (known: %2)").arg(quoted(kid), known.join(QStringLiteral(", "))));
        }
        const auto index = jwk - m_keys.keys().constData();
        if (!(m_keyAlgorithms.at(index) & algorithmBit(*algorithm))) {
            if (auto fits = jwk->checkAlgorithm(*algorithm); !fits)
                return fits.error();
        }
        candidates << jwk;
    } else {
        for (qsizetype i = 0; i < m_keys.keys().size(); ++i) {
            if (m_keyAlgorithms.at(i) & algorithmBit(*algorithm))
                candidates.append(&m_keys.keys().at(i));
        }
        if (candidates.isEmpty()) {
            QStringList reasons;
            for (const Jwk &jwk : m_keys.keys()) {
                if (auto fits = jwk.checkAlgorithm(*algorithm); !fits)
                    reasons << fits.error().detail();
            }
            return Error(JoseError::NoSuitableKey,
                         QStringLiteral("no key can verify %1: %2")
                             .arg(QLatin1String(crypto::jwa::name(*algorithm)), reasons.join(QStringLiteral("; "))));
        }
    }

    QString failure;
    for (qsizetype i = 0; i < candidates.size() && i < MAX_KEYS_TRIED; ++i) {
        const Jwk *jwk = candidates.at(i);
        auto verified = jwk->key().verify(*algorithm, parsed->signingInput(), parsed->signature());
        if (verified) {
            if (auto claims = checkClaims(*parsed); !claims)
                return claims.error();
            return VerifiedToken {std::move(*parsed), *algorithm, jwk->kid()};
        }
        failure = verified.error().is(crypto::CryptoError::SignatureMismatch)
            ? QStringLiteral("signature does not match key kid=%1").arg(shown(jwk->kid().toUtf8()))
            : QStringLiteral("key kid=%1: %2").arg(shown(jwk->kid().toUtf8()), verified.error().detail());
    }
    if (candidates.size() > 1)
        failure = QStringLiteral("signature matches none of the %1 keys that can verify %2")
                      .arg(candidates.size())
                      .arg(QLatin1String(crypto::jwa::name(*algorithm)));
    return Error(JoseError::SignatureInvalid, failure);
}

Result<void> Verifier::checkClaims(const CompactJws &jws) const
{
    const std::optional<JsonDocument> &claimsDocument = jws.claims();
    const bool needsClaims = m_policy.issuer || m_policy.audience || !m_policy.requiredClaims.isEmpty();
    if (!claimsDocument) {
        if (needsClaims)
            return Error(JoseError::Malformed, QStringLiteral("the payload is not a JSON claims set"));
    } else {
        const JsonValue claims = claimsDocument->root();
        const qint64 now = m_clock.unixSeconds();
        const qint64 leeway = m_policy.leeway.count();

        QVarLengthArray<std::optional<JsonValue>, 16> found(m_claimNames.size());
        claims.findMembers(m_claimNames, found.data());

        auto exp = numericDate(found[EXP], "exp");
        if (!exp)
            return exp.error();
        auto nbf = numericDate(found[NBF], "nbf");
        if (!nbf)
            return nbf.error();
        auto iat = numericDate(found[IAT], "iat");
        if (!iat)
            return iat.error();
        if (*exp && now >= **exp + leeway)
            return Error(JoseError::Expired,
                         QStringLiteral("expired %1 at %2%3")
                             .arg(timetext::relative(**exp, now), timetext::utc(**exp), leewayNote(m_policy.leeway)));
        if (*nbf && now + leeway < **nbf)
            return Error(JoseError::NotYetValid,
                         QStringLiteral("not valid before %1 (%2)%3")
                             .arg(timetext::utc(**nbf), timetext::relative(**nbf, now), leewayNote(m_policy.leeway)));
        if (*iat && **iat > now + leeway)
            return Error(JoseError::IssuedInFuture,
                         QStringLiteral("issued in the future: iat is %1, %2 from now%3 (check both clocks)")
                             .arg(timetext::utc(**iat), timetext::span(**iat - now), leewayNote(m_policy.leeway)));

        if (m_policy.issuer) {
            const auto &iss = found[ISS];
            if (!iss)
                return Error(
                    JoseError::MissingClaim,
                    QStringLiteral("the token names no issuer (\"iss\"); expected \"%1\"").arg(*m_policy.issuer));
            if (!iss->isString())
                return Error(JoseError::InvalidClaim, QStringLiteral("\"iss\" must be a string"));
            if (!iss->stringEquals(m_issuer))
                return Error(
                    JoseError::IssuerMismatch,
                    QStringLiteral("issuer is %1, expected \"%2\"").arg(quoted(iss->toUtf8()), *m_policy.issuer));
        }
        if (m_policy.audience) {
            const auto &aud = found[AUD];
            if (!aud)
                return Error(
                    JoseError::MissingClaim,
                    QStringLiteral("the token names no audience (\"aud\"); expected \"%1\"").arg(*m_policy.audience));
            bool found = false;
            if (aud->isString()) {
                found = aud->stringEquals(m_audience);
            } else if (aud->isArray()) {
                for (qsizetype i = 0; i < aud->size(); ++i) {
                    const JsonValue entry = aud->element(i);
                    if (!entry.isString())
                        return Error(JoseError::InvalidClaim, QStringLiteral("\"aud\" must hold only strings"));
                    found = found || entry.stringEquals(m_audience);
                }
            } else {
                return Error(JoseError::InvalidClaim,
                             QStringLiteral("\"aud\" must be a string or an array of strings"));
            }
            if (!found) {
                QStringList seen;
                if (aud->isString())
                    seen << quoted(aud->toUtf8());
                for (qsizetype i = 0; aud->isArray() && i < aud->size() && seen.size() < 5; ++i)
                    seen << quoted(aud->element(i).toUtf8());
                return Error(JoseError::AudienceMismatch,
                             QStringLiteral("audience is %1, expected \"%2\"")
                                 .arg(seen.join(QStringLiteral(", ")), *m_policy.audience));
            }
        }
        for (qsizetype i = 0; i < m_requiredClaims.size(); ++i) {
            if (!found[SLOTS + i])
                return Error(JoseError::MissingClaim,
                             QStringLiteral("the required claim \"%1\" is missing")
                                 .arg(QString::fromUtf8(m_requiredClaims.at(i))));
        }
    }

    if (m_policy.type) {
        const auto typ = jws.header().root().member("typ");
        if (!typ || !typ->isString())
            return Error(JoseError::TypeMismatch,
                         QStringLiteral("the header has no \"typ\"; expected \"%1\"").arg(*m_policy.type));
        if (!typ->stringEquals(m_type) && stripMediaPrefix(typ->toString()) != stripMediaPrefix(*m_policy.type))
            return Error(JoseError::TypeMismatch,
                         QStringLiteral("\"typ\" is %1, expected \"%2\"").arg(quoted(typ->toUtf8()), *m_policy.type));
    }
    return {};
}

} // namespace portcullis::jose
