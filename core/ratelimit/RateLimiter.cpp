#include "ratelimit/RateLimiter.h"

#include "ratelimit/MemoryRateLimitStore.h"
#include "ratelimit/RateLimitPolicy.h"
#include "ratelimit/RedisRateLimitStore.h"

namespace portcullis::ratelimit {

QString failureModeName(StoreFailureMode mode)
{
    return mode == StoreFailureMode::FailClosed ? QStringLiteral("fail closed") : QStringLiteral("fall back to memory");
}

RateLimiter::RateLimiter(RedisRateLimitStore *redis, MemoryRateLimitStore &memory, const Clock &clock, Options options,
                         HealthCallback onHealthChange)
    : m_redis(redis)
    , m_memory(memory)
    , m_clock(clock)
    , m_options(options)
    , m_onHealthChange(std::move(onHealthChange))
{ }

Decision RateLimiter::decide(const RateLimitPolicy &policy, QStringView key, qint64 cost)
{
    if (!m_redis)
        return m_memory.decide(policy, key, cost);
    auto decided = m_redis->decide(policy, key, cost);
    if (decided) {
        if (m_degraded.load(std::memory_order_acquire))
            report(StoreHealthChange::State::Recovered, QString());
        return *decided;
    }
    if (!m_degraded.load(std::memory_order_acquire))
        report(StoreHealthChange::State::Degraded, decided.error().toString());
    if (m_options.mode == StoreFailureMode::FallBackToMemory) {
        Decision decision = m_memory.decide(policy, key, cost);
        decision.storeUnavailable = true;
        return decision;
    }
    Decision refused;
    refused.storeUnavailable = true;
    refused.limit = policy.limit();
    refused.retryAfter = m_options.failClosedRetryAfter;
    refused.resetAfter = m_options.failClosedRetryAfter;
    return refused;
}

void RateLimiter::report(StoreHealthChange::State state, const QString &reason)
{
    const std::lock_guard lock(m_reportMutex);
    const bool degrade = state == StoreHealthChange::State::Degraded;
    if (m_degraded.load(std::memory_order_relaxed) == degrade)
        return; // another thread reported it first
    m_degraded.store(degrade, std::memory_order_release);
    if (!m_onHealthChange)
        return;
    StoreHealthChange change;
    change.when = m_clock.now();
    change.state = state;
    change.store = m_redis->description();
    change.reason = reason;
    change.mode = m_options.mode;
    m_onHealthChange(change);
}

} // namespace portcullis::ratelimit
