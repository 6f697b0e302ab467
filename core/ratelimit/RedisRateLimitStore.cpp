#include "ratelimit/RedisRateLimitStore.h"

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

// The arguments of one script call for `requests`: EVALSHA sha numkeys keys… now tag fields…
struct ScriptCall
{
    std::vector<QByteArray> storage;
    std::vector<QByteArrayView> args;
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
    , m_clock(clock)
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
    const QByteArray utf8 = key.toUtf8();
    QByteArray name = "portcullis:rl:" % policy.name().toLatin1() % ':' % algorithmCode(policy.algorithm()) % ':';
    if (utf8.size() > MAX_RAW_KEY_BYTES)
        return name % '#' % crypto::base64url::encode(crypto::sha256(utf8));
    return name % QByteArray::number(utf8.size()) % ':' % utf8;
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

Result<void> RedisRateLimitStore::loadScript(Pooled &pooled)
{
    const QByteArrayView args[] {"SCRIPT", "LOAD", redisscript::source()};
    auto reply = pooled.connection->command(args);
    if (!reply)
        return reply.error();
    if (reply->isError())
        return scriptFailed(description(), *reply);
    if (reply->text != redisscript::sha1())
        return malformed(description());
    pooled.scriptLoadedFor = pooled.connection->connectCount();
    return {};
}

Result<Decision> RedisRateLimitStore::decide(const RateLimitPolicy &policy, QStringView key, qint64 cost)
{
    const RateLimitRequest request {&policy, key, cost};
    auto decisions = run({&request, 1}, false);
    if (!decisions)
        return decisions.error();
    return decisions->front();
}

Result<std::vector<Decision>> RedisRateLimitStore::decideMany(std::span<const RateLimitRequest> requests)
{
    return run(requests, false);
}

Result<std::vector<Decision>> RedisRateLimitStore::decidePipelined(std::span<const RateLimitRequest> requests)
{
    return run(requests, true);
}

Result<std::vector<Decision>> RedisRateLimitStore::run(std::span<const RateLimitRequest> requests, bool pipelined)
{
    if (requests.size() > MAX_BATCH)
        return Error(CommonError::InvalidArgument,
                     QStringLiteral("At most %1 rate-limit requests go to Redis at once.").arg(qulonglong(MAX_BATCH)));
    if (requests.empty())
        return std::vector<Decision>();
    auto lease = acquire();
    if (!lease)
        return lease.error();
    Pooled &pooled = **lease;
    RedisConnection &connection = *pooled.connection;
    if (auto connected = connection.ensureConnected(); !connected)
        return connected.error();
    if (pooled.scriptLoadedFor != connection.connectCount()) {
        if (auto loaded = loadScript(pooled); !loaded)
            return loaded.error();
    }

    const QByteArray now = m_options.timeSource
        ? QByteArray::number(
            std::chrono::duration_cast<std::chrono::microseconds>(m_options.timeSource->now().time_since_epoch())
                .count())
        : QByteArray();
    // One call per request when pipelined, else one call for all.
    const std::size_t perCall = pipelined ? 1 : requests.size();
    const std::size_t callCount = requests.size() / perCall;
    std::vector<ScriptCall> calls(callCount);
    for (std::size_t c = 0; c < callCount; ++c) {
        const auto batch = requests.subspan(c * perCall, perCall);
        ScriptCall &call = calls[c];
        call.storage.reserve(2 + batch.size() * (1 + redisscript::FIELDS_PER_REQUEST));
        call.storage.push_back(QByteArray::number(qulonglong(batch.size())));
        for (const RateLimitRequest &request : batch)
            call.storage.push_back(redisKey(*request.policy, request.key));
        call.storage.push_back(pooled.tag % ':' % QByteArray::number(++pooled.calls) % ':');
        for (const RateLimitRequest &request : batch) {
            const RateLimitPolicy &policy = *request.policy;
            const bool bucket = policy.algorithm() == Algorithm::TokenBucket;
            call.storage.push_back(QByteArray(1, algorithmCode(policy.algorithm())));
            call.storage.push_back(QByteArray::number(std::max<qint64>(1, request.cost)));
            call.storage.push_back(QByteArray::number(policy.limit()));
            call.storage.push_back(QByteArray::number(qint64(policy.window().count())));
            call.storage.push_back(bucket ? QByteArray::number(policy.burst()) : QByteArray("0"));
            call.storage.push_back(bucket ? QByteArray::number(policy.emissionIntervalNs()) : QByteArray("0"));
        }
        const std::size_t keys = batch.size();
        call.args.reserve(call.storage.size() + 3);
        call.args.emplace_back("EVALSHA");
        call.args.emplace_back(redisscript::sha1());
        call.args.emplace_back(call.storage[0]);
        for (std::size_t k = 0; k < keys; ++k)
            call.args.emplace_back(call.storage[1 + k]);
        call.args.emplace_back(now);
        for (std::size_t k = 1 + keys; k < call.storage.size(); ++k)
            call.args.emplace_back(call.storage[k]);
    }
    std::vector<RedisCommand> commands;
    commands.reserve(calls.size());
    for (const ScriptCall &call : calls)
        commands.emplace_back(call.args);

    auto replies = connection.pipeline(commands);
    if (!replies)
        return replies.error();
    // NOSCRIPT: the server lost its scripts (SCRIPT FLUSH, a restart behind a proxy). Load and send those again; the
    // other calls of the pipeline were decided already.
    bool reloaded = false;
    for (std::size_t c = 0; c < replies->size(); ++c) {
        RedisReply &reply = (*replies)[c];
        if (!reply.isError() || !reply.text.startsWith("NOSCRIPT"))
            continue;
        if (!reloaded) {
            if (auto loaded = loadScript(pooled); !loaded)
                return loaded.error();
            reloaded = true;
        }
        auto again = connection.command(commands[c]);
        if (!again)
            return again.error();
        reply = std::move(*again);
    }

    std::vector<Decision> decisions;
    decisions.reserve(requests.size());
    for (std::size_t c = 0; c < replies->size(); ++c) {
        const RedisReply &reply = (*replies)[c];
        if (reply.isError())
            return scriptFailed(description(), reply);
        const auto batch = requests.subspan(c * perCall, perCall);
        if (reply.type != RedisReply::Type::Array
            || reply.elements.size() != batch.size() * std::size_t(redisscript::REPLY_FIELDS))
            return malformed(description());
        for (std::size_t r = 0; r < batch.size(); ++r) {
            const RedisReply *fields = &reply.elements[r * redisscript::REPLY_FIELDS];
            for (int f = 0; f < redisscript::REPLY_FIELDS; ++f) {
                if (fields[f].type != RedisReply::Type::Integer)
                    return malformed(description());
            }
            Decision decision;
            decision.allowed = fields[0].integer == 1;
            decision.exceedsCapacity = fields[1].integer == 1;
            decision.limit = batch[r].policy->limit();
            decision.remaining = std::max<qint64>(0, fields[2].integer);
            decision.resetAfter = std::chrono::nanoseconds(std::max<qint64>(0, fields[3].integer));
            decision.retryAfter = std::chrono::nanoseconds(std::max<qint64>(0, fields[4].integer));
            decisions.push_back(decision);
        }
    }
    return decisions;
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
