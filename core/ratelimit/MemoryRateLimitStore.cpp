#include "ratelimit/MemoryRateLimitStore.h"

#include <cstring>
#include <mutex>
#include <unordered_map>

#include <QHash>
#include <QString>

#include "common/Clock.h"
#include "crypto/Random.h"
#include "ratelimit/Algorithms.h"
#include "ratelimit/KeyState.h"
#include "ratelimit/RateLimitPolicy.h"

namespace portcullis::ratelimit {

namespace {

// Recovered keys dropped from the least recently used end each time a new key comes in.
constexpr int IDLE_DROPS_PER_INSERT = 2;

struct StoredKey
{
    QString policy;
    QString key;
    std::size_t hash;
};

struct KeyView
{
    QStringView policy;
    QStringView key;
    std::size_t hash;
};

struct KeyHash
{
    using is_transparent = void;
    std::size_t operator()(const StoredKey &k) const { return k.hash; }
    std::size_t operator()(const KeyView &k) const { return k.hash; }
};

struct KeyEqual
{
    using is_transparent = void;
    template<typename A, typename B>
    bool operator()(const A &a, const B &b) const
    {
        return a.hash == b.hash && QStringView(a.key) == QStringView(b.key)
            && QStringView(a.policy) == QStringView(b.policy);
    }
};

// A key's state and its place in the shard's recency list (most recent at the head).
struct Slot
{
    KeyState state;
    const StoredKey *key = nullptr;
    Slot *newer = nullptr;
    Slot *older = nullptr;
};

} // namespace

struct alignas(64) MemoryRateLimitStore::Shard
{
    std::mutex mutex;
    std::unordered_map<StoredKey, Slot, KeyHash, KeyEqual> entries;
    Slot *newest = nullptr;
    Slot *oldest = nullptr;
    qint64 evictedIdle = 0;
    qint64 evictedActive = 0;

    void unlink(Slot *slot)
    {
        (slot->newer ? slot->newer->older : newest) = slot->older;
        (slot->older ? slot->older->newer : oldest) = slot->newer;
        slot->newer = slot->older = nullptr;
    }
    void pushNewest(Slot *slot)
    {
        slot->older = newest;
        slot->newer = nullptr;
        (newest ? newest->newer : oldest) = slot;
        newest = slot;
    }
    void touch(Slot *slot)
    {
        if (slot != newest) {
            unlink(slot);
            pushNewest(slot);
        }
    }
    void erase(Slot *slot)
    {
        unlink(slot);
        const StoredKey &key = *slot->key;
        entries.erase(entries.find(KeyView {key.policy, key.key, key.hash}));
    }
    // Makes room for one new key: recovered keys first, then the least recently used one if still full.
    void makeRoom(std::size_t maxKeys, qint64 nowNs)
    {
        for (int i = 0; i < IDLE_DROPS_PER_INSERT && oldest && isRecovered(oldest->state, nowNs); ++i) {
            erase(oldest);
            ++evictedIdle;
        }
        while (entries.size() >= maxKeys && oldest) {
            (isRecovered(oldest->state, nowNs) ? evictedIdle : evictedActive) += 1;
            erase(oldest);
        }
    }
};

MemoryRateLimitStore::MemoryRateLimitStore(const Clock &clock, std::size_t maxKeys)
    : m_clock(clock)
    , m_maxKeysPerShard(std::max<std::size_t>(1, maxKeys / SHARD_COUNT))
    , m_shards(std::make_unique<Shard[]>(SHARD_COUNT))
{
    unsigned char seed[sizeof m_seed];
    if (crypto::random::fill(seed))
        std::memcpy(&m_seed, seed, sizeof m_seed);
    else
        m_seed = QHashSeed::globalSeed();
}

MemoryRateLimitStore::~MemoryRateLimitStore() = default;

std::size_t MemoryRateLimitStore::hash(const RateLimitPolicy &policy, QStringView key) const
{
    return qHash(key, qHash(QStringView(policy.name()), m_seed));
}

MemoryRateLimitStore::Shard &MemoryRateLimitStore::shardFor(std::size_t hash) const
{
    // The top bits pick the shard; the map's buckets use the low ones.
    static_assert(SHARD_COUNT == 64, "the shard index takes the hash's top 6 bits");
    return m_shards[hash >> (sizeof(std::size_t) * 8 - 6)];
}

qint64 MemoryRateLimitStore::nowNs() const
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(m_clock.steadyNow().time_since_epoch()).count();
}

Decision MemoryRateLimitStore::decide(const RateLimitPolicy &policy, QStringView key, qint64 cost)
{
    const std::size_t h = hash(policy, key);
    Shard &shard = shardFor(h);
    const qint64 now = nowNs();
    const std::lock_guard lock(shard.mutex);
    auto found = shard.entries.find(KeyView {policy.name(), key, h});
    if (found == shard.entries.end()) {
        shard.makeRoom(m_maxKeysPerShard, now);
        found = shard.entries.try_emplace(StoredKey {policy.name(), key.toString(), h}).first;
        found->second.key = &found->first;
        shard.pushNewest(&found->second);
    } else {
        shard.touch(&found->second);
    }
    return ratelimit::decide(policy, found->second.state, now, cost);
}

bool MemoryRateLimitStore::forget(const RateLimitPolicy &policy, QStringView key)
{
    const std::size_t h = hash(policy, key);
    Shard &shard = shardFor(h);
    const std::lock_guard lock(shard.mutex);
    const auto found = shard.entries.find(KeyView {policy.name(), key, h});
    if (found == shard.entries.end())
        return false;
    shard.erase(&found->second);
    return true;
}

std::size_t MemoryRateLimitStore::purgeIdle()
{
    const qint64 now = nowNs();
    std::size_t dropped = 0;
    for (std::size_t i = 0; i < SHARD_COUNT; ++i) {
        Shard &shard = m_shards[i];
        const std::lock_guard lock(shard.mutex);
        for (Slot *slot = shard.oldest; slot;) {
            Slot *newer = slot->newer;
            if (isRecovered(slot->state, now)) {
                shard.erase(slot);
                ++shard.evictedIdle;
                ++dropped;
            }
            slot = newer;
        }
    }
    return dropped;
}

std::size_t MemoryRateLimitStore::size() const
{
    return stats().keys;
}

MemoryRateLimitStore::Stats MemoryRateLimitStore::stats() const
{
    Stats stats;
    for (std::size_t i = 0; i < SHARD_COUNT; ++i) {
        Shard &shard = m_shards[i];
        const std::lock_guard lock(shard.mutex);
        stats.keys += shard.entries.size();
        stats.evictedIdle += shard.evictedIdle;
        stats.evictedActive += shard.evictedActive;
    }
    return stats;
}

} // namespace portcullis::ratelimit
