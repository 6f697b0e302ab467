#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include <QString>

#include "common/Result.h"
#include "ratelimit/Decision.h"
#include "ratelimit/RateLimitPolicy.h"
#include "ratelimit/RateLimiter.h"

namespace portcullis {
class Clock;
}

namespace portcullis::ratelimit {
class MemoryRateLimitStore;
class RedisRateLimitStore;
} // namespace portcullis::ratelimit

namespace portcullis::engine {

class SecurityMonitor;

// What a server asks before it serves a request: the limiter over the workspace's counter store (Redis when one is
// configured, failing closed or falling back to memory; memory otherwise), with its outcomes on the security
// monitor:
//  - every refusal is a rate_limited event with the request's subjects, route and why (limit_exceeded,
//    exceeds_capacity, store_unavailable);
//  - the Redis store going down or coming back is a store_degraded / store_recovered event saying what requests get
//    meanwhile;
//  - a maintenance thread drops recovered keys from memory every purgeInterval, and reports keys the memory bound
//    forced out before they had recovered (they were forgiven: someone may be spraying keys to evade a limit) as a
//    suspicious_request event.
class RateLimitService
{
public:
    struct Options
    {
        QString redisUrl; // empty: memory only
        ratelimit::StoreFailureMode failureMode = ratelimit::StoreFailureMode::FailClosed;
        std::size_t maxMemoryKeys = std::size_t(1) << 20;
        std::chrono::milliseconds purgeInterval {60'000}; // 0: no maintenance thread (purge() by hand)
    };

    // The monitor must outlive the service. Fails only on a malformed Redis URL (the server is contacted lazily).
    [[nodiscard]] static Result<std::unique_ptr<RateLimitService>> open(SecurityMonitor &monitor, const Clock &clock,
                                                                        Options options);
    ~RateLimitService();
    RateLimitService(const RateLimitService &) = delete;
    RateLimitService &operator=(const RateLimitService &) = delete;

    // Decides one request under `policy`, counted by the policy's parts of `request`.
    [[nodiscard]] ratelimit::Decision decide(const ratelimit::RateLimitPolicy &policy,
                                             const ratelimit::RequestParts &request, qint64 cost = 1);
    // Drops recovered keys from memory and reports forgiven ones; what the maintenance thread does.
    void purge();

    [[nodiscard]] bool usesRedis() const { return m_redis != nullptr; }
    [[nodiscard]] QString storeDescription() const;
    [[nodiscard]] const ratelimit::MemoryRateLimitStore &memory() const { return *m_memory; }

private:
    RateLimitService(SecurityMonitor &monitor, const Clock &clock);
    void reportHealth(const ratelimit::StoreHealthChange &change);
    void runMaintenance(std::stop_token stop, std::chrono::milliseconds interval);

    SecurityMonitor &m_monitor;
    const Clock &m_clock;
    std::unique_ptr<ratelimit::RedisRateLimitStore> m_redis;
    std::unique_ptr<ratelimit::MemoryRateLimitStore> m_memory;
    std::unique_ptr<ratelimit::RateLimiter> m_limiter;
    std::mutex m_purgeMutex;
    qint64 m_reportedEvictions = 0; // guarded by m_purgeMutex
    std::mutex m_wakeMutex;
    std::condition_variable_any m_wake;
    std::jthread m_maintenance;
};

} // namespace portcullis::engine
