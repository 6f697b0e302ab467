#include "ratelimit/RateLimitHeaders.h"

#include "ratelimit/RateLimitPolicy.h"

namespace portcullis::ratelimit {

namespace {

constexpr qint64 NS_PER_SECOND = 1'000'000'000;

qint64 ceilSeconds(std::chrono::nanoseconds duration)
{
    const qint64 ns = std::max<qint64>(0, duration.count());
    return ns / NS_PER_SECOND + (ns % NS_PER_SECOND != 0 ? 1 : 0);
}

QByteArray number(qint64 value)
{
    return QByteArray::number(value);
}

} // namespace

QList<RateLimitHeaders::Header> RateLimitHeaders::render(const RateLimitPolicy &policy, const Decision &decision,
                                                         Clock::WallTime now)
{
    const qint64 nowSeconds = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    QList<Header> headers {
        {QByteArrayLiteral("X-RateLimit-Limit"), number(decision.limit)},
        {QByteArrayLiteral("X-RateLimit-Remaining"), number(decision.remaining)},
        {QByteArrayLiteral("X-RateLimit-Reset"), number(nowSeconds + ceilSeconds(decision.resetAfter))},
        {QByteArrayLiteral("RateLimit-Policy"), policyField(policy)},
        {QByteArrayLiteral("RateLimit"), rateLimitField(policy, decision)},
    };
    if (!decision.allowed)
        headers.append({QByteArrayLiteral("Retry-After"), number(retryAfterSeconds(decision))});
    return headers;
}

QByteArray RateLimitHeaders::policyField(const RateLimitPolicy &policy)
{
    // The name is limited to [A-Za-z0-9._-] by validation, so it is a valid sf-string as it stands.
    const qint64 windowSeconds = ceilSeconds(policy.window());
    return '"' + policy.name().toLatin1() + "\";q=" + number(policy.limit()) + ";w=" + number(windowSeconds);
}

QByteArray RateLimitHeaders::rateLimitField(const RateLimitPolicy &policy, const Decision &decision)
{
    return '"' + policy.name().toLatin1() + "\";r=" + number(std::max<qint64>(0, decision.remaining))
        + ";t=" + number(ceilSeconds(decision.resetAfter));
}

qint64 RateLimitHeaders::retryAfterSeconds(const Decision &decision)
{
    return std::max<qint64>(1, ceilSeconds(decision.retryAfter));
}

} // namespace portcullis::ratelimit
