#pragma once

#include <QtGlobal>

#include "ratelimit/Decision.h"
#include "ratelimit/KeyState.h"

namespace portcullis::ratelimit {

class RateLimitPolicy;

// Decides one request of `cost` units (at least 1) for the key whose state is `state`, at monotonic time `nowNs`,
// and counts it when it is allowed. Not synchronised: the store holds the key's lock. The same arithmetic is what
// a shared store (Redis) has to run in one atomic step.
//  - sliding log: the entries in (now - window, now]; exact.
//  - sliding counter: fixed windows aligned on the window length; the estimate is the current window's count plus
//    the previous window's, weighted by how much of it the sliding window still covers (millisecond steps).
//  - token bucket (GCRA): one unit every window/limit; a request passes when its theoretical arrival time is at
//    most burst units ahead of now.
[[nodiscard]] Decision decide(const RateLimitPolicy &policy, KeyState &state, qint64 nowNs, qint64 cost);

// Whether the key is back to where an unseen key starts, so its state can be dropped.
[[nodiscard]] inline bool isRecovered(const KeyState &state, qint64 nowNs)
{
    return nowNs >= state.recoveredAtNs;
}

} // namespace portcullis::ratelimit
