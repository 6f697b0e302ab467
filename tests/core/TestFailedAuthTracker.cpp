#include <mutex>
#include <thread>

#include <QSqlQuery>
#include <QTest>

#include "FakeClock.h"
#include "ResultText.h"
#include "StoreBackends.h"
#include "monitor/FailedAuthTracker.h"
#include "monitor/LockoutError.h"
#include "store/Database.h"

using namespace portcullis;
using namespace portcullis::monitor;
using namespace std::chrono_literals;

namespace {

const QString ALICE = QStringLiteral("alice");
const QString BOB = QStringLiteral("bob");
const QString ADDRESS = QStringLiteral("203.0.113.9");
const QString OTHER_ADDRESS = QStringLiteral("198.51.100.7");

AuthSubjects user(const QString &name, const QString &source = ADDRESS)
{
    AuthSubjects subjects;
    subjects.user = name;
    subjects.sourceAddress = source;
    return subjects;
}

// A policy that locks at `maxFailures`, with no quick-login check unless a test turns it on: the fake clock stands
// still between failures unless told otherwise.
LockoutPolicy policy(int maxFailures)
{
    LockoutPolicy policy;
    policy.maxFailures = maxFailures;
    policy.quickLoginCheck = 0ms;
    return policy;
}

FailedAuthTracker::Options options(const LockoutPolicy &identifiers)
{
    FailedAuthTracker::Options options;
    options.identifierPolicy = identifiers;
    options.sourcePolicy = policy(1000);
    options.flushInterval = 0ms; // flush, sweep and reload by hand
    options.instanceId = QStringLiteral("test-instance");
    return options;
}

} // namespace

// Keycloak's brute-force rules case by case on a fake clock, exact counting under concurrency, bounded memory, and
// the state in the store: SQLite (a file per test) and PostgreSQL (a throwaway cluster).
class TestFailedAuthTracker : public QObject
{
    Q_OBJECT

private:
    test::StoreBackends m_stores;
    test::FakeClock m_clock;
    std::mutex m_eventsMutex;
    std::vector<SecurityEvent> m_events;

    std::shared_ptr<store::Database> freshStore() { return m_stores.fresh(); }
    std::shared_ptr<store::Database> openStore() const { return m_stores.reopen(); }

    std::unique_ptr<FailedAuthTracker> open(std::shared_ptr<store::Database> database,
                                            FailedAuthTracker::Options options)
    {
        auto tracker = FailedAuthTracker::open(
            std::move(database), m_clock,
            [this](const SecurityEvent &event) {
                const std::lock_guard lock(m_eventsMutex);
                m_events.push_back(event);
            },
            std::move(options));
        if (!tracker)
            qFatal("%s", qPrintable(tracker.error().toString()));
        return std::move(*tracker);
    }

    std::unique_ptr<FailedAuthTracker> open(const LockoutPolicy &identifiers)
    {
        return open(freshStore(), options(identifiers));
    }

    std::vector<SecurityEvent> events(std::optional<EventType> type = std::nullopt)
    {
        const std::lock_guard lock(m_eventsMutex);
        std::vector<SecurityEvent> out;
        for (const SecurityEvent &event : m_events) {
            if (!type || event.type == *type)
                out.push_back(event);
        }
        return out;
    }

    // Failures two seconds apart: never a quick login.
    void fail(FailedAuthTracker &tracker, const AuthSubjects &subjects, int times)
    {
        for (int i = 0; i < times; ++i) {
            m_clock.advance(2s);
            tracker.recordFailure(subjects, QStringLiteral("bad_password"));
        }
    }

    qint64 now() const { return m_clock.unixMillis(); }

private Q_SLOTS:
    void initTestCase_data() { test::StoreBackends::addRows(); }

    void init()
    {
        m_clock.setUnixMillis(test::FakeClock::DEFAULT_START_MS);
        const std::lock_guard lock(m_eventsMutex);
        m_events.clear();
    }

    void refusesPoliciesThatMakeNoSense()
    {
        QVERIFY(LockoutPolicy().validate().has_value());
        QVERIFY(FailedAuthTracker::defaultSourcePolicy().validate().has_value());

        LockoutPolicy noThreshold;
        noThreshold.maxFailures = 0;
        QVERIFY(noThreshold.validate().error().is(LockoutError::InvalidMaxFailures));

        LockoutPolicy neverWaits;
        neverWaits.waitIncrement = 0ms;
        QVERIFY(neverWaits.validate().error().is(LockoutError::InvalidDuration));
        neverWaits.permanentLockout = true; // a pure permanent lockout has no wait to grow
        QVERIFY(neverWaits.validate().has_value());

        LockoutPolicy negativeQuickCheck;
        negativeQuickCheck.quickLoginCheck = -1ms;
        QVERIFY(negativeQuickCheck.validate().error().is(LockoutError::InvalidDuration));

        LockoutPolicy temporaryWithoutPermanent;
        temporaryWithoutPermanent.maxTemporaryLockouts = 2;
        QVERIFY(temporaryWithoutPermanent.validate().error().is(LockoutError::InvalidTemporaryLockouts));

        auto badPolicy = FailedAuthTracker::open(nullptr, m_clock, {}, options(noThreshold));
        QVERIFY(!badPolicy.has_value());
        QVERIFY(badPolicy.error().is(LockoutError::InvalidMaxFailures));
        QVERIFY(badPolicy.error().detail().contains(u"users, clients and API keys"));

        auto tooSmall = options(policy(3));
        tooSmall.capacity = 10;
        QVERIFY(FailedAuthTracker::open(nullptr, m_clock, {}, tooSmall).error().is(LockoutError::InvalidCapacity));
    }

    void locksAtTheThresholdAndSaysSo()
    {
        auto tracker = open(policy(3));
        fail(*tracker, user(ALICE), 2);
        QVERIFY(tracker->check(user(ALICE)).allowed());
        QVERIFY(events(EventType::Lockout).empty());

        fail(*tracker, user(ALICE), 1);
        const auto status = tracker->check(user(ALICE));
        QVERIFY(!status.allowed());
        QVERIFY(!status.permanent);
        QCOMPARE(status.untilMs, now() + 60'000);
        QCOMPARE(status.lockedKind, SubjectKind::User);

        const auto lockouts = events(EventType::Lockout);
        QCOMPARE(lockouts.size(), std::size_t(1));
        QCOMPARE(lockouts[0].user, ALICE);
        QCOMPARE(lockouts[0].sourceAddress, ADDRESS);
        QCOMPARE(lockouts[0].reason, QStringLiteral("max_failures"));
        QCOMPARE(lockouts[0].severity, Severity::Warning);
        QCOMPARE(lockouts[0].instanceId, QStringLiteral("test-instance"));
        QCOMPARE(lockouts[0].timeMs, now());
        QVERIFY2(lockouts[0].detail.contains(u"60 s") && lockouts[0].detail.contains(u"3 failed attempts"),
                 qPrintable(lockouts[0].detail));

        const auto listed = tracker->lockouts();
        QCOMPARE(listed.size(), 1);
        QCOMPARE(listed[0].kind, SubjectKind::User);
        QCOMPARE(listed[0].subject, ALICE);
        QCOMPARE(listed[0].failures, 3);
        QCOMPARE(listed[0].lockedSinceMs, now());
        QCOMPARE(listed[0].lockedUntilMs, now() + 60'000);
        QCOMPARE(listed[0].reason, QStringLiteral("max_failures"));
        QCOMPARE(listed[0].lastSource, ADDRESS);

        // The right password changes nothing while locked: the caller asked check() first and refused.
        tracker->recordSuccess(user(ALICE));
        QVERIFY(!tracker->check(user(ALICE)).allowed());
    }

    void waitGrowsWithFailuresUpToMaxWait_data()
    {
        QTest::addColumn<bool>("linear");
        QTest::addColumn<QList<int>>("waits"); // seconds locked after failure 1, 2, …; 0 for not locked
        // Multiple: waitIncrement × ⌊failures / maxFailures⌋. Linear: waitIncrement × (1 + failures − maxFailures).
        // Both capped at maxWait (150 s).
        QTest::newRow("multiple") << false << QList<int> {0, 60, 60, 120, 120, 150};
        QTest::newRow("linear") << true << QList<int> {0, 60, 120, 150, 150, 150};
    }

    void waitGrowsWithFailuresUpToMaxWait()
    {
        QFETCH(bool, linear);
        QFETCH(QList<int>, waits);
        LockoutPolicy rules = policy(2);
        rules.strategy = linear ? LockoutPolicy::WaitStrategy::Linear : LockoutPolicy::WaitStrategy::Multiple;
        rules.maxWait = 150s;
        auto tracker = open(rules);
        for (qsizetype i = 0; i < waits.size(); ++i) {
            fail(*tracker, user(ALICE), 1);
            const auto status = tracker->check(user(ALICE));
            if (waits[i] == 0) {
                QVERIFY2(status.allowed(), qPrintable(QStringLiteral("failure %1").arg(i + 1)));
                continue;
            }
            QVERIFY2(!status.allowed(), qPrintable(QStringLiteral("failure %1").arg(i + 1)));
            QCOMPARE(status.untilMs - now(), qint64(waits[i]) * 1000);
            m_clock.advance(std::chrono::seconds(waits[i])); // the lock runs out; the count stays
            QVERIFY(tracker->check(user(ALICE)).allowed());
        }
        QCOMPARE(tracker->find(SubjectKind::User, ALICE)->failures, waits.size());
        QCOMPARE(tracker->find(SubjectKind::User, ALICE)->temporaryLockouts, waits.size() - 1);
    }

    void failureResetTimeForgetsOldFailures()
    {
        LockoutPolicy rules = policy(3);
        rules.failureResetTime = 1h;
        auto tracker = open(rules);
        fail(*tracker, user(ALICE), 2);
        m_clock.advance(1h + 1s);
        fail(*tracker, user(ALICE), 2);
        QVERIFY(tracker->check(user(ALICE)).allowed());
        QCOMPARE(tracker->find(SubjectKind::User, ALICE)->failures, 2);
        fail(*tracker, user(ALICE), 1);
        QVERIFY(!tracker->check(user(ALICE)).allowed());

        // A quiet spell longer than the reset time drops the subject altogether.
        fail(*tracker, user(BOB), 1);
        QVERIFY(tracker->find(SubjectKind::User, BOB).has_value());
        m_clock.advance(1h + 1s);
        tracker->sweep();
        QVERIFY(!tracker->find(SubjectKind::User, BOB).has_value());
    }

    void quickLoginLocksFailuresTooCloseTogether()
    {
        LockoutPolicy rules; // Keycloak's defaults: 1000 ms check, 60 s minimum wait
        auto tracker = open(rules);
        tracker->recordFailure(user(ALICE), {});
        m_clock.advance(1000ms); // not quicker than the check: no lock
        tracker->recordFailure(user(ALICE), {});
        QVERIFY(tracker->check(user(ALICE)).allowed());
        m_clock.advance(999ms);
        tracker->recordFailure(user(ALICE), {});
        const auto status = tracker->check(user(ALICE));
        QVERIFY(!status.allowed());
        QCOMPARE(status.untilMs, now() + 60'000);
        QCOMPARE(events(EventType::Lockout).at(0).reason, QStringLiteral("quick_login"));
        QCOMPARE(tracker->find(SubjectKind::User, ALICE)->temporaryLockouts, 0); // a quick login is not one

        // Source addresses have no quick-login check by default: one address can be many people.
        QVERIFY(tracker->check(AuthSubjects {{}, {}, {}, ADDRESS}).allowed());
    }

    void permanentLockoutHoldsUntilAnOperatorLiftsIt()
    {
        LockoutPolicy rules = policy(3);
        rules.permanentLockout = true;
        auto tracker = open(rules);
        fail(*tracker, user(ALICE), 2);
        m_clock.advance(13h); // pure permanent lockout never forgets
        fail(*tracker, user(ALICE), 1);
        const auto status = tracker->check(user(ALICE));
        QVERIFY(!status.allowed());
        QVERIFY(status.permanent);
        QCOMPARE(status.untilMs, 0);
        const auto lockout = events(EventType::Lockout);
        QCOMPARE(lockout.size(), std::size_t(1));
        QCOMPARE(lockout[0].severity, Severity::Critical);
        QCOMPARE(lockout[0].reason, QStringLiteral("max_failures"));
        QVERIFY(lockout[0].detail.contains(u"until an operator unlocks it"));

        m_clock.advance(24h * 365);
        tracker->sweep();
        QVERIFY(!tracker->check(user(ALICE)).allowed());
        QVERIFY(events(EventType::Unlock).empty());
        QVERIFY(tracker->unlock(SubjectKind::User, ALICE, QStringLiteral("operator-1")));
        QVERIFY(tracker->check(user(ALICE)).allowed());
    }

    void temporaryLockoutsTurnPermanentPastTheirMaximum()
    {
        LockoutPolicy rules = policy(2);
        rules.permanentLockout = true;
        rules.maxTemporaryLockouts = 1;
        auto tracker = open(rules);
        fail(*tracker, user(ALICE), 2);
        auto status = tracker->check(user(ALICE));
        QVERIFY(!status.allowed() && !status.permanent);
        m_clock.advance(60s);
        QVERIFY(tracker->check(user(ALICE)).allowed());
        fail(*tracker, user(ALICE), 1); // a second threshold lock: one more than allowed
        status = tracker->check(user(ALICE));
        QVERIFY(!status.allowed());
        QVERIFY(status.permanent);
        const auto lockouts = events(EventType::Lockout);
        QCOMPARE(lockouts.size(), std::size_t(2));
        QCOMPARE(lockouts[1].reason, QStringLiteral("max_temporary_lockouts"));
    }

    void failuresDuringALockAreNotCounted()
    {
        auto tracker = open(policy(3));
        fail(*tracker, user(ALICE), 3);
        const qint64 until = tracker->check(user(ALICE)).untilMs;
        fail(*tracker, user(ALICE), 10);
        QCOMPARE(tracker->find(SubjectKind::User, ALICE)->failures, 3);
        QCOMPARE(tracker->check(user(ALICE)).untilMs, until);
        QCOMPARE(events(EventType::Lockout).size(), std::size_t(1));
    }

    void successClearsTheIdentifierButNotTheAddress()
    {
        auto tracker = open(policy(3));
        fail(*tracker, user(ALICE), 2);
        tracker->recordSuccess(user(ALICE));
        QVERIFY(!tracker->find(SubjectKind::User, ALICE).has_value());
        // An address's count is not cleared by a success: a sprayer could otherwise reset it with an account of
        // their own.
        QCOMPARE(tracker->find(SubjectKind::SourceAddress, ADDRESS)->failures, 2);
        fail(*tracker, user(ALICE), 2);
        QVERIFY(tracker->check(user(ALICE)).allowed()); // counting again from zero
    }

    void operatorUnlockLiftsTheLockAndSaysWho()
    {
        auto tracker = open(policy(3));
        fail(*tracker, user(ALICE), 3);
        QVERIFY(tracker->unlock(SubjectKind::User, ALICE, QStringLiteral("carol")));
        QVERIFY(tracker->check(user(ALICE)).allowed());
        QVERIFY(!tracker->find(SubjectKind::User, ALICE).has_value());
        const auto unlocks = events(EventType::Unlock);
        QCOMPARE(unlocks.size(), std::size_t(1));
        QCOMPARE(unlocks[0].reason, QStringLiteral("operator"));
        QCOMPARE(unlocks[0].user, ALICE);
        QVERIFY2(unlocks[0].detail.contains(u"'carol'"), qPrintable(unlocks[0].detail));
        QVERIFY(!tracker->unlock(SubjectKind::User, ALICE, QStringLiteral("carol")));
        QCOMPARE(events(EventType::Unlock).size(), std::size_t(1));
        QVERIFY(tracker->lockouts().isEmpty());
    }

    void aLockThatRunsOutIsAnnouncedOnce()
    {
        auto tracker = open(policy(3));
        fail(*tracker, user(ALICE), 3);
        fail(*tracker, user(BOB), 3);
        m_clock.advance(61s);
        // Lazily, by the next check …
        QVERIFY(tracker->check(user(ALICE)).allowed());
        auto unlocks = events(EventType::Unlock);
        QCOMPARE(unlocks.size(), std::size_t(1));
        QCOMPARE(unlocks[0].user, ALICE);
        QCOMPARE(unlocks[0].reason, QStringLiteral("expired"));
        QVERIFY(tracker->check(user(ALICE)).allowed());
        // … or by the sweep, for a subject nobody asks about.
        tracker->sweep();
        unlocks = events(EventType::Unlock);
        QCOMPARE(unlocks.size(), std::size_t(2));
        QCOMPARE(unlocks[1].user, BOB);
        tracker->sweep();
        QCOMPARE(events(EventType::Unlock).size(), std::size_t(2));
        QCOMPARE(tracker->find(SubjectKind::User, ALICE)->failures, 3); // the count outlives the lock
    }

    void countsEachSubjectApart()
    {
        auto opts = options(policy(3));
        opts.sourcePolicy = policy(5);
        auto tracker = open(freshStore(), opts);
        fail(*tracker, user(ALICE), 3);
        QVERIFY(!tracker->check(user(ALICE, OTHER_ADDRESS)).allowed()); // the user, from anywhere
        QVERIFY(tracker->check(user(BOB)).allowed()); // the address has 3 of its 5
        fail(*tracker, user(BOB), 2);
        QVERIFY(tracker->check(user(BOB, OTHER_ADDRESS)).allowed()); // bob has 2 of his 3
        const auto status = tracker->check(user(QStringLiteral("carol")));
        QVERIFY(!status.allowed());
        QCOMPARE(status.lockedKind, SubjectKind::SourceAddress);
        const auto lockouts = events(EventType::Lockout);
        QCOMPARE(lockouts.size(), std::size_t(2));
        QCOMPARE(lockouts[1].sourceAddress, ADDRESS);
        QVERIFY(lockouts[1].user.isEmpty());

        // The same text as another kind of identifier is another subject.
        AuthSubjects key;
        key.keyId = ALICE;
        QVERIFY(tracker->check(key).allowed());
        AuthSubjects client;
        client.clientId = ALICE;
        fail(*tracker, client, 3);
        QVERIFY(!tracker->check(client).allowed());
        QCOMPARE(events(EventType::Lockout).back().clientId, ALICE);
    }

    void countsParallelFailuresExactly_data()
    {
        QTest::addColumn<int>("maxFailures");
        QTest::addColumn<int>("counted");
        QTest::newRow("threshold at the last failure") << 1000 << 1000;
        QTest::newRow("failures past the threshold ignored") << 10 << 10;
    }

    void countsParallelFailuresExactly()
    {
        QFETCH(int, maxFailures);
        QFETCH(int, counted);
        constexpr int THREADS = 8;
        constexpr int EACH = 125;
        auto tracker = open(policy(maxFailures));
        std::atomic<int> ready {0};
        {
            std::vector<std::jthread> threads;
            for (int t = 0; t < THREADS; ++t) {
                threads.emplace_back([&, t] {
                    ready.fetch_add(1);
                    while (ready.load() < THREADS) { } // start together
                    const AuthSubjects subjects = user(QStringLiteral("target"), u"192.0.2." % QString::number(t));
                    for (int i = 0; i < EACH; ++i)
                        tracker->recordFailure(subjects, QStringLiteral("bad_password"));
                });
            }
        }
        QCOMPARE(tracker->find(SubjectKind::User, QStringLiteral("target"))->failures, counted);
        QVERIFY(!tracker->check(user(QStringLiteral("target"))).allowed());
        const auto lockouts = events(EventType::Lockout);
        QCOMPARE(lockouts.size(), std::size_t(1));
        QVERIFY2(lockouts[0].detail.contains(QString::number(counted) % u" failed attempts"),
                 qPrintable(lockouts[0].detail));
        QCOMPARE(tracker->untrackedFailures(), 0);
        QVERIFY2(tracker->flush().has_value(), test::why(tracker->flush()).constData());
    }

    void stateSurvivesARestart()
    {
        LockoutPolicy rules = policy(3);
        auto database = freshStore();
        qint64 until = 0;
        {
            auto first = open(database, options(rules));
            fail(*first, user(ALICE), 3);
            fail(*first, user(BOB), 2);
            until = first->check(user(ALICE)).untilMs;
            QVERIFY(first->flush().has_value());
        } // destruction flushes what is left
        {
            auto permanentRun = options(rules);
            permanentRun.identifierPolicy.permanentLockout = true;
            auto second = open(openStore(), permanentRun);
            fail(*second, AuthSubjects {{}, {}, QStringLiteral("key_0001"), {}}, 3);
        }

        auto restarted = open(openStore(), options(rules));
        const auto status = restarted->check(user(ALICE));
        QVERIFY(!status.allowed());
        QCOMPARE(status.untilMs, until);
        QCOMPARE(restarted->find(SubjectKind::User, BOB)->failures, 2);
        QCOMPARE(restarted->find(SubjectKind::SourceAddress, ADDRESS)->failures, 5);
        const auto permanent = restarted->check(AuthSubjects {{}, {}, QStringLiteral("key_0001"), {}});
        QVERIFY(!permanent.allowed());
        QVERIFY(permanent.permanent);
        const auto listed = restarted->lockouts();
        QCOMPARE(listed.size(), 2);

        // The restarted instance announces the end of the lock it inherited, and an operator's unlock is kept.
        m_clock.advance(61s);
        QVERIFY(restarted->check(user(ALICE)).allowed());
        QCOMPARE(events(EventType::Unlock).size(), std::size_t(1));
        QVERIFY(restarted->unlock(SubjectKind::ApiKey, QStringLiteral("key_0001"), QStringLiteral("carol")));
        restarted.reset();
        auto again = open(openStore(), options(rules));
        QVERIFY(again->check(AuthSubjects {{}, {}, QStringLiteral("key_0001"), {}}).allowed());
        QVERIFY(again->lockouts().isEmpty());
        QCOMPARE(again->find(SubjectKind::User, ALICE)->failures, 3); // the expired lock's count remains
        QCOMPARE(events(EventType::Unlock).size(), std::size_t(2)); // the expiry was not announced twice
    }

    void aLockIsWrittenWithoutWaitingForTheNextFlush()
    {
        auto opts = options(policy(3));
        opts.flushInterval = 1h; // the background thread runs, its timer never fires in this test
        opts.reloadInterval = 1h;
        opts.sweepInterval = 1h;
        auto database = freshStore();
        auto tracker = open(database, opts);
        fail(*tracker, user(ALICE), 3);
        const auto lockedUntil = [&]() -> qint64 {
            QSqlQuery query(*database->connection());
            query.prepare(QStringLiteral("SELECT locked_until_ms FROM auth_failures WHERE kind = ? AND subject = ?"));
            query.addBindValue(QStringLiteral("user"));
            query.addBindValue(ALICE);
            if (!query.exec() || !query.next())
                return -1;
            return query.value(0).toLongLong();
        };
        QTRY_COMPARE_WITH_TIMEOUT(lockedUntil(), now() + 60'000, 5000);
    }

    void instancesShareLocks()
    {
        auto rules = options(policy(3));
        auto database = freshStore();
        auto here = open(database, rules);
        auto there = open(openStore(), rules);
        fail(*here, user(ALICE), 3);
        QVERIFY(here->flush().has_value());
        QVERIFY(there->check(user(ALICE)).allowed());
        QVERIFY2(there->reload().has_value(), test::why(there->reload()).constData());
        const auto status = there->check(user(ALICE));
        QVERIFY(!status.allowed());
        QCOMPARE(status.untilMs, here->check(user(ALICE)).untilMs);

        // A count written by another instance never shortens the lock in the store.
        fail(*there, user(BOB), 1);
        QVERIFY(there->flush().has_value());
        QVERIFY(here->reload().has_value());
        QVERIFY(!here->check(user(ALICE)).allowed());

        // An operator's unlock on one instance reaches the other at its next reload.
        QVERIFY(here->unlock(SubjectKind::User, ALICE, QStringLiteral("carol")));
        QVERIFY(here->flush().has_value());
        QVERIFY(there->reload().has_value());
        QVERIFY(there->check(user(ALICE)).allowed());
        QCOMPARE(events(EventType::Lockout).size(), std::size_t(1)); // adopting a lock announces nothing
        QCOMPARE(events(EventType::Unlock).size(), std::size_t(1));
    }

    void keepsMemoryBounded()
    {
        auto opts = options(policy(3));
        opts.capacity = FailedAuthTracker::MIN_CAPACITY;
        opts.sourcePolicy = policy(1'000'000);
        auto tracker = open(freshStore(), opts);
        fail(*tracker, user(QStringLiteral("victim")), 3);
        for (int i = 0; i < 5000; ++i) {
            m_clock.advance(1ms); // eviction goes by the last failure's time: no ties
            tracker->recordFailure(user(u"user-" % QString::number(i)), QStringLiteral("bad_password"));
        }
        QVERIFY2(tracker->trackedCount() <= opts.capacity, qPrintable(QString::number(tracker->trackedCount())));
        QVERIFY(!tracker->check(user(QStringLiteral("victim"))).allowed()); // a lock is never evicted
        QVERIFY(tracker->find(SubjectKind::User, QStringLiteral("user-4999")).has_value()); // the newest is kept
        QVERIFY(!tracker->find(SubjectKind::User, QStringLiteral("user-0")).has_value()); // the oldest went
        QVERIFY(tracker->flush().has_value());

        // A huge identifier is kept by its digest, and the event says which.
        const QString huge(100'000, u'x');
        fail(*tracker, user(huge), 3);
        QVERIFY(!tracker->check(user(huge)).allowed());
        const auto lockout = events(EventType::Lockout).back();
        QVERIFY2(lockout.user.startsWith(u"sha256:") && lockout.user.size() < 100, qPrintable(lockout.user));
    }

    void hostileSubjectsCannotForgeEventText()
    {
        auto tracker = open(policy(1));
        const QString hostile = QStringLiteral("mallory\n2026-01-01 admin unlocked\u202e");
        fail(*tracker, user(hostile), 1);
        const auto lockout = events(EventType::Lockout).at(0);
        QVERIFY(!lockout.user.contains(u'\n'));
        QVERIFY(!lockout.detail.contains(u'\n'));
        QVERIFY(!lockout.detail.contains(QChar(0x202e)));
        QVERIFY(!tracker->check(user(hostile)).allowed());
    }
};

QTEST_GUILESS_MAIN(TestFailedAuthTracker)
#include "TestFailedAuthTracker.moc"
