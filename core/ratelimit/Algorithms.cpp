#include "ratelimit/Algorithms.h"

#include "ratelimit/RateLimitPolicy.h"

namespace portcullis::ratelimit {

namespace {

constexpr qint64 NS_PER_MS = 1'000'000;

using std::chrono::nanoseconds;

Decision tooLarge(const RateLimitPolicy &policy, qint64 remaining, qint64 resetAfterNs)
{
    Decision decision;
    decision.exceedsCapacity = true;
    decision.limit = policy.limit();
    decision.remaining = std::max<qint64>(0, remaining);
    decision.resetAfter = nanoseconds(std::max<qint64>(0, resetAfterNs));
    decision.retryAfter = policy.window();
    return decision;
}

Decision decideTokenBucket(const RateLimitPolicy &policy, KeyState &state, qint64 nowNs, qint64 cost)
{
    const qint64 interval = policy.emissionIntervalNs();
    const qint64 tolerance = policy.burst() * interval; // <= window: validation keeps burst <= limit
    const qint64 tat = std::max(state.tatNs, nowNs);
    if (cost > policy.burst())
        return tooLarge(policy, (nowNs + tolerance - tat) / interval, tat - nowNs);
    Decision decision;
    decision.limit = policy.limit();
    const qint64 newTat = tat + cost * interval;
    if (newTat - nowNs > tolerance) {
        decision.remaining = (nowNs + tolerance - tat) / interval;
        decision.resetAfter = nanoseconds(tat - nowNs);
        decision.retryAfter = nanoseconds(newTat - nowNs - tolerance);
        return decision;
    }
    state.tatNs = newTat;
    state.recoveredAtNs = newTat;
    decision.allowed = true;
    decision.remaining = (nowNs + tolerance - newTat) / interval;
    decision.resetAfter = nanoseconds(newTat - nowNs);
    return decision;
}

Decision decideSlidingCounter(const RateLimitPolicy &policy, KeyState &state, qint64 nowNs, qint64 cost)
{
    const qint64 window = policy.windowNs();
    const qint64 start = nowNs - ((nowNs % window) + window) % window;
    if (start != state.windowStartNs) {
        state.previousCount = start - state.windowStartNs == window ? state.currentCount : 0;
        state.currentCount = 0;
        state.windowStartNs = start;
    }
    // Integer arithmetic in milliseconds: count * window stays below 2^63 (limit <= 1e9, window <= 31 days), so
    // the estimate is exact and the same on every platform.
    const qint64 windowMs = policy.window().count();
    const qint64 elapsedNs = nowNs - start;
    const qint64 elapsedMs = elapsedNs / NS_PER_MS;
    const qint64 limitScaled = policy.limit() * windowMs;
    const qint64 previousScaled = state.previousCount * (windowMs - elapsedMs);
    const auto remainingAfter = [&](qint64 current) {
        return std::max<qint64>(0, (limitScaled - previousScaled - current * windowMs) / windowMs);
    };
    const auto resetAfter = [&] {
        const qint64 end = state.currentCount > 0 ? start + 2 * window
            : state.previousCount > 0             ? start + window
                                                  : nowNs;
        return end - nowNs;
    };
    if (cost > policy.limit())
        return tooLarge(policy, remainingAfter(state.currentCount), resetAfter());
    Decision decision;
    decision.limit = policy.limit();
    if (previousScaled + (state.currentCount + cost) * windowMs <= limitScaled) {
        state.currentCount += cost;
        state.recoveredAtNs = start + 2 * window;
        decision.allowed = true;
        decision.remaining = remainingAfter(state.currentCount);
        decision.resetAfter = nanoseconds(resetAfter());
        return decision;
    }
    decision.remaining = remainingAfter(state.currentCount);
    decision.resetAfter = nanoseconds(resetAfter());
    if (state.currentCount + cost <= policy.limit()) {
        // Later in this window, once the previous window's weight has dropped enough.
        const qint64 allowedWeightMs = (policy.limit() - state.currentCount - cost) * windowMs / state.previousCount;
        const qint64 atMs = windowMs - allowedWeightMs;
        decision.retryAfter = nanoseconds(std::max(NS_PER_MS, atMs * NS_PER_MS - elapsedNs));
    } else {
        // In the next window, where this window's count is the weighted one.
        const qint64 allowedWeightMs = (policy.limit() - cost) * windowMs / state.currentCount;
        const qint64 atMs = windowMs - allowedWeightMs;
        decision.retryAfter = nanoseconds(window - elapsedNs + atMs * NS_PER_MS);
    }
    return decision;
}

Decision decideSlidingLog(const RateLimitPolicy &policy, KeyState &state, qint64 nowNs, qint64 cost)
{
    const qint64 window = policy.windowNs();
    TimestampLog &log = state.log;
    log.dropUpTo(nowNs - window);
    const auto resetAfter = [&] { return log.size() > 0 ? log.newest() + window - nowNs : 0; };
    if (cost > policy.limit())
        return tooLarge(policy, policy.limit() - log.size(), resetAfter());
    Decision decision;
    decision.limit = policy.limit();
    if (log.size() + cost <= policy.limit()) {
        log.append(nowNs, cost, policy.limit());
        state.recoveredAtNs = nowNs + window;
        decision.allowed = true;
    } else {
        // Once enough of the oldest entries have left the window.
        const qint64 mustLeave = log.size() + cost - policy.limit();
        decision.retryAfter = nanoseconds(log.at(mustLeave - 1) + window - nowNs);
    }
    decision.remaining = std::max<qint64>(0, policy.limit() - log.size());
    decision.resetAfter = nanoseconds(resetAfter());
    return decision;
}

} // namespace

Decision decide(const RateLimitPolicy &policy, KeyState &state, qint64 nowNs, qint64 cost)
{
    Q_ASSERT(cost >= 1);
    cost = std::max<qint64>(1, cost);
    if (state.algorithm != policy.algorithm())
        state.reset(policy.algorithm());
    switch (policy.algorithm()) {
    case Algorithm::SlidingLog:
        return decideSlidingLog(policy, state, nowNs, cost);
    case Algorithm::SlidingCounter:
        return decideSlidingCounter(policy, state, nowNs, cost);
    case Algorithm::TokenBucket:
        return decideTokenBucket(policy, state, nowNs, cost);
    }
    return {};
}

} // namespace portcullis::ratelimit
