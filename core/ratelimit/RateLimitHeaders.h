#pragma once

#include <utility>

#include <QByteArray>
#include <QList>

#include "common/Clock.h"
#include "ratelimit/Decision.h"

namespace portcullis::ratelimit {

class RateLimitPolicy;

// The response header fields that tell a client where it stands:
//  - the widespread X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset (Unix time in seconds at which
//    the key has fully recovered, as GitHub sends it), and Retry-After (delay-seconds) on a refusal;
//  - the IETF fields in the structured-field form of draft-ietf-httpapi-ratelimit-headers-11 (May 2026),
//    sections 3 and 4: `RateLimit-Policy: "default";q=1000;w=3600` (quota q per window w seconds) and
//    `RateLimit: "default";r=250;t=42` (r: available quota, t: seconds until the key has fully recovered; the
//    draft allows a server to pick t for sliding windows). Earlier drafts (up to -06) used separate
//    RateLimit-Limit/-Remaining/-Reset fields; those are not sent.
class RateLimitHeaders
{
public:
    using Header = std::pair<QByteArray, QByteArray>;

    // Every field above, in that order; Retry-After only when the decision refused the request.
    [[nodiscard]] static QList<Header> render(const RateLimitPolicy &policy, const Decision &decision,
                                              Clock::WallTime now);

    [[nodiscard]] static QByteArray policyField(const RateLimitPolicy &policy);
    [[nodiscard]] static QByteArray rateLimitField(const RateLimitPolicy &policy, const Decision &decision);
    // Whole seconds, rounded up (a client that waits this long is never early); at least 1.
    [[nodiscard]] static qint64 retryAfterSeconds(const Decision &decision);
};

} // namespace portcullis::ratelimit
