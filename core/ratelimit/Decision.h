#pragma once

#include <chrono>

#include <QtGlobal>

namespace portcullis::ratelimit {

// The answer to one request under one policy. Times are relative to the decision, so they hold on any clock.
struct Decision
{
    bool allowed = false;
    // The request costs more than the policy ever allows at once (more than the burst, or the limit): it is
    // refused whatever the state, and retrying does not help.
    bool exceedsCapacity = false;
    // The shared store (Redis) could not decide: the request was refused (fail closed) or decided by this process's
    // in-memory fallback, whichever the limiter's failure mode says.
    bool storeUnavailable = false;
    qint64 limit = 0;
    qint64 remaining = 0; // units that could still pass now, after this request
    std::chrono::nanoseconds resetAfter {0}; // until the key has fully recovered
    std::chrono::nanoseconds retryAfter {0}; // refused: until the same request could pass; 0 when allowed
};

} // namespace portcullis::ratelimit
