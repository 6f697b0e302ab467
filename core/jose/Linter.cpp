#include "jose/Linter.h"

#include <QRegularExpression>

#include "common/Redaction.h"
#include "crypto/Digest.h"
#include "crypto/Jwa.h"
#include "jose/SecretAudit.h"
#include "jose/TimeText.h"

namespace portcullis::jose {

namespace {

using Severity = Finding::Severity;

QString shown(QByteArrayView text)
{
    return redaction::escapeUntrusted(QString::fromUtf8(text), 60);
}

std::optional<qint64> seconds(const JsonValue &claims, QByteArrayView name)
{
    const auto value = claims.member(name);
    if (!value || !value->isNumber())
        return std::nullopt;
    if (auto integer = value->toInt64())
        return integer;
    if (auto real = value->toDouble(); real && *real > -9.2e18 && *real < 9.2e18)
        return static_cast<qint64>(*real);
    return std::nullopt;
}

struct PersonalDataPattern
{
    const char *kind;
    QRegularExpression pattern;
};

const std::vector<PersonalDataPattern> &personalDataPatterns()
{
    static const std::vector<PersonalDataPattern> s_patterns = {
        {"an email address", QRegularExpression(QStringLiteral("[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}"))},
        {"a phone number", QRegularExpression(QStringLiteral("(?<![\\w.])\\+?\\d(?:[\\s().-]?\\d){9,14}(?![\\w.])"))},
        {"a US social security number", QRegularExpression(QStringLiteral("\\b\\d{3}-\\d{2}-\\d{4}\\b"))},
        {"a UK national insurance number", QRegularExpression(QStringLiteral("\\b[A-CEGHJ-PR-TW-Z]{2}\\d{6}[A-D]\\b"))},
    };
    return s_patterns;
}

// Collects "claim: kind" for string values anywhere in the claims that look like personal data.
void findPersonalData(const JsonValue &value, const QString &path, QStringList &found)
{
    if (found.size() >= 5)
        return;
    if (value.isString()) {
        const QString text = value.toString();
        for (const auto &entry : personalDataPatterns()) {
            if (entry.pattern.match(text).hasMatch()) {
                found << QStringLiteral("%1 (%2)").arg(path, QLatin1String(entry.kind));
                return;
            }
        }
    } else if (value.isObject()) {
        for (qsizetype i = 0; i < value.size(); ++i)
            findPersonalData(value.memberValue(i),
                             path.isEmpty() ? shown(value.memberName(i)) : path + u'.' + shown(value.memberName(i)),
                             found);
    } else if (value.isArray()) {
        for (qsizetype i = 0; i < value.size() && i < 100; ++i)
            findPersonalData(value.element(i), QStringLiteral("%1[%2]").arg(path).arg(i), found);
    }
}

} // namespace

QString Linter::severityName(Severity severity)
{
    switch (severity) {
    case Severity::Info:
        return QStringLiteral("info");
    case Severity::Warning:
        return QStringLiteral("warning");
    case Severity::Critical:
        break;
    }
    return QStringLiteral("critical");
}

QList<Finding> Linter::lint(const CompactJws &jws, const Clock &clock, const LintOptions &options)
{
    QList<Finding> findings;
    auto add = [&findings](Severity severity, const char *code, const QString &explanation) {
        findings.append({severity, QLatin1String(code), explanation});
    };
    const JsonValue header = jws.header().root();
    const QByteArray alg = jws.algorithmName();

    if (alg.toLower() == "none")
        add(Severity::Critical, "alg-none",
            QStringLiteral("\"alg\": \"%1\" declares an unsecured token: anyone can write one, and a verifier that "
                           "accepts it accepts anything")
                .arg(shown(alg)));
    else if (!crypto::jwa::fromName(alg))
        add(Severity::Warning, "alg-unknown",
            QStringLiteral("\"alg\": \"%1\" is not a registered JWS algorithm").arg(shown(alg)));

    const auto algorithm = crypto::jwa::fromName(alg);
    if (algorithm && crypto::jwa::isHmac(*algorithm) && options.tryCommonSecrets) {
        auto audit = SecretAudit::run(jws, SecretAudit::builtinWordlist());
        if (audit && audit->secret) {
            const int needed = crypto::digestSize(crypto::jwa::digest(*algorithm));
            add(Severity::Critical, "hmac-common-secret",
                QStringLiteral(
                    "the token is signed with a well-known secret (%1 characters, found in Portcullis's list "
                    "of common secrets%2): anyone can forge tokens. Use a random secret of at least %3 bytes.")
                    .arg(audit->secret->size())
                    .arg(audit->secret->size() < needed ? QStringLiteral(", and shorter than the hash output")
                                                        : QString())
                    .arg(needed));
        }
    }

    if (const auto kid = header.member("kid"); kid && kid->isString()) {
        static const QRegularExpression s_unsafe(QStringLiteral("[/\\\\'\"`;|$<>]|\\.\\.|\\x00"));
        const QString value = kid->toString();
        if (s_unsafe.match(value).hasMatch())
            add(Severity::Critical, "kid-injection",
                QStringLiteral("\"kid\" (%1) holds path or quote characters: a server that uses it in a file path, SQL "
                               "query or shell command to find the key can be tricked into using a key the attacker "
                               "chose")
                    .arg(shown(kid->toUtf8())));
    }
    for (const char *name : {"jku", "x5u", "jwk", "x5c"}) {
        if (header.member(name))
            add(Severity::Warning, "embedded-key-reference",
                QStringLiteral("the header carries \"%1\": a key or key location chosen by whoever made the token. "
                               "Verifiers must never fetch or trust it (Portcullis ignores it).")
                    .arg(QLatin1String(name)));
    }

    if (options.expectedType) {
        const auto typ = header.member("typ");
        const QString actual = typ && typ->isString() ? typ->toString() : QString();
        if (actual.compare(*options.expectedType, Qt::CaseInsensitive) != 0)
            add(Severity::Warning, "typ-mismatch",
                QStringLiteral("\"typ\" is %1 but this use expects \"%2\": without explicit typing, one kind of token "
                               "can be replayed as another (RFC 8725 §3.11)")
                    .arg(actual.isEmpty() ? QStringLiteral("absent") : u'"' + shown(actual.toUtf8()) + u'"',
                         *options.expectedType));
    }

    if (!jws.claims()) {
        add(Severity::Info, "not-a-jwt", QStringLiteral("the payload is not a JSON object, so no claims were checked"));
        return findings;
    }
    const JsonValue claims = jws.claims()->root();
    const qint64 now = clock.unixSeconds();
    const auto exp = seconds(claims, "exp");
    const auto iat = seconds(claims, "iat");
    const auto nbf = seconds(claims, "nbf");
    for (const char *name : {"exp", "iat", "nbf"}) {
        if (const auto value = claims.member(name); value && !value->isNumber())
            add(Severity::Critical, "time-claim-type",
                QStringLiteral("\"%1\" is not a number; verifiers disagree on such values, some ignore the claim")
                    .arg(QLatin1String(name)));
    }
    if (!claims.member("exp"))
        add(Severity::Warning, "missing-exp",
            QStringLiteral("there is no \"exp\": the token never expires, so a stolen copy works forever"));
    if (exp && iat && *exp - *iat > options.maxLifetime.count())
        add(Severity::Warning, "long-lifetime",
            QStringLiteral("the token lives %1 (from iat to exp), more than %2")
                .arg(timetext::span(*exp - *iat), timetext::span(options.maxLifetime.count())));
    if (iat && *iat > now + 60)
        add(Severity::Warning, "iat-future",
            QStringLiteral("\"iat\" is %1, in the future: the issuer's clock is wrong or the token was forged")
                .arg(timetext::utc(*iat)));
    if (nbf && exp && *nbf >= *exp)
        add(Severity::Critical, "nbf-after-exp",
            QStringLiteral("\"nbf\" (%1) is not before \"exp\" (%2): the token can never be valid")
                .arg(timetext::utc(*nbf), timetext::utc(*exp)));
    if (!claims.member("aud"))
        add(Severity::Warning, "missing-aud",
            QStringLiteral("there is no \"aud\": any service that trusts this issuer would accept the token"));
    if (!claims.member("iss"))
        add(Severity::Warning, "missing-iss",
            QStringLiteral("there is no \"iss\": the token does not say who issued it"));

    QStringList personal;
    findPersonalData(claims, QString(), personal);
    if (!personal.isEmpty())
        add(Severity::Warning, "personal-data",
            QStringLiteral("the payload holds personal data (%1); a JWS payload is only encoded, not encrypted, so "
                           "anyone who sees the token can read it")
                .arg(personal.join(QStringLiteral(", "))));
    return findings;
}

} // namespace portcullis::jose
