// The failed-auth tracker on the request path, against floors measured in the same run.
//   check    FailedAuthTracker::check() for a user and a source address that are tracked but not locked, against
//            a bare std::mutex + QHash lookup of the same two keys (the least any exact tracker does).
//   failure  recordFailure() cycling over many users from many addresses, memory only, against the same bare
//            map incrementing two counters.
//   stored   recordFailure() with a SQLite store written behind every second, against the memory-only tracker:
//            what persistence costs a request: the dirty mark, and the flush thread taking shard locks and a core
//            now and then; no failure waits for the disk.
// The floors do the least possible; the tracker also reads the wall clock, settles expired locks, applies the
// policy and keeps the last source, so the targets are modest: about 3 million checks or failures a second on one
// core is far more than the credential checks behind them can do.
//   BenchFailedAuthTracker            about 1 s per side
//   BenchFailedAuthTracker --quick    a short run (the suite uses it to keep the bench working)

#include <mutex>

#include <QCoreApplication>
#include <QHash>
#include <QStringList>
#include <QTemporaryDir>

#include "BenchSupport.h"
#include "common/Clock.h"
#include "monitor/FailedAuthTracker.h"
#include "store/Database.h"

using namespace portcullis;
using namespace portcullis::monitor;

namespace {

constexpr int USERS = 20'000;
constexpr int ADDRESSES = 256;

FailedAuthTracker::Options neverLocking()
{
    LockoutPolicy policy;
    policy.maxFailures = LockoutPolicy::MAX_MAX_FAILURES;
    policy.quickLoginCheck = std::chrono::milliseconds(0);
    FailedAuthTracker::Options options;
    options.identifierPolicy = policy;
    options.sourcePolicy = policy;
    options.capacity = 2 * (USERS + ADDRESSES);
    return options;
}

std::unique_ptr<FailedAuthTracker> openTracker(std::shared_ptr<store::Database> database, const Clock &clock)
{
    auto tracker = FailedAuthTracker::open(std::move(database), clock, {}, neverLocking());
    if (!tracker) {
        std::fprintf(stderr, "%s\n", qPrintable(tracker.error().toString()));
        std::exit(1);
    }
    return std::move(*tracker);
}

// The floor: one lock, one map, two counters.
class BareCounts
{
public:
    bool check(const AuthSubjects &subjects)
    {
        const std::lock_guard lock(m_mutex);
        return m_counts.value(subjects.user) >= 0 && m_counts.value(subjects.sourceAddress) >= 0;
    }
    bool fail(const AuthSubjects &subjects)
    {
        const std::lock_guard lock(m_mutex);
        ++m_counts[subjects.user];
        ++m_counts[subjects.sourceAddress];
        return true;
    }

private:
    std::mutex m_mutex;
    QHash<QString, qint64> m_counts;
};

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const bool quick = app.arguments().contains(QStringLiteral("--quick"));
    const double seconds = quick ? 0.1 : 1.0;

    std::vector<AuthSubjects> subjects;
    for (int i = 0; i < USERS; ++i)
        subjects.push_back({u"user-" % QString::number(i), {}, {}, u"10.0.0." % QString::number(i % ADDRESSES)});
    std::size_t next = 0;
    const auto cycle = [&]() -> const AuthSubjects & { return subjects[next++ % subjects.size()]; };

    SystemClock clock;
    auto memory = openTracker(nullptr, clock);
    BareCounts bare;
    for (const AuthSubjects &s : subjects) {
        memory->recordFailure(s, QStringLiteral("bad_password"));
        bare.fail(s);
    }
    bench::report("check",
                  bench::measure(
                      seconds, [&] { return memory->check(cycle()).allowed(); }, [&] { return bare.check(cycle()); }),
                  0.1);
    bench::report("failure",
                  bench::measure(
                      seconds,
                      [&] {
                          memory->recordFailure(cycle(), QStringLiteral("bad_password"));
                          return true;
                      },
                      [&] { return bare.fail(cycle()); }),
                  0.1);

    QTemporaryDir dir;
    auto database = store::Database::open(*store::DatabaseLocation::parse(dir.filePath(QStringLiteral("bench.db"))));
    if (!database) {
        std::fprintf(stderr, "%s\n", qPrintable(database.error().toString()));
        return 1;
    }
    auto stored = openTracker(*database, clock);
    bench::report("stored",
                  bench::measure(
                      seconds,
                      [&] {
                          stored->recordFailure(cycle(), QStringLiteral("bad_password"));
                          return true;
                      },
                      [&] {
                          memory->recordFailure(cycle(), QStringLiteral("bad_password"));
                          return true;
                      }),
                  0.4);
    return 0;
}
