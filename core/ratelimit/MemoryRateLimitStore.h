#pragma once

#include <cstddef>
#include <memory>

#include <QStringView>

#include "ratelimit/Decision.h"

namespace portcullis {
class Clock;
}

namespace portcullis::ratelimit {

class RateLimitPolicy;

// Rate-limit state in this process: thread-safe, sharded, bounded.
//  - 64 shards, each a mutex and a hash map of (policy name, key) to the key's state; one decision takes one
//    shard's lock once, and allocates nothing for a key already known. Keys are hashed with a per-store random
//    seed, so chosen keys cannot pile into one bucket.
//  - Bounded memory: a key whose state has fully recovered is dropped (a few at each new key, all of them on
//    purgeIdle()), and each shard holds at most maxKeys/64 keys: a new key beyond that evicts the least recently
//    used one. Evicting a key that had not recovered forgives it, so keep the bound well above the number of
//    keys active in one window; stats() counts those evictions so the monitor can report them.
// The clock's monotonic time drives every decision.
class MemoryRateLimitStore
{
public:
    static constexpr std::size_t SHARD_COUNT = 64;
    static constexpr std::size_t DEFAULT_MAX_KEYS = std::size_t(1) << 20;

    struct Stats
    {
        std::size_t keys = 0;
        qint64 evictedIdle = 0; // dropped after recovering: nothing lost
        qint64 evictedActive = 0; // dropped by the size bound before recovering: the key was forgiven
    };

    explicit MemoryRateLimitStore(const Clock &clock, std::size_t maxKeys = DEFAULT_MAX_KEYS);
    ~MemoryRateLimitStore();
    MemoryRateLimitStore(const MemoryRateLimitStore &) = delete;
    MemoryRateLimitStore &operator=(const MemoryRateLimitStore &) = delete;

    // Decides one request of `cost` units (at least 1) for `key` under `policy` and counts it if allowed.
    [[nodiscard]] Decision decide(const RateLimitPolicy &policy, QStringView key, qint64 cost = 1);
    // Forgets `key` under `policy` (an operator's reset); false if it was not known.
    bool forget(const RateLimitPolicy &policy, QStringView key);
    // Drops every key that has fully recovered; returns how many.
    std::size_t purgeIdle();

    [[nodiscard]] std::size_t size() const;
    [[nodiscard]] std::size_t maxKeys() const { return m_maxKeysPerShard * SHARD_COUNT; }
    [[nodiscard]] Stats stats() const;

private:
    struct Shard;

    [[nodiscard]] std::size_t hash(const RateLimitPolicy &policy, QStringView key) const;
    [[nodiscard]] Shard &shardFor(std::size_t hash) const;
    [[nodiscard]] qint64 nowNs() const;

    const Clock &m_clock;
    std::size_t m_maxKeysPerShard;
    std::size_t m_seed = 0;
    std::unique_ptr<Shard[]> m_shards;
};

} // namespace portcullis::ratelimit
