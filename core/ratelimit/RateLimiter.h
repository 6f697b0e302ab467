#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>

#include <QString>
#include <QStringView>

#include "common/Clock.h"
#include "ratelimit/Decision.h"

namespace portcullis::ratelimit {

class MemoryRateLimitStore;
class RateLimitPolicy;
class RedisRateLimitStore;

// What a limiter does while its shared store cannot decide.
enum class StoreFailureMode
{
    FailClosed, // refuse every request (Decision::storeUnavailable, a short retry-after)
    FallBackToMemory, // decide in this process's memory: each instance counts alone until the store is back
};

// The shared store went down or came back. Reported once per transition; the monitor turns it into a
// `store_degraded` security event.
struct StoreHealthChange
{
    enum class State
    {
        Degraded,
        Recovered,
    };

    Clock::WallTime when;
    State state = State::Degraded;
    QString store; // the store's address without credentials ("redis://127.0.0.1:6379/0")
    QString reason; // the error that degraded it (empty on recovery); never holds a secret
    StoreFailureMode mode = StoreFailureMode::FailClosed; // what requests get while degraded
};

[[nodiscard]] QString failureModeName(StoreFailureMode mode); // "fail closed", "fall back to memory"

// The front the server asks: the Redis store when there is one, and while it fails, fail closed or the in-memory
// store, per the limiter's failure mode. Every decision tries Redis first (its reconnect backoff makes that a
// fast failure while it is down), so the limiter is back on Redis with the first decision after it recovers.
// Thread-safe. The health callback runs on the thread whose decision noticed the change, serialized with other
// changes; it must be quick and must not call back into the limiter.
class RateLimiter
{
public:
    using HealthCallback = std::function<void(const StoreHealthChange &)>;

    struct Options
    {
        StoreFailureMode mode = StoreFailureMode::FailClosed;
        std::chrono::seconds failClosedRetryAfter {5};
    };

    // `redis` may be null (memory only). Both stores must outlive the limiter.
    RateLimiter(RedisRateLimitStore *redis, MemoryRateLimitStore &memory, const Clock &clock, Options options,
                HealthCallback onHealthChange = {});

    [[nodiscard]] Decision decide(const RateLimitPolicy &policy, QStringView key, qint64 cost = 1);

    [[nodiscard]] bool isDegraded() const { return m_degraded.load(std::memory_order_acquire); }
    [[nodiscard]] StoreFailureMode mode() const { return m_options.mode; }

private:
    void report(StoreHealthChange::State state, const QString &reason);

    RedisRateLimitStore *m_redis;
    MemoryRateLimitStore &m_memory;
    const Clock &m_clock;
    Options m_options;
    HealthCallback m_onHealthChange;
    std::atomic<bool> m_degraded {false};
    std::mutex m_reportMutex;
};

} // namespace portcullis::ratelimit
