#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include <QByteArray>
#include <QString>
#include <QStringView>

#include "common/Result.h"
#include "ratelimit/Decision.h"
#include "ratelimit/RedisConnection.h"

namespace portcullis {
class Clock;
}

namespace portcullis::ratelimit {

class RateLimitPolicy;
class ReconnectBackoff;
class RedisEndpoint;

// One request in a batch.
struct RateLimitRequest
{
    const RateLimitPolicy *policy = nullptr;
    QStringView key;
    qint64 cost = 1;
};

// Rate-limit state in Redis, shared by every instance that uses the same server; the same decisions as
// MemoryRateLimitStore (Algorithms.cpp's arithmetic: the state change in small Lua scripts, the rest here; see
// RedisScript.h).
//  - Each call is one EVALSHA: atomic, timed by Redis TIME; one script per algorithm, and one for batches. The
//    scripts are loaded once per connection (SCRIPT LOAD) and again if Redis answers NOSCRIPT (after a SCRIPT FLUSH
//    or a failover).
//  - Keys: portcullis:rl:<policy>:<l|c|b>:<length>:<key>, or portcullis:rl:<policy>:<l|c|b>:#<SHA-256> for a key
//    longer than MAX_RAW_KEY_BYTES: the length prefix keeps user text from passing for another key. Every key
//    written carries a TTL ending when it has recovered, so Redis never holds a key that means nothing.
//  - Thread-safe: a pool of up to `maxConnections` connections, each used by one caller at a time; a caller waits
//    for a free one up to the command timeout. All connections share one reconnect backoff.
//  - Fails (a Result with RedisError) when Redis cannot decide; RateLimiter turns that into fail-closed or a fallback.
class RedisRateLimitStore
{
public:
    struct Options
    {
        RedisConnection::Options connection;
        std::chrono::milliseconds backoffInitial {100};
        std::chrono::milliseconds backoffMax {5000};
        int maxConnections = 4;
        // Tests only: decide at this clock's wall time instead of Redis TIME (instances would disagree).
        const Clock *timeSource = nullptr;
    };

    static constexpr std::size_t MAX_BATCH = 1000;
    static constexpr qsizetype MAX_RAW_KEY_BYTES = 256;

    // Parses the URL (see RedisEndpoint); connects on the first decision.
    [[nodiscard]] static Result<std::unique_ptr<RedisRateLimitStore>> create(QStringView url, const Clock &clock,
                                                                             Options options);
    ~RedisRateLimitStore();
    RedisRateLimitStore(const RedisRateLimitStore &) = delete;
    RedisRateLimitStore &operator=(const RedisRateLimitStore &) = delete;

    // Decides one request of `cost` units (at least 1) for `key` under `policy` and counts it if allowed.
    [[nodiscard]] Result<Decision> decide(const RateLimitPolicy &policy, QStringView key, qint64 cost = 1);
    // Up to MAX_BATCH requests in one EVALSHA: one round trip, decided in order at one instant, atomically.
    [[nodiscard]] Result<std::vector<Decision>> decideMany(std::span<const RateLimitRequest> requests);
    // Up to MAX_BATCH requests, one EVALSHA each, pipelined: one round trip.
    [[nodiscard]] Result<std::vector<Decision>> decidePipelined(std::span<const RateLimitRequest> requests);
    // Forgets `key` under `policy` (an operator's reset); false if Redis held nothing for it.
    [[nodiscard]] Result<bool> forget(const RateLimitPolicy &policy, QStringView key);
    // Connects if needed and checks that Redis answers.
    [[nodiscard]] Result<void> ping();

    // The server, without credentials ("redis://127.0.0.1:6379/0").
    [[nodiscard]] QString description() const;
    // The Redis key that holds `key`'s state under `policy`.
    [[nodiscard]] static QByteArray redisKey(const RateLimitPolicy &policy, QStringView key);

private:
    struct Pooled;
    class Lease;

    RedisRateLimitStore(std::shared_ptr<const RedisEndpoint> endpoint, const Clock &clock, Options options);
    [[nodiscard]] Result<Lease> acquire();
    void release(std::unique_ptr<Pooled> pooled);
    // Decides `requests` into `decisions` (as many).
    [[nodiscard]] Result<void> run(std::span<const RateLimitRequest> requests, bool pipelined,
                                   std::span<Decision> decisions);
    [[nodiscard]] Result<void> loadScripts(Pooled &pooled);

    std::shared_ptr<const RedisEndpoint> m_endpoint;
    Options m_options;
    std::shared_ptr<ReconnectBackoff> m_backoff;
    std::mutex m_poolMutex;
    std::condition_variable m_poolChanged;
    std::vector<std::unique_ptr<Pooled>> m_idle;
    int m_open = 0;
};

} // namespace portcullis::ratelimit
