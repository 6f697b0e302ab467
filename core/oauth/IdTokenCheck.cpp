#include "oauth/IdTokenCheck.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <QStringList>

#include "common/Redaction.h"
#include "crypto/Base64Url.h"
#include "crypto/ConstantTime.h"
#include "crypto/Digest.h"
#include "jose/CompactJws.h"
#include "jose/JoseError.h"
#include "jose/JsonValue.h"
#include "jose/TimeText.h"
#include "jose/Verifier.h"
#include "oauth/FlowError.h"

namespace portcullis::oauth {

using crypto::Algorithm;
using jose::JsonValue;

namespace {

constexpr qsizetype MAX_ID_TOKEN_BYTES = 64 * 1024;
constexpr qsizetype MAX_SUB_BYTES = 255; // OIDC Core §2: "MUST NOT exceed 255 ASCII characters in length"
constexpr qint64 MAX_NUMERIC_DATE = 253402300799; // 9999-12-31T23:59:59Z
constexpr qsizetype MAX_AUDIENCES_SHOWN = 5;
// A leeway wider than any NumericDate: with it the Verifier checks the header and the signature only, and the time
// claims are checked here, with explanations written for ID tokens. No claim check of that Verifier can then fail
// except a malformed exp/nbf/iat (InvalidClaim), which it reports only after the signature has verified.
constexpr std::chrono::seconds SIGNATURE_ONLY_LEEWAY {std::numeric_limits<qint64>::max() / 4};

QString shown(QByteArrayView text)
{
    return redaction::escapeUntrusted(QString::fromUtf8(text), 80);
}

QString quoted(QByteArrayView text)
{
    return u'"' + shown(text) + u'"';
}

QString leewayNote(std::chrono::seconds leeway)
{
    return QStringLiteral("leeway %1").arg(jose::timetext::span(leeway.count()));
}

// Collects the check lines and remembers the first failure as the report's error.
class Checks
{
public:
    explicit Checks(IdTokenReport &report)
        : m_report(report)
    { }

    void pass(const QString &name, const QString &explanation) { m_report.checks.append({name, true, explanation}); }

    void fail(const QString &name, const QString &explanation, FlowError code = FlowError::IdTokenRejected)
    {
        m_report.checks.append({name, false, explanation});
        if (!m_report.error)
            m_report.error = Error(code, QStringLiteral("ID token refused (%1): %2").arg(name, explanation));
    }

private:
    IdTokenReport &m_report;
};

// A NumericDate claim (RFC 7519 §2): absent, malformed (with the reason), or whole seconds.
struct NumericDate
{
    bool present = false;
    std::optional<qint64> seconds;
    QString problem;
};

NumericDate readNumericDate(const std::optional<JsonValue> &value, const char *name)
{
    NumericDate date;
    if (!value)
        return date;
    date.present = true;
    const QString claim = QString::fromLatin1(name);
    if (!value->isNumber()) {
        date.problem = QStringLiteral("\"%1\" must be a number of seconds since 1970, not a %2")
                           .arg(claim, QLatin1String(JsonValue::typeName(value->type())));
        return date;
    }
    std::optional<double> real;
    if (const auto integer = value->toInt64())
        real = double(*integer);
    else
        real = value->toDouble();
    if (!real || !std::isfinite(*real) || *real < 0 || *real > double(MAX_NUMERIC_DATE)) {
        date.problem = QStringLiteral("\"%1\" (%2) is out of range").arg(claim, shown(value->rawNumber()));
        return date;
    }
    date.seconds = value->toInt64().value_or(static_cast<qint64>(std::floor(*real)));
    return date;
}

// The key set that may verify a token signed with `algorithm`, or why there is none. HS* tokens are checked with
// the client secret alone, never with the provider's published keys.
std::optional<jose::JwkSet> keysFor(Algorithm algorithm, const jose::CompactJws &jws, const jose::JwkSet &providerKeys,
                                    const IdTokenExpectations &expect, QString *why)
{
    if (!crypto::jwa::isHmac(algorithm))
        return providerKeys;
    if (!expect.clientSecretKey) {
        *why = QStringLiteral(
                   "%1 ID tokens are signed with the client secret, and this profile has none (a public client): "
                   "accepting them would let a token signed with a key anyone can read, such as the provider's "
                   "public key, pass (key confusion)")
                   .arg(QLatin1String(crypto::jwa::name(algorithm)));
        return std::nullopt;
    }
    // The secret is the one key for HS*: whatever kid the token names, it is the key meant.
    const jose::Jwk &secret = *expect.clientSecretKey;
    return jose::JwkSet({jose::Jwk::fromKey(secret.key(), QString::fromUtf8(jws.keyId()), secret.algorithm())});
}

QString signatureFailure(const Error &error, Algorithm algorithm, const jose::CompactJws &jws, const jose::JwkSet &keys)
{
    const bool hmac = crypto::jwa::isHmac(algorithm);
    if (error.is(jose::JoseError::SignatureInvalid))
        return hmac ? QStringLiteral("the HMAC does not match the client secret: the provider signed with another "
                                     "secret (was it rotated?), or the token was forged or altered")
                    : QStringLiteral("the signature does not verify with the provider's key%1: the token was altered "
                                     "or signed by someone else")
                          .arg(jws.keyId().isEmpty() ? QString() : QStringLiteral(" kid=") + quoted(jws.keyId()));
    if (error.is(jose::JoseError::UnknownKeyId)) {
        QStringList known;
        for (const jose::Jwk &key : keys.keys())
            known << quoted(key.kidUtf8());
        return QStringLiteral("the token names key kid=%1, which is not in the provider's key set (%2): the provider "
                              "may have rotated its keys; its JWKS is fetched again once and the token checked again")
            .arg(quoted(jws.keyId()),
                 known.isEmpty() ? QStringLiteral("which is empty")
                                 : QStringLiteral("known: ") + known.join(QStringLiteral(", ")));
    }
    if (error.is(jose::JoseError::NoSuitableKey))
        return QStringLiteral("no key of the provider can verify %1: %2")
            .arg(QLatin1String(crypto::jwa::name(algorithm)), error.detail());
    return error.detail();
}

void checkSignature(QByteArrayView token, const jose::CompactJws &jws, const jose::JwkSet &providerKeys,
                    const IdTokenExpectations &expect, const Clock &clock, IdTokenReport &report, Checks &checks)
{
    const QString name = QStringLiteral("signature");
    const QByteArray algorithmName = jws.algorithmName();
    if (algorithmName.isEmpty())
        return checks.fail(name, QStringLiteral("the header names no algorithm (\"alg\")"));
    if (algorithmName.toLower() == "none")
        return checks.fail(name,
                           QStringLiteral("the ID token is unsigned (alg %1): a provider must sign ID tokens; this is "
                                          "what an attacker forging tokens would send")
                               .arg(quoted(algorithmName)));
    const auto algorithm = crypto::jwa::fromName(algorithmName);
    if (!algorithm)
        return checks.fail(name,
                           QStringLiteral("alg %1 is not a signature algorithm Portcullis implements (names are "
                                          "case-sensitive)")
                               .arg(quoted(algorithmName)));
    report.algorithm = *algorithm;
    const QList<Algorithm> allowed
        = expect.allowedAlgorithms.isEmpty() ? QList<Algorithm> {Algorithm::RS256} : expect.allowedAlgorithms;
    if (!allowed.contains(*algorithm))
        return checks.fail(name,
                           QStringLiteral("the ID token is signed with %1, which is not allowed for this provider "
                                          "(allowed: %2): the provider's metadata does not offer it "
                                          "(id_token_signing_alg_values_supported), or the token was forged with "
                                          "another algorithm (algorithm confusion)")
                               .arg(QLatin1String(algorithmName), crypto::jwa::names(allowed)));
    QString why;
    const std::optional<jose::JwkSet> keys = keysFor(*algorithm, jws, providerKeys, expect, &why);
    if (!keys)
        return checks.fail(name, why);

    jose::VerificationPolicy policy;
    policy.allowedAlgorithms = {*algorithm};
    policy.leeway = SIGNATURE_ONLY_LEEWAY;
    policy.limits.maxTokenBytes = MAX_ID_TOKEN_BYTES;
    const jose::Verifier verifier(policy, *keys, clock);
    const auto verified = verifier.verify(token);
    // InvalidClaim comes only after a good signature (see SIGNATURE_ONLY_LEEWAY); the claim checks below report it.
    if (!verified && !verified.error().is(jose::JoseError::InvalidClaim)) {
        report.unknownKid = verified.error().is(jose::JoseError::UnknownKeyId) && !crypto::jwa::isHmac(*algorithm);
        return checks.fail(name, signatureFailure(verified.error(), *algorithm, jws, *keys));
    }
    report.signatureVerified = true;
    if (crypto::jwa::isHmac(*algorithm))
        return checks.pass(name,
                           QStringLiteral("%1 HMAC verified with the client secret")
                               .arg(QLatin1String(crypto::jwa::name(*algorithm))));
    report.keyId = verified ? verified->keyId : QString::fromUtf8(jws.keyId());
    checks.pass(name,
                QStringLiteral("%1 signature verified with the provider's key%2")
                    .arg(QLatin1String(crypto::jwa::name(*algorithm)),
                         report.keyId.isEmpty() ? QString() : QStringLiteral(" kid=") + quoted(report.keyId.toUtf8())));
}

void checkIssuer(const std::optional<JsonValue> &iss, const IdTokenExpectations &expect, Checks &checks)
{
    const QString name = QStringLiteral("iss");
    const QByteArray expected = expect.issuer.toUtf8();
    if (!iss)
        return checks.fail(name, QStringLiteral("the ID token names no issuer; expected %1").arg(quoted(expected)),
                           FlowError::IssuerMismatch);
    if (!iss->isString())
        return checks.fail(name, QStringLiteral("\"iss\" must be a string"), FlowError::IssuerMismatch);
    if (iss->stringEquals(expected))
        return checks.pass(name, QStringLiteral("issued by %1").arg(quoted(expected)));
    const QByteArray actual = iss->toUtf8();
    const bool slashOnly = actual + '/' == expected || expected + '/' == actual;
    checks.fail(name,
                QStringLiteral("issued by %1, but this provider's issuer is %2: a token from another provider "
                               "(mix-up) or an issuer written differently in the profile%3")
                    .arg(quoted(actual), quoted(expected),
                         slashOnly ? QStringLiteral(" (they differ by a trailing slash only; the issuer must match the "
                                                    "provider's metadata exactly)")
                                   : QString()),
                FlowError::IssuerMismatch);
}

// Checks "aud" and returns how many audiences it names (0 when it is absent or malformed).
qsizetype checkAudience(const std::optional<JsonValue> &aud, const IdTokenExpectations &expect, Checks &checks)
{
    const QString name = QStringLiteral("aud");
    const QByteArray clientId = expect.clientId.toUtf8();
    if (!aud) {
        checks.fail(name, QStringLiteral("the ID token names no audience; OIDC requires the client id in \"aud\""));
        return 0;
    }
    QList<JsonValue> audiences;
    if (aud->isString()) {
        audiences << *aud;
    } else if (aud->isArray() && aud->size() > 0) {
        for (qsizetype i = 0; i < aud->size(); ++i) {
            if (!aud->element(i).isString()) {
                checks.fail(name, QStringLiteral("\"aud\" must hold only strings"));
                return 0;
            }
            audiences << aud->element(i);
        }
    } else {
        checks.fail(name, QStringLiteral("\"aud\" must be a string or a non-empty array of strings"));
        return 0;
    }
    const bool listed = std::any_of(audiences.cbegin(), audiences.cend(),
                                    [&clientId](const JsonValue &audience) { return audience.stringEquals(clientId); });
    if (listed) {
        checks.pass(name,
                    audiences.size() == 1
                        ? QStringLiteral("issued for this client")
                        : QStringLiteral("issued for this client, among %1 audiences").arg(audiences.size()));
        return audiences.size();
    }
    QStringList seen;
    for (qsizetype i = 0; i < audiences.size() && i < MAX_AUDIENCES_SHOWN; ++i)
        seen << quoted(audiences.at(i).toUtf8());
    if (audiences.size() > MAX_AUDIENCES_SHOWN)
        seen << QStringLiteral("and %1 more").arg(audiences.size() - MAX_AUDIENCES_SHOWN);
    checks.fail(name,
                QStringLiteral("wrong audience: issued for %1, the profile's client id is %2: a token meant for "
                               "another client (substituted), or the wrong client id in the profile")
                    .arg(seen.join(QStringLiteral(", ")), quoted(clientId)));
    return audiences.size();
}

void checkAuthorizedParty(const std::optional<JsonValue> &azp, qsizetype audiences, const IdTokenExpectations &expect,
                          Checks &checks)
{
    const QString name = QStringLiteral("azp");
    const QByteArray clientId = expect.clientId.toUtf8();
    if (!azp) {
        if (audiences > 1)
            return checks.fail(name,
                               QStringLiteral("the token has %1 audiences but no authorized party (\"azp\"): nothing "
                                              "says which of them it was issued to, so it may be another client's")
                                   .arg(audiences));
        return checks.pass(name, QStringLiteral("absent; a single audience needs none"));
    }
    if (!azp->isString())
        return checks.fail(name, QStringLiteral("\"azp\" must be a string"));
    if (!azp->stringEquals(clientId))
        return checks.fail(name,
                           QStringLiteral("the authorized party is %1, not this client (%2): the token was issued to "
                                          "another client")
                               .arg(quoted(azp->toUtf8()), quoted(clientId)));
    checks.pass(name, QStringLiteral("names this client"));
}

void checkNonce(const std::optional<JsonValue> &nonce, const IdTokenExpectations &expect, Checks &checks)
{
    const QString name = QStringLiteral("nonce");
    if (expect.nonce.isEmpty())
        return checks.pass(name,
                           nonce ? QStringLiteral("none was sent with the authorization request, so the token's is "
                                                  "not checked")
                                 : QStringLiteral("none was sent with the authorization request, and the token has "
                                                  "none"));
    if (!nonce)
        return checks.fail(name,
                           QStringLiteral("the ID token has no nonce, though the authorization request sent one: a "
                                          "token from another login (injected), or a provider that ignores the "
                                          "nonce parameter"));
    if (!nonce->isString())
        return checks.fail(name, QStringLiteral("\"nonce\" must be a string"));
    if (!crypto::constantTimeEqual(nonce->toUtf8(), expect.nonce))
        return checks.fail(name,
                           QStringLiteral("the nonce differs from the one sent with the authorization request: a "
                                          "replayed or injected ID token"));
    checks.pass(name, QStringLiteral("matches the one sent with the authorization request"));
}

void checkTimes(const JsonValue &claims, const IdTokenExpectations &expect, qint64 now, Checks &checks)
{
    const qint64 leeway = expect.leeway.count();
    const QString skew = QStringLiteral("this machine's clock or the provider's is wrong (clock skew)");

    const NumericDate exp = readNumericDate(claims.member("exp"), "exp");
    const QString expName = QStringLiteral("exp");
    if (!exp.present)
        checks.fail(expName, QStringLiteral("the ID token has no expiry (\"exp\"); OIDC requires one"));
    else if (!exp.seconds)
        checks.fail(expName, exp.problem);
    else if (now >= *exp.seconds + leeway)
        checks.fail(expName,
                    QStringLiteral("expired %1 at %2 (%3): if the provider just issued it, %4; otherwise the token is "
                                   "stale or replayed")
                        .arg(jose::timetext::relative(*exp.seconds, now), jose::timetext::utc(*exp.seconds),
                             leewayNote(expect.leeway), skew));
    else if (now >= *exp.seconds)
        checks.pass(expName,
                    QStringLiteral("expired %1, within the %2 tolerated for clock skew")
                        .arg(jose::timetext::relative(*exp.seconds, now), leewayNote(expect.leeway)));
    else
        checks.pass(expName,
                    QStringLiteral("valid until %1 (%2)")
                        .arg(jose::timetext::utc(*exp.seconds), jose::timetext::relative(*exp.seconds, now)));

    const NumericDate iat = readNumericDate(claims.member("iat"), "iat");
    const QString iatName = QStringLiteral("iat");
    if (!iat.present)
        checks.fail(iatName, QStringLiteral("the ID token has no issue time (\"iat\"); OIDC requires one"));
    else if (!iat.seconds)
        checks.fail(iatName, iat.problem);
    else if (*iat.seconds > now + leeway)
        checks.fail(iatName,
                    QStringLiteral("issued %1 in the future (at %2, %3): %4")
                        .arg(jose::timetext::span(*iat.seconds - now), jose::timetext::utc(*iat.seconds),
                             leewayNote(expect.leeway), skew));
    else if (now - *iat.seconds > expect.maxAge.count())
        checks.fail(iatName,
                    QStringLiteral("issued %1 at %2, longer ago than the %3 an ID token is accepted for: a stale or "
                                   "replayed token, or a clock far off")
                        .arg(jose::timetext::relative(*iat.seconds, now), jose::timetext::utc(*iat.seconds),
                             jose::timetext::span(expect.maxAge.count())));
    else
        checks.pass(iatName,
                    QStringLiteral("issued %1 at %2")
                        .arg(jose::timetext::relative(*iat.seconds, now), jose::timetext::utc(*iat.seconds)));

    const NumericDate nbf = readNumericDate(claims.member("nbf"), "nbf");
    const QString nbfName = QStringLiteral("nbf");
    if (!nbf.present)
        return; // optional, and listed only when the token has one
    if (!nbf.seconds)
        checks.fail(nbfName, nbf.problem);
    else if (now + leeway < *nbf.seconds)
        checks.fail(nbfName,
                    QStringLiteral("not valid before %1 (%2, %3): %4")
                        .arg(jose::timetext::utc(*nbf.seconds), jose::timetext::relative(*nbf.seconds, now),
                             leewayNote(expect.leeway), skew));
    else
        checks.pass(nbfName, QStringLiteral("valid since %1").arg(jose::timetext::utc(*nbf.seconds)));
}

void checkAccessTokenHash(const std::optional<JsonValue> &atHash, const IdTokenExpectations &expect,
                          const std::optional<Algorithm> &algorithm, Checks &checks)
{
    const QString name = QStringLiteral("at_hash");
    if (!atHash)
        return checks.pass(name, QStringLiteral("absent (optional in the authorization-code flow)"));
    if (!atHash->isString())
        return checks.fail(name, QStringLiteral("\"at_hash\" must be a string"));
    if (expect.accessToken.isEmpty())
        return checks.pass(name, QStringLiteral("not checked: no access token to compare with"));
    if (!algorithm)
        return checks.fail(name,
                           QStringLiteral("cannot be checked: the token's alg names no hash Portcullis implements"));
    if (!crypto::constantTimeEqual(atHash->toUtf8(), accessTokenHash(*algorithm, expect.accessToken)))
        return checks.fail(name,
                           QStringLiteral("does not match the access token: the access token was swapped "
                                          "(token substitution) or altered, or the provider computes at_hash wrongly"));
    checks.pass(name, QStringLiteral("matches the access token"));
}

void checkSubject(const std::optional<JsonValue> &sub, Checks &checks)
{
    const QString name = QStringLiteral("sub");
    if (!sub)
        return checks.fail(name, QStringLiteral("the ID token names no subject (\"sub\"); OIDC requires one"));
    if (!sub->isString())
        return checks.fail(name, QStringLiteral("\"sub\" must be a string"));
    const QByteArray subject = sub->toUtf8();
    if (subject.isEmpty())
        return checks.fail(name, QStringLiteral("the subject (\"sub\") is empty"));
    if (subject.size() > MAX_SUB_BYTES)
        return checks.fail(name,
                           QStringLiteral("the subject is %1 bytes long; OIDC allows at most %2")
                               .arg(subject.size())
                               .arg(MAX_SUB_BYTES));
    checks.pass(name, QStringLiteral("subject %1").arg(quoted(subject)));
}

} // namespace

const TokenCheck *IdTokenReport::check(QStringView name) const
{
    for (const TokenCheck &entry : checks) {
        if (entry.name == name)
            return &entry;
    }
    return nullptr;
}

IdTokenReport checkIdToken(QByteArrayView idToken, const jose::JwkSet &providerKeys, const IdTokenExpectations &expect,
                           const Clock &clock)
{
    IdTokenReport report;
    Checks checks(report);
    jose::JwsLimits limits;
    limits.maxTokenBytes = MAX_ID_TOKEN_BYTES;
    auto parsed = jose::CompactJws::parse(idToken, limits);
    if (!parsed) {
        checks.fail(QStringLiteral("format"),
                    parsed.error().is(jose::JoseError::Encrypted)
                        ? QStringLiteral("the ID token is encrypted (a JWE); Portcullis does not decrypt ID tokens: "
                                         "register the client without id_token_encrypted_response_alg")
                        : QStringLiteral("the ID token cannot be read: ") + parsed.error().detail());
        return report;
    }
    report.header = parsed->header().source().toByteArray();
    report.claims = parsed->payload().toByteArray();

    checkSignature(idToken, *parsed, providerKeys, expect, clock, report, checks);
    if (!parsed->claims()) {
        checks.fail(QStringLiteral("claims"), QStringLiteral("the payload is not a JSON object of claims"));
        return report;
    }
    const JsonValue claims = parsed->claims()->root();
    checkIssuer(claims.member("iss"), expect, checks);
    const qsizetype audiences = checkAudience(claims.member("aud"), expect, checks);
    checkAuthorizedParty(claims.member("azp"), audiences, expect, checks);
    checkNonce(claims.member("nonce"), expect, checks);
    checkTimes(claims, expect, clock.unixSeconds(), checks);
    checkAccessTokenHash(claims.member("at_hash"), expect, report.algorithm, checks);
    checkSubject(claims.member("sub"), checks);
    return report;
}

QByteArray accessTokenHash(Algorithm algorithm, QByteArrayView accessToken)
{
    const QByteArray hash = crypto::digest(crypto::jwa::digest(algorithm), accessToken);
    return crypto::base64url::encode(QByteArrayView(hash).first(hash.size() / 2));
}

} // namespace portcullis::oauth
