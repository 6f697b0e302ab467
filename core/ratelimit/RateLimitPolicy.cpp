#include "ratelimit/RateLimitPolicy.h"

#include <QStringBuilder>

#include "ratelimit/RateLimitError.h"

namespace portcullis::ratelimit {

namespace {

constexpr qint64 NS_PER_MS = 1'000'000;

bool isNameCharacter(QChar c)
{
    return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9') || c == u'.' || c == u'_'
        || c == u'-';
}

Result<void> validate(const RateLimitPolicy::Spec &spec)
{
    // The name travels as an RFC 8941 String in RateLimit-Policy: keeping it to a token-like set means it never
    // needs escaping.
    if (spec.name.isEmpty() || spec.name.size() > RateLimitPolicy::MAX_NAME_LENGTH
        || !std::all_of(spec.name.cbegin(), spec.name.cend(), isNameCharacter))
        return Error(RateLimitError::InvalidName,
                     QStringLiteral("A rate-limit policy name needs 1 to %1 characters from A-Z, a-z, 0-9, '.', '_' "
                                    "and '-'.")
                         .arg(RateLimitPolicy::MAX_NAME_LENGTH));
    const qint64 maxLimit
        = spec.algorithm == Algorithm::SlidingLog ? RateLimitPolicy::MAX_LOG_LIMIT : RateLimitPolicy::MAX_LIMIT;
    if (spec.limit <= 0 || spec.limit > maxLimit)
        return Error(RateLimitError::InvalidLimit,
                     QStringLiteral("Policy '%1': the limit must be between 1 and %2 requests per window (it is %3).")
                         .arg(spec.name)
                         .arg(maxLimit)
                         .arg(spec.limit));
    if (spec.window < RateLimitPolicy::MIN_WINDOW || spec.window > RateLimitPolicy::MAX_WINDOW)
        return Error(RateLimitError::InvalidWindow,
                     QStringLiteral("Policy '%1': the window must be between 1 second and 31 days (it is %2 ms).")
                         .arg(spec.name)
                         .arg(spec.window.count()));
    // A burst above the limit would let more than a window's quota through at once.
    if (spec.algorithm == Algorithm::TokenBucket && (spec.burst < 0 || spec.burst > spec.limit))
        return Error(RateLimitError::InvalidBurst,
                     QStringLiteral("Policy '%1': the burst must be at least 1 and at most the limit, %2 (or 0 for "
                                    "the limit).")
                         .arg(spec.name)
                         .arg(spec.limit));
    if (spec.algorithm != Algorithm::TokenBucket && spec.burst != 0)
        return Error(RateLimitError::InvalidBurst,
                     QStringLiteral("Policy '%1': a burst applies to the token bucket only; the %2 allows the limit "
                                    "at once.")
                         .arg(spec.name, algorithmName(spec.algorithm)));
    if (spec.countBy.isEmpty())
        return Error(RateLimitError::InvalidCountBy,
                     QStringLiteral("Policy '%1' must count by at least one part of the request.").arg(spec.name));
    for (qsizetype i = 0; i < spec.countBy.size(); ++i) {
        if (spec.countBy.indexOf(spec.countBy[i]) != i)
            return Error(RateLimitError::InvalidCountBy,
                         QStringLiteral("Policy '%1' names the same request part twice.").arg(spec.name));
    }
    return {};
}

} // namespace

RateLimitPolicy RateLimitPolicy::perHourBySource(QString name, qint64 limit)
{
    return create(
               {std::move(name), limit, std::chrono::hours(1), Algorithm::SlidingCounter, 0, {KeyPart::SourceAddress}})
        .value();
}

Result<RateLimitPolicy> RateLimitPolicy::create(Spec spec)
{
    if (auto valid = validate(spec); !valid)
        return valid.error();
    RateLimitPolicy policy;
    policy.m_name = std::move(spec.name);
    policy.m_limit = spec.limit;
    policy.m_window = spec.window;
    policy.m_algorithm = spec.algorithm;
    policy.m_burst = spec.algorithm == Algorithm::TokenBucket && spec.burst > 0 ? spec.burst : spec.limit;
    policy.m_countBy = std::move(spec.countBy);
    policy.m_windowNs = spec.window.count() * NS_PER_MS;
    policy.m_emissionIntervalNs = std::max<qint64>(1, policy.m_windowNs / policy.m_limit);
    return policy;
}

RateLimitPolicy RateLimitPolicy::defaultPolicy()
{
    return perHourBySource(QStringLiteral("default"), 1000);
}

RateLimitPolicy RateLimitPolicy::registrationPolicy()
{
    return perHourBySource(QStringLiteral("registration"), 10);
}

QList<RateLimitPolicy> RateLimitPolicy::builtIns()
{
    return {defaultPolicy(), registrationPolicy()};
}

QString RateLimitPolicy::keyFor(const RequestParts &parts) const
{
    QString key;
    for (const KeyPart part : m_countBy) {
        const QString *value = nullptr;
        switch (part) {
        case KeyPart::SourceAddress:
            value = &parts.sourceAddress;
            break;
        case KeyPart::ApiKeyId:
            value = &parts.apiKeyId;
            break;
        case KeyPart::Subject:
            value = &parts.subject;
            break;
        case KeyPart::Route:
            value = &parts.route;
            break;
        }
        if (!key.isEmpty())
            key += u'|';
        key += QString::number(value->size()) % u':' % *value;
    }
    return key;
}

QString algorithmName(Algorithm algorithm)
{
    switch (algorithm) {
    case Algorithm::SlidingLog:
        return QStringLiteral("sliding log");
    case Algorithm::SlidingCounter:
        return QStringLiteral("sliding counter");
    case Algorithm::TokenBucket:
        return QStringLiteral("token bucket");
    }
    return QStringLiteral("unknown algorithm");
}

QString keyPartName(KeyPart part)
{
    switch (part) {
    case KeyPart::SourceAddress:
        return QStringLiteral("source address");
    case KeyPart::ApiKeyId:
        return QStringLiteral("API key id");
    case KeyPart::Subject:
        return QStringLiteral("subject");
    case KeyPart::Route:
        return QStringLiteral("route");
    }
    return QStringLiteral("unknown part");
}

} // namespace portcullis::ratelimit
