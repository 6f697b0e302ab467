// The Redis event stream bridge against bare hiredis on the same server, measured in the same run.
//   publish   EventStreamPublisher::publish of BATCH events (normalize, encode the JSON, one pipeline of XADD ~ MAXLEN)
//             vs BATCH pipelined XADDs of the same JSON, encoded beforehand, through bare hiredis
//   read      an EventStreamReader from "0" over a stream of READ_ENTRIES events (XREAD COUNT 1000, each entry
//             parsed and checked by fromJson, batches handed over) vs XREAD COUNT 1000 through bare hiredis, the
//             replies freed unread
// Rates are events per second. The baselines do none of the work on events (normalizing, JSON, fromJson's time
// parsing), which is most of the cost: the targets say what the bridge must keep, not parity. A Redis server is started
// on a free loopback port unless --url names one (the benchmark writes the keys portcullis:bench:*, and deletes them).
//   BenchEventStream            about 1 s per side for publish
//   BenchEventStream --quick    a short run (the suite uses it to keep the bench working)
//   BenchEventStream --url redis://127.0.0.1:6379

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include <hiredis/hiredis.h>

#include <QCoreApplication>
#include <QString>
#include <QStringList>

#include "BenchSupport.h"
#include "RedisServer.h"
#include "common/Clock.h"
#include "monitor/EventStream.h"
#include "monitor/EventStreamPublisher.h"
#include "monitor/EventStreamReader.h"
#include "ratelimit/RedisEndpoint.h"

using namespace portcullis;
using namespace portcullis::monitor;

namespace {

constexpr int BATCH = 100;
constexpr QByteArrayView PUBLISH_KEY = "portcullis:bench:publish";
constexpr QByteArrayView BASELINE_KEY = "portcullis:bench:baseline";
constexpr QByteArrayView READ_KEY = "portcullis:bench:read";

[[noreturn]] void fail(const QString &what)
{
    std::fprintf(stderr, "BenchEventStream: %s\n", qPrintable(what));
    std::exit(1);
}

SecurityEvent benchEvent(int n)
{
    SecurityEvent event;
    event.timeMs = 1767225600000 + n;
    event.type = EventType::FailedAuth;
    event.severity = Severity::Notice;
    event.sourceAddress = QStringLiteral("10.0.%1.%2").arg((n >> 8) & 255).arg(n & 255);
    event.keyId = QStringLiteral("pk_8f3a2c");
    event.reason = QStringLiteral("unknown_key");
    event.route = QStringLiteral("GET /v1/items");
    event.detail = QStringLiteral("The API key is not known.");
    event.instanceId = QStringLiteral("edge-1");
    return event;
}

// Bare hiredis on its own connection.
class Bare
{
public:
    explicit Bare(const ratelimit::RedisEndpoint &endpoint)
    {
        if (endpoint.transport() != ratelimit::RedisEndpoint::Transport::Tcp || !endpoint.password().isEmpty())
            fail(QStringLiteral("the baseline needs a TCP URL without a password"));
        m_context = redisConnect(endpoint.host().toUtf8().constData(), endpoint.port());
        if (!m_context || m_context->err)
            fail(QStringLiteral("the baseline cannot connect"));
    }
    ~Bare() { redisFree(m_context); }
    Bare(const Bare &) = delete;
    Bare &operator=(const Bare &) = delete;

    void append(const std::vector<QByteArrayView> &args)
    {
        std::vector<const char *> argv;
        std::vector<std::size_t> lengths;
        for (const QByteArrayView arg : args) {
            argv.push_back(arg.data());
            lengths.push_back(std::size_t(arg.size()));
        }
        redisAppendCommandArgv(m_context, int(argv.size()), argv.data(), lengths.data());
    }

    // Reads one reply; false on a failure or an error reply. `entries` gets the entry count of an XREAD reply.
    bool reply(qsizetype *entries = nullptr, QByteArray *lastId = nullptr)
    {
        void *raw = nullptr;
        if (redisGetReply(m_context, &raw) != REDIS_OK || !raw)
            return false;
        const auto *reply = static_cast<redisReply *>(raw);
        const bool ok = reply->type != REDIS_REPLY_ERROR;
        if (ok && entries && reply->type == REDIS_REPLY_ARRAY && reply->elements == 1) {
            const redisReply *list = reply->element[0]->element[1];
            *entries = qsizetype(list->elements);
            if (list->elements > 0) {
                const redisReply *last = list->element[list->elements - 1]->element[0];
                *lastId = QByteArray(last->str, qsizetype(last->len));
            }
        }
        freeReplyObject(raw);
        return ok;
    }

private:
    redisContext *m_context = nullptr;
};

void benchPublish(const QString &url, Bare &bare, const Clock &clock, double secondsPerSide)
{
    EventStreamPublisher::Options options;
    options.key = QString::fromLatin1(PUBLISH_KEY);
    auto publisher = EventStreamPublisher::create(url, clock, options);
    if (!publisher)
        fail(publisher.error().toString());
    QList<SecurityEvent> events;
    std::vector<QByteArray> encoded;
    for (int i = 0; i < BATCH; ++i) {
        events.append(benchEvent(i));
        encoded.push_back(eventstream::encodeEvent(events.back()));
    }
    const QByteArray maxLength = QByteArray::number(options.maxLength);
    const auto ours = [&] {
        const qint64 before = (*publisher)->stats().published;
        (*publisher)->publish(events);
        return (*publisher)->stats().published == before + BATCH;
    };
    const auto baseline = [&] {
        for (const QByteArray &value : encoded)
            bare.append({"XADD", BASELINE_KEY, "MAXLEN", "~", maxLength, "*", "e", value});
        for (int i = 0; i < BATCH; ++i)
            if (!bare.reply())
                return false;
        return true;
    };
    auto rates = bench::measure(secondsPerSide, ours, baseline);
    rates.first *= BATCH;
    rates.second *= BATCH;
    bench::report("publish", rates, 0.15);
}

void benchRead(const QString &url, Bare &bare, const Clock &clock, int entries)
{
    // Fill the stream.
    QList<SecurityEvent> events;
    for (int i = 0; i < BATCH; ++i)
        events.append(benchEvent(i));
    EventStreamPublisher::Options publisherOptions;
    publisherOptions.key = QString::fromLatin1(READ_KEY);
    auto publisher = EventStreamPublisher::create(url, clock, publisherOptions);
    if (!publisher)
        fail(publisher.error().toString());
    for (int i = 0; i < entries / BATCH; ++i)
        (*publisher)->publish(events);
    if ((*publisher)->stats().published != entries)
        fail(QStringLiteral("filling the stream failed"));

    using Steady = std::chrono::steady_clock;
    double bestOurs = 0, bestBaseline = 0;
    for (int round = 0; round < bench::ROUNDS; ++round) {
        auto start = Steady::now();
        QByteArray after = "0";
        for (qsizetype read = 0; read < entries;) {
            bare.append({"XREAD", "COUNT", "1000", "STREAMS", READ_KEY, after});
            qsizetype got = 0;
            if (!bare.reply(&got, &after) || got == 0)
                fail(QStringLiteral("the baseline XREAD failed"));
            read += got;
        }
        bestBaseline = std::max(bestBaseline, entries / std::chrono::duration<double>(Steady::now() - start).count());

        std::atomic<qint64> delivered {0};
        EventStreamReader::Options options;
        options.key = QString::fromLatin1(READ_KEY);
        options.startId = QStringLiteral("0");
        options.count = 1000;
        auto reader = EventStreamReader::create(
            url, clock, options, [&](const QList<eventstream::StreamEntry> &batch) { delivered += batch.size(); });
        if (!reader)
            fail(reader.error().toString());
        start = Steady::now();
        (*reader)->start();
        while (delivered.load() < entries)
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        bestOurs = std::max(bestOurs, entries / std::chrono::duration<double>(Steady::now() - start).count());
    }
    bench::report("read", {bestOurs, bestBaseline}, 0.10);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList arguments = QCoreApplication::arguments();
    const bool quick = arguments.contains(QStringLiteral("--quick"));
    const qsizetype urlAt = arguments.indexOf(QStringLiteral("--url"));
    const double secondsPerSide = quick ? 0.05 : 1.0;
    const int readEntries = quick ? 2000 : 50'000;

    std::unique_ptr<test::RedisServer> server;
    QString url = urlAt > 0 ? arguments.value(urlAt + 1) : QString();
    if (url.isEmpty()) {
        auto started = test::RedisServer::start();
        if (!started)
            fail(started.error().toString());
        server = std::move(*started);
        url = server->url();
    }
    auto endpoint = ratelimit::RedisEndpoint::parse(url);
    if (!endpoint)
        fail(endpoint.error().toString());
    Bare bare(*endpoint);
    const SystemClock clock;
    const auto clean = [&bare] {
        bare.append({"DEL", PUBLISH_KEY, BASELINE_KEY, READ_KEY});
        if (!bare.reply())
            fail(QStringLiteral("cannot delete the benchmark keys"));
    };
    clean();

    std::printf("Redis event stream benchmark (%s; batches of %d; %.2f s per side, best of %d rounds; %d entries "
                "read)\n",
                qPrintable(endpoint->description()), BATCH, secondsPerSide, bench::ROUNDS, readEntries);
    benchPublish(url, bare, clock, secondsPerSide);
    benchRead(url, bare, clock, readEntries);
    clean();
    return 0;
}
