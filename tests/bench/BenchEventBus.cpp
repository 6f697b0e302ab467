// The event bus at a sustained rate, into the SQLite event log and a batched subscriber, against its floor measured in
// the same run: the same publishes (time stamp, normalize, hand over) into a bare std::mutex + std::vector append,
// emptied by a consumer thread every millisecond. One publisher thread paces itself to the rate in 1 ms ticks and
// times every publish; the figures are the publish latencies (the publisher's cost: what a request handler pays) and
// the rate at which events reached the log, counting the time to flush what was still queued at the end.
//   BenchEventBus                   100 000 events/s for 10 s (the baseline 3 s)
//   BenchEventBus --quick           100 000 events/s for 0.5 s (the suite uses it to keep the bench working)
//   BenchEventBus --rate N --seconds S
// Then it times a few queries on the log it wrote (a million rows after a full run): by subject, by type and time.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

#include <QCoreApplication>
#include <QStringList>
#include <QTemporaryDir>

#include "common/Clock.h"
#include "monitor/EventBus.h"
#include "monitor/EventLog.h"
#include "monitor/EventLogWriter.h"
#include "store/Database.h"

using namespace portcullis;
using namespace portcullis::monitor;
using SteadyClock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

[[noreturn]] void fail(const QString &what)
{
    std::fprintf(stderr, "BenchEventBus: %s\n", qPrintable(what));
    std::exit(1);
}

// What a gateway publishes most: refused keys from many addresses on a few routes.
std::vector<SecurityEvent> samples()
{
    std::vector<SecurityEvent> events;
    for (int i = 0; i < 1024; ++i) {
        SecurityEvent event;
        event.type = i % 8 == 0 ? EventType::RateLimited : EventType::FailedAuth;
        event.sourceAddress = QStringLiteral("198.51.%1.%2").arg(i / 256).arg(i % 256);
        event.keyId = QStringLiteral("key_%1").arg(i % 37);
        event.reason = i % 8 == 0 ? QStringLiteral("limit_exceeded") : QStringLiteral("unknown_key");
        event.route = QStringLiteral("GET /v1/items/%1").arg(i);
        event.detail = QStringLiteral("The API key is not known to this instance.");
        events.push_back(event);
    }
    return events;
}

struct Latencies
{
    std::vector<std::uint32_t> ns;
    double percentile(double p)
    {
        if (ns.empty())
            return 0;
        const auto at = std::min(ns.size() - 1, std::size_t(p * double(ns.size())));
        std::nth_element(ns.begin(), ns.begin() + std::ptrdiff_t(at), ns.end());
        return double(ns[at]) / 1000.0;
    }
};

// Publishes `rate` events per second for `seconds` through `publish`, 1 ms of events per tick, timing each call.
// Returns how many publishes were refused.
template<typename Publish>
quint64 drive(double rate, double seconds, const std::vector<SecurityEvent> &events, Latencies &latencies,
              Publish &&publish)
{
    const auto total = std::size_t(rate * seconds);
    latencies.ns.clear();
    latencies.ns.reserve(total);
    quint64 refused = 0;
    const auto start = SteadyClock::now();
    std::size_t sent = 0;
    for (int tick = 1; sent < total; ++tick) {
        const auto due = std::min(total, std::size_t(rate * tick / 1000.0));
        for (; sent < due; ++sent) {
            SecurityEvent event = events[sent % events.size()];
            const auto before = SteadyClock::now();
            const bool accepted = publish(std::move(event));
            const auto after = SteadyClock::now();
            latencies.ns.push_back(std::uint32_t(std::chrono::nanoseconds(after - before).count()));
            refused += accepted ? 0 : 1;
        }
        std::this_thread::sleep_until(start + std::chrono::milliseconds(tick));
    }
    return refused;
}

// The floor: the same stamping and normalizing, then a locked push_back; a consumer swaps the vector out every ms.
void runBaseline(double rate, double seconds, const std::vector<SecurityEvent> &events, const EventBus &stamper,
                 Latencies &latencies)
{
    std::mutex mutex;
    std::vector<SecurityEvent> pending;
    std::atomic<bool> done {false};
    std::atomic<std::size_t> consumed {0};
    std::thread consumer([&] {
        std::vector<SecurityEvent> taken;
        while (!done.load()) {
            std::this_thread::sleep_for(1ms);
            {
                const std::lock_guard lock(mutex);
                taken.swap(pending);
            }
            consumed += taken.size();
            taken.clear();
        }
    });
    (void)drive(rate, seconds, events, latencies, [&](SecurityEvent event) {
        SecurityEvent clean = stamper.prepared(std::move(event));
        const std::lock_guard lock(mutex);
        pending.push_back(std::move(clean));
        return true;
    });
    done = true;
    consumer.join();
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList arguments = QCoreApplication::arguments();
    const bool quick = arguments.contains(QStringLiteral("--quick"));
    const auto option = [&arguments](const char *name, double fallback) {
        const auto at = arguments.indexOf(QLatin1String(name));
        return at > 0 ? arguments.value(at + 1).toDouble() : fallback;
    };
    const double rate = option("--rate", 100'000);
    const double seconds = option("--seconds", quick ? 0.5 : 10);
    const double baselineSeconds = std::min(seconds, 3.0);
    if (rate <= 0 || seconds <= 0)
        fail(QStringLiteral("--rate and --seconds need positive numbers"));

    QTemporaryDir dir;
    auto database = store::Database::open(*store::DatabaseLocation::parse(dir.filePath(QStringLiteral("bench.db"))));
    if (!database)
        fail(database.error().toString());
    const SystemClock clock;
    const std::vector<SecurityEvent> events = samples();

    std::printf("Event-bus benchmark: one publisher at %.0f events/s for %.1f s into the SQLite event log (WAL, "
                "synchronous=FULL) and a batched subscriber; baseline %.1f s\n",
                rate, seconds, baselineSeconds);
    std::fflush(stdout);

    Latencies baseline;
    {
        const EventBus stamper(clock, {16, QStringLiteral("bench")}); // only its prepared(): nothing is published
        runBaseline(rate, baselineSeconds, events, stamper, baseline);
    }

    EventLog log(*database, clock);
    Latencies ours;
    quint64 refused = 0;
    double loggedRate = 0;
    EventBus::Stats stats;
    EventLogWriter::Stats written;
    std::atomic<std::size_t> counted {0};
    {
        EventBus bus(clock, {16384, QStringLiteral("bench")});
        EventLogWriter writer(bus, log);
        SubscriberOptions batched;
        batched.minInterval = 100ms; // a UI-style consumer: about 10 deliveries a second
        bus.subscribe(
            QStringLiteral("counter"), [&counted](const EventBatch &batch) { counted += batch.size(); }, batched);
        const auto start = SteadyClock::now();
        refused
            = drive(rate, seconds, events, ours, [&bus](SecurityEvent event) { return bus.publish(std::move(event)); });
        if (!bus.flush(120s))
            fail(QStringLiteral("the bus did not flush within two minutes"));
        const double elapsed = std::chrono::duration<double>(SteadyClock::now() - start).count();
        stats = bus.stats();
        written = writer.stats();
        loggedRate = double(written.written) / elapsed;
    }
    auto rows = log.count();
    if (!rows)
        fail(rows.error().toString());
    // The log can hold a few more rows than counted above: drop reports the bus published while it shut down.
    if (written.lost > 0 || *rows < qint64(written.written))
        fail(QStringLiteral("the log lost events: %1 written, %2 rows").arg(written.written).arg(*rows));

    std::printf("events into the log  %11.0f/s   (%llu rows; target rate %.0f/s)%s\n", loggedRate,
                static_cast<unsigned long long>(*rows), rate, loggedRate >= rate * 0.98 ? "" : "   BELOW TARGET");
    std::printf("batched subscriber   %11zu events   dropped by the bus %llu   refused publishes %llu   ring "
                "high-water %zu of %zu\n",
                counted.load(), static_cast<unsigned long long>(stats.dropped),
                static_cast<unsigned long long>(refused), stats.highWater, std::size_t(16384));
    for (const auto &subscriber : stats.subscribers)
        std::printf(
            "  %-18s delivered %llu in %llu batches (largest %lld), dropped %llu\n", qPrintable(subscriber.name),
            static_cast<unsigned long long>(subscriber.delivered), static_cast<unsigned long long>(subscriber.batches),
            static_cast<long long>(subscriber.largestBatch), static_cast<unsigned long long>(subscriber.dropped));
    const struct
    {
        const char *name;
        double p;
    } points[] = {{"p50", 0.50}, {"p99", 0.99}, {"p999", 0.999}};
    for (const auto &point : points) {
        const double mine = ours.percentile(point.p);
        const double floor = baseline.percentile(point.p);
        // For latencies lower is better: the ratio is baseline over ours, so 1 means as fast as the bare mutex.
        std::printf("publish %-5s        portcullis %8.2f us   baseline %8.2f us   ratio %.3f\n", point.name, mine,
                    floor, floor / mine);
    }
    // Queries on the log just written (a million rows after a full run), each as an operator would ask it.
    const auto timeQuery = [&log](const char *name, const EventQuery &query) {
        const auto start = SteadyClock::now();
        auto found = log.query(query);
        const double ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count();
        if (!found)
            fail(found.error().toString());
        std::printf("query %-36s %8.2f ms   (%lld events)\n", name, ms, static_cast<long long>(found->size()));
    };
    EventQuery bySubject;
    bySubject.subject = events[7].sourceAddress;
    bySubject.order = EventQuery::Order::NewestFirst;
    bySubject.limit = 100;
    timeQuery("newest 100 by source address", bySubject);
    EventQuery byKey;
    byKey.subject = events[5].keyId;
    byKey.limit = 1000;
    timeQuery("oldest 1000 by key id", byKey);
    const qint64 midRun = clock.unixMillis() - qint64(seconds * 500);
    EventQuery byTypeAndTime;
    byTypeAndTime.types = {EventType::RateLimited};
    byTypeAndTime.sinceMs = midRun;
    byTypeAndTime.untilMs = midRun + 100;
    byTypeAndTime.limit = EventQuery::MAX_LIMIT;
    timeQuery("rate_limited in 100 ms mid-run", byTypeAndTime);
    EventQuery newest;
    newest.order = EventQuery::Order::NewestFirst;
    timeQuery("newest 1000", newest);
    std::fflush(stdout);
    return 0; // figures, not a verdict: a slow or busy machine is no failure
}
