// In-memory rate-limit decisions against their floor, measured in the same run: a bare sliding-window counter in a
// std::unordered_map, unsynchronised, reading the monotonic clock once per decision as any limiter must. Portcullis
// runs MemoryRateLimitStore::decide(): the seeded hash, the shard's lock, the recency list, the algorithm and a
// full Decision (remaining, reset, retry-after). With a million keys both sides wait on memory (random lookups in
// maps far larger than the caches), so the ratio comes near 1.
//   BenchRateLimit            a hot key, then one million distinct keys, about 1 s per side
//   BenchRateLimit --quick    20 000 keys, a short run (the suite uses it to keep the bench working)
//   BenchRateLimit --keys N   N distinct keys instead

#include <algorithm>
#include <cstdint>
#include <random>
#include <unordered_map>
#include <vector>

#include <QCoreApplication>
#include <QString>
#include <QStringList>

#include "BenchSupport.h"
#include "common/Clock.h"
#include "ratelimit/MemoryRateLimitStore.h"
#include "ratelimit/RateLimitPolicy.h"

using namespace portcullis;
using namespace portcullis::ratelimit;

namespace {

// Policies under which every decision is counted (the refusal path is cheaper) and no key recovers during the run
// (a recovered key is dropped and comes back as a new one, which would measure insertions): for the hot key a
// billion per hour; for the many keys 100 000 per 31 days (one unit back every 27 s), so a key's state outlives
// the whole run.
constexpr qint64 HOT_LIMIT = 1'000'000'000;
constexpr std::chrono::milliseconds HOT_WINDOW = std::chrono::hours(1);
constexpr qint64 MANY_LIMIT = 100'000;
constexpr std::chrono::milliseconds MANY_WINDOW = RateLimitPolicy::MAX_WINDOW;

// The baseline: two fixed windows per key, the previous one weighted, nothing else.
class BareCounter
{
public:
    BareCounter(qint64 limit, std::chrono::milliseconds window)
        : m_limit(limit)
        , m_windowNs(std::chrono::nanoseconds(window).count())
    { }

    bool decide(const QString &key)
    {
        const qint64 now = std::chrono::steady_clock::now().time_since_epoch().count();
        Counter &counter = m_counters[key];
        const qint64 start = now - now % m_windowNs;
        if (start != counter.windowStart) {
            counter.previous = start - counter.windowStart == m_windowNs ? counter.current : 0;
            counter.current = 0;
            counter.windowStart = start;
        }
        const double weight = double(m_windowNs - (now - start)) / double(m_windowNs);
        if (double(counter.previous) * weight + double(counter.current) + 1 <= double(m_limit))
            ++counter.current;
        return true;
    }

private:
    struct Counter
    {
        qint64 windowStart = 0;
        qint64 current = 0;
        qint64 previous = 0;
    };
    qint64 m_limit;
    qint64 m_windowNs;
    std::unordered_map<QString, Counter> m_counters;
};

[[noreturn]] void fail(const QString &what)
{
    std::fprintf(stderr, "BenchRateLimit: %s\n", qPrintable(what));
    std::exit(1);
}

RateLimitPolicy benchPolicy(Algorithm algorithm, qint64 limit, std::chrono::milliseconds window)
{
    auto policy
        = RateLimitPolicy::create({QStringLiteral("bench"), limit, window, algorithm, 0, {KeyPart::SourceAddress}});
    if (!policy)
        fail(policy.error().toString());
    return *policy;
}

// One case: our store under `algorithm` against a fresh baseline. One warm-up pass in creation order fills both maps
// (so no round measures insertions); then both walk the keys in the same random order, which is not the order their
// entries were allocated in.
void run(const char *name, Algorithm algorithm, const std::vector<QString> &keys,
         const std::vector<std::uint32_t> &order, double secondsPerSide)
{
    const SystemClock clock;
    MemoryRateLimitStore store(clock, std::max<std::size_t>(MemoryRateLimitStore::DEFAULT_MAX_KEYS, keys.size() * 2));
    const bool hot = keys.size() == 1;
    const qint64 limit = hot ? HOT_LIMIT : MANY_LIMIT;
    const std::chrono::milliseconds window = hot ? HOT_WINDOW : MANY_WINDOW;
    const RateLimitPolicy policy = benchPolicy(algorithm, limit, window);
    BareCounter baseline(limit, window);
    for (const QString &key : keys) {
        (void)store.decide(policy, key);
        baseline.decide(key);
    }
    std::size_t ourNext = 0, baseNext = 0;
    const auto rates = bench::measure(
        secondsPerSide,
        [&] {
            (void)store.decide(policy, keys[order[ourNext++ % order.size()]]);
            return true;
        },
        [&] { return baseline.decide(keys[order[baseNext++ % order.size()]]); });
    bench::report(name, rates, 0.30);
    if (const auto stats = store.stats(); stats.evictedIdle + stats.evictedActive > 0)
        fail(QStringLiteral("keys were evicted during the run: the figures measured insertions"));
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList arguments = QCoreApplication::arguments();
    const bool quick = arguments.contains(QStringLiteral("--quick"));
    const int keysAt = int(arguments.indexOf(QStringLiteral("--keys")));
    const int keyCount = keysAt > 0 ? arguments.value(keysAt + 1).toInt() : quick ? 20000 : 1000000;
    if (keyCount <= 0)
        fail(QStringLiteral("--keys needs a positive number"));
    const double secondsPerSide = quick ? 0.05 : 1.0;
    std::printf("Rate-limit benchmark (one thread; %d distinct keys; %.2f s per side, best of %d rounds)\n", keyCount,
                secondsPerSide, bench::ROUNDS);

    // Keys shaped like what policies count by (a source address).
    std::vector<QString> keys;
    keys.reserve(std::size_t(keyCount));
    for (int i = 0; i < keyCount; ++i)
        keys.push_back(QStringLiteral("10.%1.%2.%3").arg((i >> 16) & 255).arg((i >> 8) & 255).arg(i & 255));
    std::vector<std::uint32_t> order(keys.size());
    for (std::size_t i = 0; i < order.size(); ++i)
        order[i] = std::uint32_t(i);
    std::shuffle(order.begin(), order.end(), std::mt19937(20261129));
    const std::vector<QString> hot {QStringLiteral("203.0.113.7")};
    const std::vector<std::uint32_t> hotOrder {0};

    run("bucket hot", Algorithm::TokenBucket, hot, hotOrder, secondsPerSide);
    run("counter hot", Algorithm::SlidingCounter, hot, hotOrder, secondsPerSide);
    run("bucket many", Algorithm::TokenBucket, keys, order, secondsPerSide);
    run("counter many", Algorithm::SlidingCounter, keys, order, secondsPerSide);
    return 0;
}
