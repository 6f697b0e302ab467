#include "ratelimit/RedisRateLimitStore.h"

#include <array>
#include <charconv>
#include <optional>

#include <QStringBuilder>

#include "common/Clock.h"
#include "common/Redaction.h"
#include "crypto/Base64Url.h"
#include "crypto/Digest.h"
#include "crypto/Random.h"
#include "ratelimit/RateLimitPolicy.h"
#include "ratelimit/ReconnectBackoff.h"
#include "ratelimit/RedisEndpoint.h"
#include "ratelimit/RedisError.h"
#include "ratelimit/RedisScript.h"

namespace portcullis::ratelimit {

namespace {

constexpr int TAG_BYTES = 9;

char algorithmCode(Algorithm algorithm)
{
    switch (algorithm) {
    case Algorithm::SlidingLog:
        return 'l';
    case Algorithm::SlidingCounter:
        return 'c';
    case Algorithm::TokenBucket:
        return 'b';
    }
    return 'l';
}

Error scriptFailed(const QString &where, const RedisReply &reply)
{
    return Error(RedisError::CommandFailed,
                 u"Redis at " % where % u" refused the rate-limit script ("
                     % redaction::escapeUntrusted(QString::fromUtf8(reply.text), 300)
                     % u"). Check that it is Redis 7 or later, not a read-only replica, and has memory left.");
}

Error malformed(const QString &where)
{
    return Error(RedisError::ProtocolError,
                 u"Redis at " % where % u" answered the rate-limit script with something other than its result.");
}

redisscript::Script scriptFor(Algorithm algorithm)
{
    switch (algorithm) {
    case Algorithm::SlidingLog:
        return redisscript::Script::Log;
    case Algorithm::SlidingCounter:
        return redisscript::Script::Counter;
    case Algorithm::TokenBucket:
        return redisscript::Script::Bucket;
    }
    return redisscript::Script::Log;
}

// The bucket's arguments: increment and tolerance in ns. A cost above the burst sends tolerance + 1, which can never
// pass (cost x interval might not even fit).
std::pair<qint64, qint64> bucketArguments(const RateLimitPolicy &policy, qint64 cost)
{
    const qint64 interval = policy.emissionIntervalNs();
    const qint64 tolerance = policy.burst() * interval;
    return {cost > policy.burst() ? tolerance + 1 : cost * interval, tolerance};
}

// What the scripts hand back, turned into Decisions with Algorithms.cpp's arithmetic (see RedisScript.h).
Decision refusedOrAllowed(const RateLimitPolicy &policy, bool allowed)
{
    Decision decision;
    decision.allowed = allowed;
    decision.limit = policy.limit();
    return decision;
}

std::chrono::nanoseconds nonNegative(qint64 ns)
{
    return std::chrono::nanoseconds(std::max<qint64>(0, ns));
}

// `offsetNs`: the TAT - now, after this request when allowed.
Decision bucketDecision(const RateLimitPolicy &policy, qint64 cost, bool allowed, qint64 offsetNs)
{
    const auto [increment, tolerance] = bucketArguments(policy, cost);
    const qint64 interval = policy.emissionIntervalNs();
    Decision decision = refusedOrAllowed(policy, allowed);
    decision.remaining = std::max<qint64>(0, (tolerance - offsetNs) / interval);
    decision.resetAfter = nonNegative(offsetNs);
    if (allowed)
        return decision;
    decision.exceedsCapacity = cost > policy.burst();
    decision.retryAfter
        = decision.exceedsCapacity ? nonNegative(policy.windowNs()) : nonNegative(offsetNs + increment - tolerance);
    return decision;
}

// The counts of the current window (after this request when allowed) and of the previous one; `elapsedUs` into
// the current window.
Decision counterDecision(const RateLimitPolicy &policy, qint64 cost, bool allowed, qint64 current, qint64 previous,
                         qint64 elapsedUs)
{
    constexpr qint64 NS_PER_MS = 1'000'000;
    const qint64 limit = policy.limit();
    const qint64 windowMs = policy.window().count();
    const qint64 windowUs = windowMs * 1000;
    const qint64 elapsedNs = elapsedUs * 1000;
    const qint64 previousScaled = previous * (windowMs - elapsedUs / 1000);
    Decision decision = refusedOrAllowed(policy, allowed);
    decision.remaining = std::max<qint64>(0, (limit * windowMs - previousScaled - current * windowMs) / windowMs);
    decision.resetAfter = current > 0 ? nonNegative((2 * windowUs - elapsedUs) * 1000)
        : previous > 0                ? nonNegative((windowUs - elapsedUs) * 1000)
                                      : std::chrono::nanoseconds(0);
    if (allowed)
        return decision;
    if (cost > limit) {
        decision.exceedsCapacity = true;
        decision.retryAfter = nonNegative(policy.windowNs());
    } else if (current + cost <= limit) {
        // Later in this window, once the previous window's weight has dropped enough.
        const qint64 atMs = windowMs - (limit - current - cost) * windowMs / std::max<qint64>(1, previous);
        decision.retryAfter = nonNegative(std::max(NS_PER_MS, atMs * NS_PER_MS - elapsedNs));
    } else {
        // In the next window, where this window's count is the weighted one.
        const qint64 atMs = windowMs - (limit - cost) * windowMs / std::max<qint64>(1, current);
        decision.retryAfter = nonNegative(policy.windowNs() - elapsedNs + atMs * NS_PER_MS);
    }
    return decision;
}

// The counter script's short answer when allowed: remaining x window_us + elapsed_us.
Decision packedCounterDecision(const RateLimitPolicy &policy, qint64 packed)
{
    const qint64 windowUs = policy.window().count() * 1000;
    const qint64 elapsedUs = packed % windowUs;
    Decision decision = refusedOrAllowed(policy, true);
    decision.remaining = packed / windowUs;
    decision.resetAfter = nonNegative((2 * windowUs - elapsedUs) * 1000);
    return decision;
}

// `count` before this request; when refused, the us until the newest entry and the one this request waits for
// leave the window.
Decision logDecision(const RateLimitPolicy &policy, qint64 cost, bool allowed, qint64 count, qint64 resetUs,
                     qint64 retryUs)
{
    Decision decision = refusedOrAllowed(policy, allowed);
    if (allowed) {
        decision.remaining = std::max<qint64>(0, policy.limit() - count - cost);
        decision.resetAfter = nonNegative(policy.windowNs());
        return decision;
    }
    decision.remaining = std::max<qint64>(0, policy.limit() - count);
    decision.resetAfter = nonNegative(resetUs * 1000);
    decision.exceedsCapacity = cost > policy.limit();
    decision.retryAfter = decision.exceedsCapacity ? nonNegative(policy.windowNs()) : nonNegative(retryUs * 1000);
    return decision;
}

// The integers of an array reply, or nothing if it is not `size` integers.
const RedisReply *integers(const RedisReply &reply, std::size_t size)
{
    if (reply.type != RedisReply::Type::Array || reply.elements.size() != size)
        return nullptr;
    for (const RedisReply &element : reply.elements) {
        if (element.type != RedisReply::Type::Integer)
            return nullptr;
    }
    return reply.elements.data();
}

// The reply of a one-request script.
std::optional<Decision> singleDecision(const RateLimitPolicy &policy, qint64 cost, const RedisReply &reply)
{
    const bool integer = reply.type == RedisReply::Type::Integer;
    switch (policy.algorithm()) {
    case Algorithm::TokenBucket:
        if (!integer || reply.integer == 0)
            return std::nullopt;
        return reply.integer > 0 ? bucketDecision(policy, cost, true, reply.integer)
                                 : bucketDecision(policy, cost, false, -1 - reply.integer);
    case Algorithm::SlidingCounter:
        if (integer)
            return reply.integer >= 0 ? std::optional(packedCounterDecision(policy, reply.integer)) : std::nullopt;
        if (const RedisReply *f = integers(reply, 4))
            return counterDecision(policy, cost, f[0].integer == 1, f[1].integer, f[2].integer, f[3].integer);
        return std::nullopt;
    case Algorithm::SlidingLog:
        if (integer)
            return logDecision(policy, cost, true, reply.integer, 0, 0);
        if (const RedisReply *f = integers(reply, 3))
            return logDecision(policy, cost, false, f[0].integer, f[1].integer, f[2].integer);
        return std::nullopt;
    }
    return std::nullopt;
}

// One request's REPLY_FIELDS in the batch script's reply.
Decision batchDecision(const RateLimitPolicy &policy, qint64 cost, const RedisReply *f)
{
    const bool allowed = f[0].integer == 1;
    switch (policy.algorithm()) {
    case Algorithm::TokenBucket:
        return bucketDecision(policy, cost, allowed, f[1].integer);
    case Algorithm::SlidingCounter:
        return counterDecision(policy, cost, allowed, f[1].integer, f[2].integer, f[3].integer);
    case Algorithm::SlidingLog:
        return logDecision(policy, cost, allowed, f[1].integer, f[2].integer, f[3].integer);
    }
    return {};
}

// Decimal text of numbers, kept in place so the arguments of a call need no allocation.
class Numbers
{
public:
    QByteArrayView add(qint64 value)
    {
        char *begin = m_text[m_used++].data();
        const auto end = std::to_chars(begin, begin + DIGITS, value).ptr;
        return {begin, end - begin};
    }

private:
    static constexpr std::size_t DIGITS = 20; // -9223372036854775808
    std::array<std::array<char, DIGITS>, 5> m_text {};
    std::size_t m_used = 0;
};

// The arguments of one one-request EVALSHA: EVALSHA sha 1 key now fields…
struct SingleCall
{
    QByteArray key;
    Numbers numbers;
    std::array<char, 48> prefix {}; // sliding log: tag:call:
    std::array<QByteArrayView, 9> args;
    std::size_t size = 0;

    [[nodiscard]] RedisCommand command() const { return {args.data(), size}; }
};

} // namespace

struct RedisRateLimitStore::Pooled
{
    std::unique_ptr<RedisConnection> connection;
    quint64 scriptLoadedFor = 0; // the connectCount() at which the script was last loaded
    QByteArray tag; // random, so sliding-log members from different connections never collide
    quint64 calls = 0;
};

class RedisRateLimitStore::Lease
{
public:
    Lease(RedisRateLimitStore *store, std::unique_ptr<Pooled> pooled)
        : m_store(store)
        , m_pooled(std::move(pooled))
    { }
    Lease(Lease &&other) noexcept = default;
    Lease &operator=(Lease &&) = delete;
    ~Lease()
    {
        if (m_pooled)
            m_store->release(std::move(m_pooled));
    }
    Pooled &operator*() const { return *m_pooled; }
    Pooled *operator->() const { return m_pooled.get(); }

private:
    RedisRateLimitStore *m_store;
    std::unique_ptr<Pooled> m_pooled;
};

Result<std::unique_ptr<RedisRateLimitStore>> RedisRateLimitStore::create(QStringView url, const Clock &clock,
                                                                         Options options)
{
    auto endpoint = RedisEndpoint::parse(url);
    if (!endpoint)
        return endpoint.error();
    options.maxConnections = std::clamp(options.maxConnections, 1, 256);
    return std::unique_ptr<RedisRateLimitStore>(
        new RedisRateLimitStore(std::make_shared<const RedisEndpoint>(std::move(*endpoint)), clock, options));
}

RedisRateLimitStore::RedisRateLimitStore(std::shared_ptr<const RedisEndpoint> endpoint, const Clock &clock,
                                         Options options)
    : m_endpoint(std::move(endpoint))
    , m_options(options)
    , m_backoff(std::make_shared<ReconnectBackoff>(clock, options.backoffInitial, options.backoffMax))
{ }

RedisRateLimitStore::~RedisRateLimitStore() = default;

QString RedisRateLimitStore::description() const
{
    return m_endpoint->description();
}

QByteArray RedisRateLimitStore::redisKey(const RateLimitPolicy &policy, QStringView key)
{
    // Built in place: one decision builds one key, so its allocations show in the decision's cost.
    const QByteArray utf8 = key.toUtf8();
    constexpr QByteArrayView PREFIX("portcullis:rl:");
    QByteArray name;
    name.reserve(PREFIX.size() + policy.name().size() + 4 + 20 + std::max<qsizetype>(44, utf8.size()));
    name.append(PREFIX);
    for (const QChar c : policy.name())
        name.append(c.toLatin1()); // policy names are ASCII (RateLimitPolicy checks)
    name.append(':').append(algorithmCode(policy.algorithm())).append(':');
    if (utf8.size() > MAX_RAW_KEY_BYTES)
        return name.append('#').append(crypto::base64url::encode(crypto::sha256(utf8)));
    std::array<char, 20> length {};
    const char *end = std::to_chars(length.begin(), length.end(), utf8.size()).ptr;
    return name.append(QByteArrayView(length.data(), end - length.data())).append(':').append(utf8);
}

Result<RedisRateLimitStore::Lease> RedisRateLimitStore::acquire()
{
    std::unique_lock lock(m_poolMutex);
    const auto deadline = std::chrono::steady_clock::now() + m_options.connection.commandTimeout;
    for (;;) {
        if (!m_idle.empty()) {
            auto pooled = std::move(m_idle.back());
            m_idle.pop_back();
            return Lease(this, std::move(pooled));
        }
        if (m_open < m_options.maxConnections) {
            ++m_open;
            lock.unlock();
            auto pooled = std::make_unique<Pooled>();
            pooled->connection = std::make_unique<RedisConnection>(m_endpoint, m_options.connection, m_backoff);
            auto tag = crypto::random::token(TAG_BYTES);
            pooled->tag = tag ? *tag : QByteArray::number(quintptr(pooled.get()), 36);
            return Lease(this, std::move(pooled));
        }
        if (m_poolChanged.wait_until(lock, deadline) == std::cv_status::timeout && m_idle.empty())
            return Error(RedisError::Timeout,
                         QStringLiteral("All %1 connections to Redis at %2 stayed busy for %3 ms; raise the pool size "
                                        "or look for slow commands.")
                             .arg(m_options.maxConnections)
                             .arg(description())
                             .arg(m_options.connection.commandTimeout.count()));
    }
}

void RedisRateLimitStore::release(std::unique_ptr<Pooled> pooled)
{
    {
        const std::lock_guard lock(m_poolMutex);
        // A connection that failed says the others probably broke too: drop them rather than fail on each in turn.
        if (!pooled->connection->isConnected()) {
            for (auto &idle : m_idle)
                idle->connection->disconnect();
        }
        m_idle.push_back(std::move(pooled));
    }
    m_poolChanged.notify_one();
}

Result<void> RedisRateLimitStore::loadScripts(Pooled &pooled)
{
    using redisscript::Script;
    constexpr Script scripts[] {Script::Bucket, Script::Counter, Script::Log, Script::Batch};
    static_assert(std::size(scripts) == redisscript::SCRIPT_COUNT);
    std::array<std::array<QByteArrayView, 3>, redisscript::SCRIPT_COUNT> args;
    std::array<RedisCommand, redisscript::SCRIPT_COUNT> commands;
    for (std::size_t i = 0; i < args.size(); ++i) {
        args[i] = {"SCRIPT", "LOAD", redisscript::source(scripts[i])};
        commands[i] = args[i];
    }
    auto replies = pooled.connection->pipeline(commands);
    if (!replies)
        return replies.error();
    for (std::size_t i = 0; i < replies->size(); ++i) {
        const RedisReply &reply = (*replies)[i];
        if (reply.isError())
            return scriptFailed(description(), reply);
        if (reply.text != redisscript::sha1(scripts[i]))
            return malformed(description());
    }
    pooled.scriptLoadedFor = pooled.connection->connectCount();
    return {};
}

Result<Decision> RedisRateLimitStore::decide(const RateLimitPolicy &policy, QStringView key, qint64 cost)
{
    const RateLimitRequest request {&policy, key, cost};
    Decision decision;
    if (auto decided = run({&request, 1}, false, {&decision, 1}); !decided)
        return decided.error();
    return decision;
}

Result<std::vector<Decision>> RedisRateLimitStore::decideMany(std::span<const RateLimitRequest> requests)
{
    std::vector<Decision> decisions(std::min(requests.size(), MAX_BATCH));
    if (auto decided = run(requests, false, decisions); !decided)
        return decided.error();
    return decisions;
}

Result<std::vector<Decision>> RedisRateLimitStore::decidePipelined(std::span<const RateLimitRequest> requests)
{
    std::vector<Decision> decisions(std::min(requests.size(), MAX_BATCH));
    if (auto decided = run(requests, true, decisions); !decided)
        return decided.error();
    return decisions;
}

Result<void> RedisRateLimitStore::run(std::span<const RateLimitRequest> requests, bool pipelined,
                                      std::span<Decision> decisions)
{
    if (requests.size() > MAX_BATCH)
        return Error(CommonError::InvalidArgument,
                     QStringLiteral("At most %1 rate-limit requests go to Redis at once.").arg(qulonglong(MAX_BATCH)));
    if (requests.empty())
        return {};
    auto lease = acquire();
    if (!lease)
        return lease.error();
    Pooled &pooled = **lease;
    RedisConnection &connection = *pooled.connection;
    if (auto connected = connection.ensureConnected(); !connected)
        return connected.error();
    if (pooled.scriptLoadedFor != connection.connectCount()) {
        if (auto loaded = loadScripts(pooled); !loaded)
            return loaded.error();
    }

    std::array<char, 20> nowText {};
    QByteArrayView now("");
    if (m_options.timeSource) {
        const auto us
            = std::chrono::duration_cast<std::chrono::microseconds>(m_options.timeSource->now().time_since_epoch())
                  .count();
        now = QByteArrayView(nowText.data(), std::to_chars(nowText.begin(), nowText.end(), us).ptr - nowText.data());
    }

    // One call per request when pipelined (or alone), each to its algorithm's script; else one batch call.
    const bool single = pipelined || requests.size() == 1;
    std::vector<SingleCall> singles(single ? requests.size() : 0);
    std::vector<QByteArray> batchStorage;
    std::vector<QByteArrayView> batchArgs;
    std::vector<RedisCommand> commands;
    commands.reserve(single ? requests.size() : 1);
    if (single) {
        for (std::size_t r = 0; r < requests.size(); ++r) {
            const RateLimitRequest &request = requests[r];
            const RateLimitPolicy &policy = *request.policy;
            const qint64 cost = std::max<qint64>(1, request.cost);
            SingleCall &call = singles[r];
            call.key = redisKey(policy, request.key);
            auto &args = call.args;
            std::size_t &n = call.size;
            args[n++] = "EVALSHA";
            args[n++] = redisscript::sha1(scriptFor(policy.algorithm()));
            args[n++] = "1";
            args[n++] = call.key;
            args[n++] = now;
            if (policy.algorithm() == Algorithm::TokenBucket) {
                const auto [increment, tolerance] = bucketArguments(policy, cost);
                args[n++] = call.numbers.add(increment);
                args[n++] = call.numbers.add(tolerance);
            } else {
                args[n++] = call.numbers.add(cost);
                args[n++] = call.numbers.add(policy.limit());
                args[n++] = call.numbers.add(qint64(policy.window().count()));
            }
            if (policy.algorithm() == Algorithm::SlidingLog) {
                // tag:call: — unique per call, so members from different calls and instances never collide.
                char *out = std::copy(pooled.tag.begin(), pooled.tag.end(), call.prefix.begin());
                *out++ = ':';
                out = std::to_chars(out, call.prefix.end() - 1, ++pooled.calls).ptr;
                *out++ = ':';
                args[n++] = QByteArrayView(call.prefix.data(), out - call.prefix.data());
            }
            commands.push_back(call.command());
        }
    } else {
        batchStorage.reserve(2 + requests.size() * (1 + redisscript::FIELDS_PER_REQUEST));
        batchStorage.push_back(QByteArray::number(qulonglong(requests.size())));
        for (const RateLimitRequest &request : requests)
            batchStorage.push_back(redisKey(*request.policy, request.key));
        batchStorage.push_back(pooled.tag % ':' % QByteArray::number(++pooled.calls) % ':');
        for (const RateLimitRequest &request : requests) {
            const RateLimitPolicy &policy = *request.policy;
            const qint64 cost = std::max<qint64>(1, request.cost);
            batchStorage.push_back(QByteArray(1, algorithmCode(policy.algorithm())));
            if (policy.algorithm() == Algorithm::TokenBucket) {
                const auto [increment, tolerance] = bucketArguments(policy, cost);
                batchStorage.push_back(QByteArray::number(increment));
                batchStorage.push_back(QByteArray::number(tolerance));
                batchStorage.push_back(QByteArray("0"));
            } else {
                batchStorage.push_back(QByteArray::number(cost));
                batchStorage.push_back(QByteArray::number(policy.limit()));
                batchStorage.push_back(QByteArray::number(qint64(policy.window().count())));
            }
        }
        const std::size_t keys = requests.size();
        batchArgs.reserve(batchStorage.size() + 3);
        batchArgs.emplace_back("EVALSHA");
        batchArgs.emplace_back(redisscript::sha1(redisscript::Script::Batch));
        batchArgs.emplace_back(batchStorage[0]);
        for (std::size_t k = 0; k < keys; ++k)
            batchArgs.emplace_back(batchStorage[1 + k]);
        batchArgs.emplace_back(now);
        for (std::size_t k = 1 + keys; k < batchStorage.size(); ++k)
            batchArgs.emplace_back(batchStorage[k]);
        commands.emplace_back(batchArgs);
    }

    auto replies = connection.pipeline(commands);
    if (!replies)
        return replies.error();
    // NOSCRIPT: the server lost its scripts (SCRIPT FLUSH, a restart behind a proxy). Load them and send those calls
    // again; the other calls of the pipeline were decided already.
    bool reloaded = false;
    for (std::size_t c = 0; c < replies->size(); ++c) {
        RedisReply &reply = (*replies)[c];
        if (!reply.isError() || !reply.text.startsWith("NOSCRIPT"))
            continue;
        if (!reloaded) {
            if (auto loaded = loadScripts(pooled); !loaded)
                return loaded.error();
            reloaded = true;
        }
        auto again = connection.command(commands[c]);
        if (!again)
            return again.error();
        reply = std::move(*again);
    }

    for (const RedisReply &reply : *replies) {
        if (reply.isError())
            return scriptFailed(description(), reply);
    }
    if (single) {
        for (std::size_t r = 0; r < requests.size(); ++r) {
            const RateLimitPolicy &policy = *requests[r].policy;
            auto decision = singleDecision(policy, std::max<qint64>(1, requests[r].cost), (*replies)[r]);
            if (!decision)
                return malformed(description());
            decisions[r] = *decision;
        }
        return {};
    }
    const RedisReply *fields = integers(replies->front(), requests.size() * std::size_t(redisscript::REPLY_FIELDS));
    if (!fields)
        return malformed(description());
    for (std::size_t r = 0; r < requests.size(); ++r) {
        const RateLimitPolicy &policy = *requests[r].policy;
        decisions[r] = batchDecision(policy, std::max<qint64>(1, requests[r].cost),
                                     fields + r * std::size_t(redisscript::REPLY_FIELDS));
    }
    return {};
}

Result<bool> RedisRateLimitStore::forget(const RateLimitPolicy &policy, QStringView key)
{
    auto lease = acquire();
    if (!lease)
        return lease.error();
    const QByteArray name = redisKey(policy, key);
    const QByteArrayView args[] {"DEL", name};
    auto reply = (*lease)->connection->command(args);
    if (!reply)
        return reply.error();
    if (reply->type != RedisReply::Type::Integer)
        return malformed(description());
    return reply->integer > 0;
}

Result<void> RedisRateLimitStore::ping()
{
    auto lease = acquire();
    if (!lease)
        return lease.error();
    const QByteArrayView args[] {"PING"};
    auto reply = (*lease)->connection->command(args);
    if (!reply)
        return reply.error();
    if (reply->isError())
        return Error(RedisError::CommandFailed,
                     u"Redis at " % description() % u" refused PING ("
                         % redaction::escapeUntrusted(QString::fromUtf8(reply->text), 200) % u").");
    return {};
}

} // namespace portcullis::ratelimit
