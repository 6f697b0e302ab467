// The alert engine against the reference system's failed-auth monitor, measured in the same run, both in memory
// and on one thread. The baseline is the reference logic without Redis: a counter per identifier in a
// std::unordered_map, incremented, compared with 5. Portcullis runs AlertEngine::process() with the default rules
// over batches of 64 failed_auth events: the rule lock, normalization of each event, the group's recency list, a
// sliding window of times, sample events, and the cooldown. Most events land in a cooldown (an attack under way),
// the path that matters when an attacker floods. The engine does several times the baseline's work per event (a
// copy and normalization of the event, a window and samples per group), hence a target of 0.15.
//   BenchAlerts                 10 000 identifiers, about 1 s per side
//   BenchAlerts --quick         a short run (the suite uses it to keep the bench working)
//   BenchAlerts --identifiers N N identifiers instead

#include <algorithm>
#include <random>
#include <unordered_map>
#include <vector>

#include <QCoreApplication>
#include <QList>
#include <QStringList>

#include "BenchSupport.h"
#include "common/Clock.h"
#include "monitor/AlertEngine.h"

using namespace portcullis;
using namespace portcullis::monitor;

namespace {

constexpr qsizetype BATCH = 64;

struct QStringHash
{
    std::size_t operator()(const QString &text) const { return qHash(text); }
};

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList arguments = QCoreApplication::arguments();
    const bool quick = arguments.contains(QStringLiteral("--quick"));
    const int at = int(arguments.indexOf(QStringLiteral("--identifiers")));
    const int identifiers = at > 0 ? arguments.value(at + 1).toInt() : 10000;
    if (identifiers <= 0) {
        std::fprintf(stderr, "--identifiers needs a positive number\n");
        return 2;
    }
    const double secondsPerSide = quick ? 0.05 : 1.0;
    std::printf("Alert benchmark (one thread; %d identifiers; batches of %lld events; %.2f s per side, best of %d "
                "rounds; rates in batches)\n",
                identifiers, static_cast<long long>(BATCH), secondsPerSide, bench::ROUNDS);

    // Events as the API key middleware makes them: a key id and a source address, in a shuffled order.
    const FixedClock clock(1767225600);
    std::vector<SecurityEvent> events;
    events.reserve(std::size_t(identifiers) * 8);
    for (int round = 0; round < 8; ++round) {
        for (int i = 0; i < identifiers; ++i) {
            SecurityEvent event;
            event.timeMs = clock.unixMillis();
            event.type = EventType::FailedAuth;
            event.severity = Severity::Notice;
            event.keyId = QStringLiteral("pcl_%1").arg(i, 8, 16, QLatin1Char('0'));
            event.sourceAddress = QStringLiteral("10.%1.%2.%3").arg((i >> 16) & 255).arg((i >> 8) & 255).arg(i & 255);
            event.reason = QStringLiteral("unknown_key");
            events.push_back(event);
        }
    }
    std::shuffle(events.begin(), events.end(), std::mt19937(20261129));
    std::vector<QList<SecurityEvent>> batches;
    for (std::size_t i = 0; i + BATCH <= events.size(); i += BATCH)
        batches.emplace_back(events.begin() + qsizetype(i), events.begin() + qsizetype(i) + BATCH);

    AlertEngine engine(clock, AlertRule::defaults());
    std::unordered_map<QString, qint64, QStringHash> counters;
    qint64 baselineAlerts = 0;
    std::size_t next = 0;
    std::size_t baseNext = 0;
    const auto rates = bench::measure(
        secondsPerSide,
        [&] {
            (void)engine.process(batches[next++ % batches.size()]);
            return true;
        },
        [&] {
            for (const SecurityEvent &event : batches[baseNext++ % batches.size()])
                if (++counters[event.mainSubject()] >= 5)
                    ++baselineAlerts; // the reference alerted on every failure past the fifth
            return true;
        });
    bench::report("failed_auth", rates, 0.15);
    const AlertEngine::Stats stats = engine.stats();
    std::printf("portcullis raised %lld alerts for %lld events (%lld held back by cooldowns); the reference logic "
                "would have raised %lld\n",
                static_cast<long long>(stats.alertsRaised), static_cast<long long>(stats.eventsSeen),
                static_cast<long long>(stats.suppressed), static_cast<long long>(baselineAlerts));
    return 0;
}
