#include <QTest>

#include <thread>

#include "FakeClock.h"
#include "common/Clock.h"

using namespace portcullis;
using namespace std::chrono_literals;

class TestClock : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void systemClockTracksRealTime()
    {
        const SystemClock clock;
        const qint64 before = QDateTime::currentMSecsSinceEpoch();
        const qint64 now = clock.unixMillis();
        const qint64 after = QDateTime::currentMSecsSinceEpoch();
        QVERIFY(now >= before && now <= after);
        QCOMPARE(clock.nowUtc().timeSpec(), Qt::UTC);

        const auto start = clock.steadyNow();
        std::this_thread::sleep_for(5ms);
        QVERIFY(clock.steadyNow() - start >= 5ms);
    }

    void fakeClockMovesOnlyWhenTold()
    {
        test::FakeClock clock;
        QCOMPARE(clock.nowUtc(), QDateTime(QDate(2026, 1, 1), QTime(0, 0), Qt::UTC));
        const auto steady = clock.steadyNow();
        QCOMPARE(clock.unixSeconds(), clock.unixSeconds());

        clock.advance(90s);
        QCOMPARE(clock.nowUtc(), QDateTime(QDate(2026, 1, 1), QTime(0, 1, 30), Qt::UTC));
        QCOMPARE(clock.steadyNow() - steady, std::chrono::steady_clock::duration(90s));

        // A wall-clock step backwards leaves monotonic time alone.
        clock.setUnixSeconds(1000);
        QCOMPARE(clock.unixSeconds(), 1000);
        QCOMPARE(clock.unixMillis(), 1000000);
        QCOMPARE(clock.steadyNow() - steady, std::chrono::steady_clock::duration(90s));
    }

    void negativeAndPreEpochTimes()
    {
        test::FakeClock clock(-1500);
        QCOMPARE(clock.unixMillis(), -1500);
        QCOMPARE(clock.unixSeconds(), -1); // truncates toward zero, like std::chrono
        QCOMPARE(clock.nowUtc(), QDateTime(QDate(1969, 12, 31), QTime(23, 59, 58, 500), Qt::UTC));
    }
};

QTEST_GUILESS_MAIN(TestClock)
#include "TestClock.moc"
