// Redis rate-limit decisions against their floor, measured in the same run on one connection: EVALSHA of an empty
// script (`return 0`) through bare hiredis, the cheapest thing a Lua-based limiter can send. Portcullis runs
// RedisRateLimitStore: key naming, the pool, one Lua decision (Redis TIME, the state read and written with its
// TTL) and the reply checked and turned into a Decision.
//   sequential   one decision per round trip                    vs one EVALSHA per round trip
//   pipelined    DEPTH decisions, one EVALSHA each, per trip    vs DEPTH EVALSHAs per round trip
//   batched      DEPTH decisions in one EVALSHA (decideMany)    vs DEPTH EVALSHAs per round trip
// Rates are decisions (or EVALSHAs) per second. With its own server, the bench also prints the time inside Redis
// per decision and per empty EVALSHA (INFO commandstats), which bounds the pipelined and batched ratios. A Redis
// server is started on a free loopback port unless --url names one (its data is not touched beyond
// portcullis:rl:bench* keys, which expire).
//   BenchRedisRateLimit            about 1 s per side and case
//   BenchRedisRateLimit --quick    a short run (the suite uses it to keep the bench working)
//   BenchRedisRateLimit --url redis://127.0.0.1:6379
//   BenchRedisRateLimit --mode sequential|pipelined|batched    one mode only

#include <cstdio>
#include <memory>
#include <vector>

#include <hiredis/hiredis.h>

#include <QCoreApplication>
#include <QString>
#include <QStringList>

#include "BenchSupport.h"
#include "RedisServer.h"
#include "common/Clock.h"
#include "ratelimit/RateLimitPolicy.h"
#include "ratelimit/RedisEndpoint.h"
#include "ratelimit/RedisRateLimitStore.h"

using namespace portcullis;
using namespace portcullis::ratelimit;

namespace {

constexpr int DEPTH = 16;
constexpr int KEYS = 1024;

[[noreturn]] void fail(const QString &what)
{
    std::fprintf(stderr, "BenchRedisRateLimit: %s\n", qPrintable(what));
    std::exit(1);
}

// The baseline: bare hiredis on its own connection.
class EmptyScript
{
public:
    explicit EmptyScript(const RedisEndpoint &endpoint)
    {
        if (endpoint.transport() != RedisEndpoint::Transport::Tcp || !endpoint.password().isEmpty())
            fail(QStringLiteral("the baseline needs a TCP URL without a password"));
        m_context = redisConnect(endpoint.host().toUtf8().constData(), endpoint.port());
        if (!m_context || m_context->err)
            fail(QStringLiteral("the baseline cannot connect"));
        auto *loaded = static_cast<redisReply *>(redisCommand(m_context, "SCRIPT LOAD %s", "return 0"));
        if (!loaded || loaded->type != REDIS_REPLY_STRING)
            fail(QStringLiteral("the baseline cannot load its script"));
        m_sha = QByteArray(loaded->str, qsizetype(loaded->len));
        freeReplyObject(loaded);
        m_argv = {"EVALSHA", m_sha.constData(), "0"};
        m_lengths = {7, std::size_t(m_sha.size()), 1};
    }
    ~EmptyScript() { redisFree(m_context); }
    EmptyScript(const EmptyScript &) = delete;
    EmptyScript &operator=(const EmptyScript &) = delete;

    // Time inside Redis per EVALSHA since the last reset (INFO commandstats), in microseconds; 0 if unknown.
    void resetStats() { freeReplyObject(redisCommand(m_context, "CONFIG RESETSTAT")); }
    double evalshaMicros()
    {
        auto *info = static_cast<redisReply *>(redisCommand(m_context, "INFO commandstats"));
        double micros = 0;
        if (info && info->type == REDIS_REPLY_STRING) {
            const QByteArray text(info->str, qsizetype(info->len));
            const qsizetype line = text.indexOf("cmdstat_evalsha:");
            const qsizetype at = line < 0 ? -1 : text.indexOf("usec_per_call=", line);
            if (at >= 0)
                micros = text.mid(at + 14, text.indexOf(',', at) - at - 14).toDouble();
        }
        freeReplyObject(info);
        return micros;
    }

    bool call(int depth)
    {
        for (int i = 0; i < depth; ++i)
            redisAppendCommandArgv(m_context, 3, m_argv.data(), m_lengths.data());
        for (int i = 0; i < depth; ++i) {
            void *reply = nullptr;
            if (redisGetReply(m_context, &reply) != REDIS_OK || !reply)
                return false;
            const bool ok = static_cast<redisReply *>(reply)->type == REDIS_REPLY_INTEGER;
            freeReplyObject(reply);
            if (!ok)
                return false;
        }
        return true;
    }

private:
    redisContext *m_context = nullptr;
    QByteArray m_sha;
    std::vector<const char *> m_argv;
    std::vector<std::size_t> m_lengths;
};

RateLimitPolicy benchPolicy(Algorithm algorithm)
{
    // Every decision is counted (the refusal path is cheaper): far more room than the run can use.
    const bool log = algorithm == Algorithm::SlidingLog;
    auto policy = RateLimitPolicy::create(
        {QStringLiteral("bench"),
         log ? RateLimitPolicy::MAX_LOG_LIMIT : 1'000'000'000,
         log ? std::chrono::milliseconds(std::chrono::minutes(1)) : std::chrono::milliseconds(std::chrono::hours(1)),
         algorithm,
         0,
         {KeyPart::SourceAddress}});
    if (!policy)
        fail(policy.error().toString());
    return *policy;
}

enum class Mode
{
    Sequential,
    Pipelined,
    Batched,
};

void run(const char *name, Algorithm algorithm, Mode mode, RedisRateLimitStore &store, EmptyScript &baseline,
         const std::vector<QString> &keys, double secondsPerSide, bool ownServer)
{
    const RateLimitPolicy policy = benchPolicy(algorithm);
    const int depth = mode == Mode::Sequential ? 1 : DEPTH;
    std::vector<RateLimitRequest> requests(std::size_t(depth), {&policy, {}, 1});
    std::size_t next = 0;
    const auto ours = [&] {
        for (auto &request : requests)
            request.key = keys[next++ % keys.size()];
        if (mode == Mode::Sequential)
            return store.decide(policy, requests[0].key).has_value();
        const auto decided = mode == Mode::Pipelined ? store.decidePipelined(requests) : store.decideMany(requests);
        return decided.has_value() && decided->size() == requests.size();
    };
    if (!ours())
        fail(QStringLiteral("a decision failed"));
    auto rates = bench::measure(secondsPerSide, ours, [&] { return baseline.call(depth); });
    rates.first *= depth;
    rates.second *= depth;
    bench::report(name, rates, 0.80);
    if (!ownServer || mode == Mode::Sequential)
        return;
    // Where the time goes: Redis runs one command at a time, so with pipelining its time per EVALSHA bounds the
    // ratio. Measured apart (INFO commandstats does not tell scripts apart), on a server only this bench uses.
    const auto inside = [&](const std::function<bool()> &operation) {
        baseline.resetStats();
        (void)bench::rate(operation, secondsPerSide / bench::ROUNDS);
        return baseline.evalshaMicros();
    };
    const double decision = inside(ours) / (mode == Mode::Batched ? depth : 1);
    const double empty = inside([&] { return baseline.call(depth); });
    std::printf("%-16s inside Redis: %.2f us per decision, %.2f us per empty EVALSHA\n", name, decision, empty);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList arguments = QCoreApplication::arguments();
    const bool quick = arguments.contains(QStringLiteral("--quick"));
    const qsizetype urlAt = arguments.indexOf(QStringLiteral("--url"));
    const double secondsPerSide = quick ? 0.05 : 1.0;

    std::unique_ptr<test::RedisServer> server;
    QString url = urlAt > 0 ? arguments.value(urlAt + 1) : QString();
    if (url.isEmpty()) {
        auto started = test::RedisServer::start();
        if (!started)
            fail(started.error().toString());
        server = std::move(*started);
        url = server->url();
    }
    auto endpoint = RedisEndpoint::parse(url);
    if (!endpoint)
        fail(endpoint.error().toString());
    EmptyScript baseline(*endpoint);
    const SystemClock clock;
    RedisRateLimitStore::Options options;
    options.maxConnections = 1;
    auto store = RedisRateLimitStore::create(url, clock, options);
    if (!store)
        fail(store.error().toString());

    std::vector<QString> keys;
    keys.reserve(KEYS);
    for (int i = 0; i < KEYS; ++i)
        keys.push_back(QStringLiteral("10.0.%1.%2").arg(i >> 8).arg(i & 255));

    std::printf("Redis rate-limit benchmark (%s; one connection; %d keys; depth %d; %.2f s per side, best of %d "
                "rounds)\n",
                qPrintable(endpoint->description()), KEYS, DEPTH, secondsPerSide, bench::ROUNDS);
    const struct
    {
        const char *name;
        Algorithm algorithm;
    } algorithms[] {
        {"bucket", Algorithm::TokenBucket}, {"counter", Algorithm::SlidingCounter}, {"log", Algorithm::SlidingLog}};
    const struct
    {
        const char *name;
        Mode mode;
    } modes[] {{"sequential", Mode::Sequential}, {"pipelined", Mode::Pipelined}, {"batched", Mode::Batched}};
    const qsizetype onlyAt = arguments.indexOf(QStringLiteral("--mode"));
    const QString only = onlyAt > 0 ? arguments.value(onlyAt + 1) : QString();
    for (const auto &mode : modes) {
        if (!only.isEmpty() && only != QLatin1String(mode.name))
            continue;
        for (const auto &algorithm : algorithms) {
            const QByteArray name = QByteArray(algorithm.name) + ' ' + mode.name;
            run(name.constData(), algorithm.algorithm, mode.mode, **store, baseline, keys, secondsPerSide,
                server != nullptr);
        }
    }
    return 0;
}
