#include <QTest>

#include <array>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include <QElapsedTimer>
#include <QThread>

#include "FakeClock.h"
#include "RateLimitTesting.h"
#include "RedisServer.h"
#include "ResultText.h"
#include "ratelimit/MemoryRateLimitStore.h"
#include "ratelimit/RateLimitPolicy.h"
#include "ratelimit/RateLimiter.h"
#include "ratelimit/ReconnectBackoff.h"
#include "ratelimit/RedisConnection.h"
#include "ratelimit/RedisEndpoint.h"
#include "ratelimit/RedisError.h"
#include "ratelimit/RedisRateLimitStore.h"

using namespace portcullis;
using namespace portcullis::ratelimit;
using namespace std::chrono_literals;

Q_DECLARE_METATYPE(portcullis::ratelimit::StoreFailureMode)

namespace {

const QString PASSWORD = QStringLiteral("c0rrect-h0rse-9f3a");

using test::addAlgorithmRows;
using test::runTogether;

RateLimitPolicy policy(Algorithm algorithm, qint64 limit, std::chrono::milliseconds window, qint64 burst = 0,
                       const QString &name = QStringLiteral("test"))
{
    return test::rateLimitPolicy(algorithm, limit, window, burst, name);
}

qint64 wallMicros()
{
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// Sleeps until the wall clock is `offsetMs` past a whole second (the sliding counter's windows of 1 s start there).
void sleepUntilSecondPlus(qint64 offsetMs)
{
    const qint64 nowUs = wallMicros();
    qint64 targetUs = (nowUs / 1'000'000) * 1'000'000 + offsetMs * 1000;
    while (targetUs <= nowUs + 20'000)
        targetUs += 1'000'000;
    std::this_thread::sleep_for(std::chrono::microseconds(targetUs - nowUs));
}

QByteArray text(const Decision &d)
{
    return QStringLiteral("allowed %1 exceeds %2 limit %3 remaining %4 reset %5 retry %6")
        .arg(d.allowed)
        .arg(d.exceedsCapacity)
        .arg(d.limit)
        .arg(d.remaining)
        .arg(qint64(d.resetAfter.count()))
        .arg(qint64(d.retryAfter.count()))
        .toUtf8();
}

} // namespace

class TestRedisRateLimit : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<test::RedisServer> m_server;
    SystemClock m_systemClock;
    std::unique_ptr<test::FakeClock> m_clock;
    std::unique_ptr<RedisRateLimitStore> m_store; // Redis TIME
    std::unique_ptr<RedisRateLimitStore> m_fakeStore; // the fake clock's time, to compare with memory
    std::unique_ptr<MemoryRateLimitStore> m_memory; // the fake clock
    std::unique_ptr<RedisConnection> m_admin;

    RedisRateLimitStore::Options quickOptions(const Clock *timeSource = nullptr) const
    {
        RedisRateLimitStore::Options options;
        options.connection.connectTimeout = 300ms;
        options.connection.commandTimeout = 2000ms;
        options.backoffInitial = 20ms;
        options.backoffMax = 200ms;
        options.timeSource = timeSource;
        return options;
    }

    std::unique_ptr<RedisRateLimitStore> makeStore(const QString &url, const Clock *timeSource = nullptr)
    {
        auto store = RedisRateLimitStore::create(url, m_systemClock, quickOptions(timeSource));
        return store ? std::move(*store) : nullptr;
    }

    RedisReply admin(std::initializer_list<QByteArrayView> args)
    {
        auto reply = m_admin->command(std::span<const QByteArrayView>(args.begin(), args.size()));
        if (!reply)
            qFatal("admin command failed: %s", qPrintable(reply.error().toString()));
        return *reply;
    }

    Decision mustDecide(RedisRateLimitStore &store, const RateLimitPolicy &limited, QStringView key, qint64 cost = 1)
    {
        auto decided = store.decide(limited, key, cost);
        if (!decided)
            qFatal("decide failed: %s", qPrintable(decided.error().toString()));
        return *decided;
    }

    // Every key in Redis has a TTL: SCAN them all and ask.
    void checkEveryKeyHasATtl()
    {
        QByteArray cursor = "0";
        int keys = 0;
        do {
            const RedisReply page = admin({"SCAN", cursor, "COUNT", "1000"});
            QCOMPARE(page.type, RedisReply::Type::Array);
            QCOMPARE(page.elements.size(), 2u);
            cursor = page.elements[0].text;
            for (const RedisReply &key : page.elements[1].elements) {
                ++keys;
                const RedisReply ttl = admin({"PTTL", key.text});
                QVERIFY2(ttl.integer > 0 || ttl.integer == -2, // -2: expired since the SCAN
                         qPrintable(QStringLiteral("key %1 has PTTL %2")
                                        .arg(QString::fromUtf8(key.text.toPercentEncoding(":#")))
                                        .arg(ttl.integer)));
            }
        } while (cursor != "0");
        Q_UNUSED(keys);
    }

private Q_SLOTS:
    void initTestCase()
    {
        auto started = test::RedisServer::start();
        QVERIFY2(started.has_value(), test::why(started).constData());
        m_server = std::move(*started);
        auto endpoint = RedisEndpoint::parse(m_server->url());
        QVERIFY2(endpoint.has_value(), test::why(endpoint).constData());
        m_admin = std::make_unique<RedisConnection>(std::make_shared<const RedisEndpoint>(std::move(*endpoint)),
                                                    RedisConnection::Options(), nullptr);
    }

    void init()
    {
        QVERIFY(m_server->isRunning());
        m_clock = std::make_unique<test::FakeClock>();
        m_store = makeStore(m_server->url());
        m_fakeStore = makeStore(m_server->url(), m_clock.get());
        m_memory = std::make_unique<MemoryRateLimitStore>(*m_clock);
        QVERIFY(m_store && m_fakeStore);
    }

    // After every test: no key without a TTL, then a clean slate.
    void cleanup()
    {
        if (!m_server->isRunning())
            return;
        checkEveryKeyHasATtl();
        (void)admin({"FLUSHALL"});
    }

    void cleanupTestCase()
    {
        m_admin.reset();
        m_server.reset();
    }

    void urls_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("description"); // empty: invalid
        QTest::newRow("host") << QStringLiteral("redis://127.0.0.1") << QStringLiteral("redis://127.0.0.1:6379/0");
        QTest::newRow("port and db") << QStringLiteral("redis://cache.internal:6380/2")
                                     << QStringLiteral("redis://cache.internal:6380/2");
        QTest::newRow("password") << u"redis://:" + PASSWORD + u"@127.0.0.1:7000"
                                  << QStringLiteral("redis://127.0.0.1:7000/0");
        QTest::newRow("user, ipv6") << u"redis://app:" + PASSWORD + u"@[::1]:7000/3"
                                    << QStringLiteral("redis://[::1]:7000/3");
        QTest::newRow("unix") << QStringLiteral("unix:///run/redis/redis.sock?db=1")
                              << QStringLiteral("unix:///run/redis/redis.sock?db=1");
        QTest::newRow("other scheme") << QStringLiteral("http://127.0.0.1:6379") << QString();
        QTest::newRow("tls") << u"rediss://:" + PASSWORD + u"@127.0.0.1" << QString();
        QTest::newRow("no host") << QStringLiteral("redis://") << QString();
        QTest::newRow("port zero") << QStringLiteral("redis://h:0") << QString();
        QTest::newRow("port too large") << u"redis://:" + PASSWORD + u"@h:70000" << QString();
        QTest::newRow("db not a number") << QStringLiteral("redis://h/abc") << QString();
        QTest::newRow("db too large") << QStringLiteral("redis://h/10000") << QString();
        QTest::newRow("query") << u"redis://:" + PASSWORD + u"@h?db=1" << QString();
        QTest::newRow("fragment") << QStringLiteral("redis://h#x") << QString();
        QTest::newRow("user without password") << QStringLiteral("redis://app@h") << QString();
        QTest::newRow("unix with host") << QStringLiteral("unix://host/run/redis.sock") << QString();
        QTest::newRow("unix bad query") << QStringLiteral("unix:///run/redis.sock?database=1") << QString();
        QTest::newRow("unix relative") << QStringLiteral("unix:redis.sock") << QString();
        QTest::newRow("too long") << u"redis://:" + PASSWORD + u"@h/" + QString(3000, u'1') << QString();
        QTest::newRow("garbage") << u"redis://:" + PASSWORD + u"@h :1/%zz" << QString();
    }

    void urls()
    {
        QFETCH(QString, url);
        QFETCH(QString, description);
        const auto endpoint = RedisEndpoint::parse(url);
        if (description.isEmpty()) {
            QVERIFY(!endpoint.has_value());
            QVERIFY2(endpoint.error().is(RedisError::InvalidUrl), qPrintable(endpoint.error().toString()));
            QVERIFY(endpoint.error().detail().contains(u"redis://"));
            QVERIFY(!endpoint.error().toString().contains(PASSWORD));
            return;
        }
        QVERIFY2(endpoint.has_value(), test::why(endpoint).constData());
        QCOMPARE(endpoint->description(), description);
        QVERIFY(!endpoint->description().contains(PASSWORD));
        QCOMPARE(endpoint->password().isEmpty(), !url.contains(PASSWORD));
        if (url.contains(PASSWORD))
            QCOMPARE(endpoint->password().view(), PASSWORD.toUtf8());
    }

    // A server that wants a password: the right one works, a wrong one fails with an error that names neither.
    void passwordNeverAppearsInErrors()
    {
        auto started = test::RedisServer::start({PASSWORD});
        QVERIFY2(started.has_value(), test::why(started).constData());
        const auto &server = *started;
        const QString wrong = QStringLiteral("wr0ng-pa55w0rd-77");
        const QString base = QStringLiteral("redis://:%1@127.0.0.1:") + QString::number(server->port());
        const RateLimitPolicy limited = policy(Algorithm::TokenBucket, 10, 1min);

        auto bad = makeStore(base.arg(wrong));
        QVERIFY(bad);
        QVERIFY(!bad->description().contains(wrong));
        const auto refused = bad->decide(limited, u"k");
        QVERIFY(!refused.has_value());
        QVERIFY2(refused.error().is(RedisError::ConnectFailed), qPrintable(refused.error().toString()));
        QVERIFY(refused.error().detail().contains(u"password"));
        QVERIFY2(!refused.error().toString().contains(wrong), qPrintable(refused.error().toString()));
        auto none = makeStore(QString(u"redis://127.0.0.1:" + QString::number(server->port())));
        const auto unauthenticated = none->decide(limited, u"k");
        QVERIFY(!unauthenticated.has_value());

        auto good = makeStore(base.arg(PASSWORD));
        const auto allowed = good->decide(limited, u"k");
        QVERIFY2(allowed.has_value(), test::why(allowed).constData());
        QVERIFY(allowed->allowed);
    }

    // A dead server: one quick failure, then failures without a connection attempt until the backoff has passed.
    void deadServerFailsFastDuringBackoff()
    {
        const int port = m_server->port() == 1 ? 2 : 1; // nothing listens on port 1
        auto store
            = RedisRateLimitStore::create(QString(u"redis://127.0.0.1:" + QString::number(port)), m_systemClock, [&] {
                  auto options = quickOptions();
                  options.backoffInitial = 10s;
                  options.backoffMax = 60s;
                  return options;
              }());
        QVERIFY(store.has_value());
        const RateLimitPolicy limited = policy(Algorithm::SlidingCounter, 10, 1min);
        const auto first = (*store)->decide(limited, u"k");
        QVERIFY(!first.has_value());
        QVERIFY2(first.error().is(RedisError::ConnectFailed), qPrintable(first.error().toString()));
        QVERIFY(first.error().detail().contains(u"redis://127.0.0.1:"));
        QElapsedTimer timer;
        timer.start();
        for (int i = 0; i < 1000; ++i) {
            const auto again = (*store)->decide(limited, u"k");
            QVERIFY(!again.has_value());
            QVERIFY2(again.error().is(RedisError::Unavailable), qPrintable(again.error().toString()));
        }
        QVERIFY2(timer.elapsed() < 1000, qPrintable(QString::number(timer.elapsed())));
    }

    // A host name is looked up within the connect timeout, and each address tried in turn ("localhost" may come
    // first as ::1, where this server does not listen).
    void connectsByHostName()
    {
        auto store = makeStore(u"redis://localhost:" % QString::number(m_server->port()));
        QVERIFY(store);
        const RateLimitPolicy limited = policy(Algorithm::TokenBucket, 10, 1min);
        auto decided = store->decide(limited, u"by-name");
        QVERIFY2(decided.has_value(), test::why(decided).constData());
        QVERIFY(decided->allowed);

        // The first address refuses (the server listens on 127.0.0.1 only): the next one is tried.
        auto options = quickOptions();
        options.connection.resolver = [](const QByteArray &) -> Result<QList<QByteArray>> {
            return QList<QByteArray> {QByteArrayLiteral("127.0.0.2"), QByteArrayLiteral("127.0.0.1")};
        };
        auto second = RedisRateLimitStore::create(
            QString(u"redis://redis.example:" % QString::number(m_server->port())), m_systemClock, options);
        QVERIFY(second.has_value());
        decided = (*second)->decide(limited, u"by-name");
        QVERIFY2(decided.has_value(), test::why(decided).constData());
        QVERIFY(decided->allowed);
    }

    // A name server that never answers costs one decision the connect timeout, not the resolver's own tens of
    // seconds; the decisions after it fail at once during the backoff.
    void aLookupThatHangsFailsWithinTheConnectTimeout()
    {
        struct Gate
        {
            std::mutex mutex;
            std::condition_variable changed;
            bool open = false;
        };
        auto gate = std::make_shared<Gate>(); // shared with the lookup's thread, which outlives the call
        auto options = quickOptions();
        options.connection.resolver = [gate](const QByteArray &) -> Result<QList<QByteArray>> {
            std::unique_lock lock(gate->mutex);
            gate->changed.wait(lock, [&gate] { return gate->open; });
            return QList<QByteArray> {QByteArrayLiteral("127.0.0.1")};
        };
        options.backoffInitial = 10s;
        options.backoffMax = 10s;
        auto store = RedisRateLimitStore::create(QString(u"redis://redis.example:" % QString::number(m_server->port())),
                                                 m_systemClock, options);
        QVERIFY(store.has_value());
        const RateLimitPolicy limited = policy(Algorithm::SlidingCounter, 10, 1min);
        QElapsedTimer timer;
        timer.start();
        const auto first = (*store)->decide(limited, u"k");
        QVERIFY(!first.has_value());
        QVERIFY2(first.error().is(RedisError::ConnectFailed), qPrintable(first.error().toString()));
        QVERIFY2(first.error().detail().contains(u"cannot resolve redis.example within 300 ms"),
                 qPrintable(first.error().detail()));
        const auto again = (*store)->decide(limited, u"k");
        QVERIFY2(again.error().is(RedisError::Unavailable), qPrintable(again.error().toString()));
        QCOMPARE_LT(timer.elapsed(), 3000);
        {
            const std::lock_guard lock(gate->mutex);
            gate->open = true;
        }
        gate->changed.notify_all();
        store->reset();
        options.connection.resolver = nullptr;
        QTRY_COMPARE(gate.use_count(), 1); // the lookup's thread returned
    }

    void backoffGrowsAndResets()
    {
        ReconnectBackoff backoff(*m_clock, 100ms, 1000ms);
        QVERIFY(backoff.tryAttempt());
        backoff.failed();
        QVERIFY(!backoff.tryAttempt());
        QVERIFY(backoff.waitLeft() >= 50ms && backoff.waitLeft() <= 100ms);
        backoff.failed(); // another connection noticing the same outage changes nothing
        QVERIFY(backoff.waitLeft() <= 100ms);
        m_clock->advance(100ms);
        QVERIFY(backoff.tryAttempt()); // the one retry
        QVERIFY(!backoff.tryAttempt()); // others wait for it
        backoff.failed();
        QVERIFY(backoff.waitLeft() >= 100ms && backoff.waitLeft() <= 200ms);
        for (int i = 0; i < 10; ++i) {
            m_clock->advance(1000ms);
            QVERIFY(backoff.tryAttempt());
            backoff.failed();
        }
        QVERIFY(backoff.waitLeft() >= 500ms && backoff.waitLeft() <= 1000ms);
        backoff.succeeded();
        QVERIFY(!backoff.isFailing());
        QVERIFY(backoff.tryAttempt());
    }

    // The Redis store against Algorithms.cpp: the same random requests at the same times give the same decisions,
    // field by field, through each algorithm's own script (decide), the batch script (decideMany: two keys per
    // call), and for the counter with a limit x window too large for its one-integer reply. Windows of an hour keep
    // every TTL far longer than the test runs in real time.
    void matchesTheMemoryStore_data()
    {
        QTest::addColumn<Algorithm>("algorithm");
        QTest::addColumn<qint64>("limit");
        QTest::addColumn<bool>("batched");
        for (const bool batched : {false, true}) {
            const char *how = batched ? "batched" : "alone";
            QTest::addRow("sliding log %s", how) << Algorithm::SlidingLog << qint64(20) << batched;
            QTest::addRow("sliding counter %s", how) << Algorithm::SlidingCounter << qint64(20) << batched;
            QTest::addRow("sliding counter huge %s", how)
                << Algorithm::SlidingCounter << RateLimitPolicy::MAX_LIMIT << batched;
            QTest::addRow("token bucket %s", how) << Algorithm::TokenBucket << qint64(20) << batched;
        }
    }

    void matchesTheMemoryStore()
    {
        QFETCH(Algorithm, algorithm);
        QFETCH(qint64, limit);
        QFETCH(bool, batched);
        const RateLimitPolicy limited = policy(algorithm, limit, 1h, algorithm == Algorithm::TokenBucket ? 5 : 0);
        std::mt19937 random(20261130);
        m_clock->advance(123'457ms);
        for (int i = 0; i < 1500; ++i) {
            const qint64 draw = qint64(random() % 50);
            // Now and then more than the burst; with a huge limit, now and then nearly all of it.
            const qint64 cost = draw == 0   ? limited.burst() + 1
                : draw == 1 && limit > 1000 ? limit - qint64(random() % 3)
                                            : 1 + qint64(random() % 3);
            std::vector<Decision> expected {m_memory->decide(limited, u"same", cost)};
            std::vector<Decision> actual;
            if (batched) {
                expected.push_back(m_memory->decide(limited, u"twin", cost));
                const RateLimitRequest pair[] {{&limited, u"same", cost}, {&limited, u"twin", cost}};
                auto decided = m_fakeStore->decideMany(pair);
                QVERIFY2(decided, test::why(decided));
                actual = std::move(*decided);
            } else {
                actual.push_back(mustDecide(*m_fakeStore, limited, u"same", cost));
            }
            QCOMPARE(actual.size(), expected.size());
            for (std::size_t k = 0; k < actual.size(); ++k) {
                QVERIFY2(
                    text(actual[k]) == text(expected[k]),
                    qPrintable(QStringLiteral("step %1 cost %2: redis %3, memory %4")
                                   .arg(i)
                                   .arg(cost)
                                   .arg(QString::fromUtf8(text(actual[k])), QString::fromUtf8(text(expected[k])))));
            }
            const int step = int(random() % 10);
            m_clock->advance(step == 0 ? 0ms : step < 8 ? std::chrono::milliseconds(random() % 400'000) : 1h);
        }
    }

    void retryAfterIsExact_data() { addAlgorithmRows(); }

    // TestRateLimit::retryAfterIsExact with Redis deciding (times from the fake clock; hour windows).
    void retryAfterIsExact()
    {
        QFETCH(Algorithm, algorithm);
        const RateLimitPolicy limited = policy(algorithm, 10, 1h);
        m_clock->advance(300s);
        for (int round = 0; round < 30; ++round) {
            Decision decision;
            while ((decision = mustDecide(*m_fakeStore, limited, u"k", 3)).allowed)
                m_clock->advance(std::chrono::milliseconds(37'000 * (round % 4)));
            QVERIFY(decision.retryAfter > 0ns);
            const auto wait = std::chrono::ceil<std::chrono::milliseconds>(decision.retryAfter);
            m_clock->advance(wait - 1ms);
            QVERIFY2(!mustDecide(*m_fakeStore, limited, u"k", 3).allowed, qPrintable(QString::number(round)));
            m_clock->advance(1ms);
            QVERIFY2(mustDecide(*m_fakeStore, limited, u"k", 3).allowed, qPrintable(QString::number(round)));
        }
    }

    void refusesMoreThanTheBurstAlways_data() { addAlgorithmRows(); }

    void refusesMoreThanTheBurstAlways()
    {
        QFETCH(Algorithm, algorithm);
        const RateLimitPolicy limited = policy(algorithm, 10, 1s, algorithm == Algorithm::TokenBucket ? 5 : 0);
        for (int i = 0; i < 5; ++i) {
            const Decision decision = mustDecide(*m_store, limited, u"big", limited.burst() + 1);
            QVERIFY(!decision.allowed);
            QVERIFY(decision.exceedsCapacity);
        }
        const Decision fits = mustDecide(*m_store, limited, u"big", limited.burst());
        QVERIFY(fits.allowed);
        QVERIFY(!fits.exceedsCapacity);
        QCOMPARE(fits.remaining, 0);
    }

    void tokenBucketLetsExactlyTheBurstThrough()
    {
        const RateLimitPolicy bucket = policy(Algorithm::TokenBucket, 100, 1h, 5);
        std::atomic<int> passed {0};
        std::atomic<int> failed {0};
        runTogether(15, [&](int) {
            const auto decided = m_store->decide(bucket, u"hot");
            if (!decided)
                failed.fetch_add(1);
            else if (decided->allowed)
                passed.fetch_add(1);
        });
        QCOMPARE(failed.load(), 0);
        QCOMPARE(passed.load(), 5);
    }

    // Bursts just before and just after a window boundary, on Redis time: the log lets through no more than the
    // limit, the counter clearly less than twice the limit.
    void boundaryBursts_data()
    {
        QTest::addColumn<Algorithm>("algorithm");
        QTest::newRow("sliding log") << Algorithm::SlidingLog;
        QTest::newRow("sliding counter") << Algorithm::SlidingCounter;
    }

    void boundaryBursts()
    {
        QFETCH(Algorithm, algorithm);
        const RateLimitPolicy limited = policy(algorithm, 10, 1s);
        for (int attempt = 0;; ++attempt) {
            const QString key = QString(u"boundary" + QString::number(attempt));
            const auto burst = [&] {
                int passed = 0;
                for (int i = 0; i < 10; ++i)
                    passed += mustDecide(*m_store, limited, key).allowed ? 1 : 0;
                return passed;
            };
            sleepUntilSecondPlus(900);
            const qint64 secondBefore = wallMicros() / 1'000'000;
            const int before = burst();
            const bool beforeInTime = wallMicros() / 1'000'000 == secondBefore;
            sleepUntilSecondPlus(5);
            const int after = burst();
            const bool afterInTime = wallMicros() / 1'000'000 == secondBefore + 1 && wallMicros() % 1'000'000 < 90'000;
            if (!(beforeInTime && afterInTime) && attempt < 5)
                continue; // the machine was too slow to hit the boundary: try again
            QCOMPARE(before, 10);
            if (algorithm == Algorithm::SlidingLog)
                QCOMPARE(after, 0);
            else
                QVERIFY2(before + after <= 11, qPrintable(QString::number(before + after)));
            break;
        }
    }

    // TestRateLimit's boundary tests with Redis deciding at the fake clock's times: the exact same figures.
    void slidingCounterBoundaryBurstExact()
    {
        const RateLimitPolicy counter = policy(Algorithm::SlidingCounter, 10, 1s);
        const auto burst = [&] {
            int passed = 0;
            for (int i = 0; i < 10; ++i)
                passed += mustDecide(*m_fakeStore, counter, u"k").allowed ? 1 : 0;
            return passed;
        };
        m_clock->advance(999ms);
        QCOMPARE(burst(), 10);
        m_clock->advance(2ms);
        QCOMPARE(burst(), 0);
        m_clock->advance(499ms);
        QCOMPARE(burst(), 5);
    }

    // Sequential requests at random intervals with bursts, on Redis time; the decision happened somewhere between
    // sending and the reply, so a pair counts as inside one window only when that holds for every instant it could
    // have been decided at. No window may hold more than the limit.
    void slidingLogNeverExceedsTheLimit()
    {
        const RateLimitPolicy log = policy(Algorithm::SlidingLog, 10, 1s);
        struct Passed
        {
            qint64 sentUs;
            qint64 answeredUs;
        };
        std::vector<Passed> passed;
        std::mt19937 random(7919);
        const auto once = [&] {
            const qint64 sent = wallMicros();
            const bool allowed = mustDecide(*m_store, log, u"k").allowed;
            if (allowed)
                passed.push_back({sent, wallMicros()});
        };
        const qint64 end = wallMicros() + 1'500'000;
        for (int i = 0; wallMicros() < end; ++i) {
            if (i % 50 == 0) {
                for (int b = 0; b < 10; ++b)
                    once();
            } else {
                once();
            }
            std::this_thread::sleep_for(std::chrono::microseconds(random() % 15'000));
        }
        QVERIFY(passed.size() >= 10);
        for (std::size_t i = 0; i < passed.size(); ++i) {
            std::size_t inWindow = 1;
            for (std::size_t j = i + 1; j < passed.size(); ++j) {
                if (passed[j].answeredUs < passed[i].sentUs + 1'000'000 && passed[j].sentUs >= passed[i].answeredUs)
                    ++inWindow;
            }
            QVERIFY2(inWindow <= 10, qPrintable(QString::number(inWindow)));
        }
    }

    void noUpdateIsLost_data() { addAlgorithmRows(); }

    // Eight threads on one key through the connection pool: exactly the limit passes, and the count afterwards is
    // exact. Windows of 31 days, so nothing comes back during the run.
    void noUpdateIsLost()
    {
        QFETCH(Algorithm, algorithm);
        constexpr int PER_THREAD = 1500;
        const RateLimitPolicy limited = policy(algorithm, 10'000, RateLimitPolicy::MAX_WINDOW);
        std::atomic<qint64> passed {0};
        std::atomic<int> failed {0};
        runTogether(8, [&](int) {
            qint64 mine = 0;
            for (int i = 0; i < PER_THREAD; ++i) {
                const auto decided = m_store->decide(limited, u"hot");
                failed.fetch_add(decided ? 0 : 1);
                mine += decided && decided->allowed ? 1 : 0;
            }
            passed.fetch_add(mine);
        });
        QCOMPARE(failed.load(), 0);
        QCOMPARE(passed.load(), 10'000);
        QCOMPARE(mustDecide(*m_store, limited, u"hot").remaining, 0);

        const RateLimitPolicy roomy = policy(algorithm, 20'000, RateLimitPolicy::MAX_WINDOW);
        runTogether(8, [&](int) {
            for (int i = 0; i < PER_THREAD; ++i)
                (void)m_store->decide(roomy, u"hot2");
        });
        const Decision last = mustDecide(*m_store, roomy, u"hot2");
        QVERIFY(last.allowed);
        QCOMPARE(last.remaining, 20'000 - 8 * PER_THREAD - 1);
    }

    // The reference system logged each request under its timestamp, so two in the same millisecond were one entry.
    void sameMillisecondRequestsBothCount()
    {
        const RateLimitPolicy log = policy(Algorithm::SlidingLog, 3, 1min);
        // The same instant, twice, from two calls.
        QVERIFY(mustDecide(*m_fakeStore, log, u"a").allowed);
        QVERIFY(mustDecide(*m_fakeStore, log, u"a").allowed);
        const QByteArray key = RedisRateLimitStore::redisKey(log, u"a");
        QCOMPARE(admin({"ZCARD", key}).integer, 2);
        QCOMPARE(mustDecide(*m_fakeStore, log, u"a").remaining, 0);
        QVERIFY(!mustDecide(*m_fakeStore, log, u"a").allowed);
        // Two units of one request, and two requests pipelined on Redis time.
        QVERIFY(mustDecide(*m_store, log, u"b", 2).allowed);
        QCOMPARE(admin({"ZCARD", RedisRateLimitStore::redisKey(log, u"b")}).integer, 2);
        const RateLimitRequest pair[] {{&log, u"c", 1}, {&log, u"c", 1}};
        const auto both = m_store->decidePipelined(pair);
        QVERIFY2(both.has_value(), test::why(both).constData());
        QVERIFY((*both)[0].allowed && (*both)[1].allowed);
        QCOMPARE((*both)[1].remaining, 1);
        QCOMPARE(admin({"ZCARD", RedisRateLimitStore::redisKey(log, u"c")}).integer, 2);
    }

    void batchesDecideInOrder()
    {
        const RateLimitPolicy log = policy(Algorithm::SlidingLog, 5, 1min);
        const RateLimitPolicy bucket = policy(Algorithm::TokenBucket, 100, 1h, 3, QStringLiteral("other"));
        std::vector<RateLimitRequest> requests;
        for (int i = 0; i < 8; ++i) {
            requests.push_back({&log, u"k", 1});
            requests.push_back({&bucket, u"k", 1});
        }
        for (const bool pipelined : {false, true}) {
            (void)admin({"FLUSHALL"});
            const auto decided = pipelined ? m_store->decidePipelined(requests) : m_store->decideMany(requests);
            QVERIFY2(decided.has_value(), test::why(decided).constData());
            QCOMPARE(decided->size(), requests.size());
            for (int i = 0; i < 8; ++i) {
                QCOMPARE((*decided)[std::size_t(2 * i)].allowed, i < 5);
                QCOMPARE((*decided)[std::size_t(2 * i + 1)].allowed, i < 3);
                QCOMPARE((*decided)[std::size_t(2 * i + 1)].limit, 100);
            }
        }
        const std::vector<RateLimitRequest> tooMany(RedisRateLimitStore::MAX_BATCH + 1, {&log, u"k", 1});
        QVERIFY(!m_store->decideMany(tooMany).has_value());
        QVERIFY(m_store->decideMany({}).has_value());
    }

    void keysAreNamespacedAndUnambiguous()
    {
        const RateLimitPolicy counter = policy(Algorithm::SlidingCounter, 10, 1min);
        QCOMPARE(RedisRateLimitStore::redisKey(counter, u"11:203.0.113.7"), "portcullis:rl:test:c:14:11:203.0.113.7");
        QVERIFY(RedisRateLimitStore::redisKey(counter, u"a:1") != RedisRateLimitStore::redisKey(counter, u"a"));
        const QByteArray longKey = RedisRateLimitStore::redisKey(counter, QString(1000, u'x'));
        QVERIFY(longKey.startsWith("portcullis:rl:test:c:#"));
        QVERIFY(longKey.size() < 80);
        QVERIFY(RedisRateLimitStore::redisKey(policy(Algorithm::TokenBucket, 10, 1min), u"a")
                != RedisRateLimitStore::redisKey(counter, u"a"));
        // Text that looks like another key's name is only ever a key's content.
        QVERIFY(mustDecide(*m_store, counter, u"x\r\n*1\r\n$8\r\nFLUSHALL\r\n").allowed);
        QVERIFY(mustDecide(*m_store, counter, QString(1000, u'x')).allowed);
        QCOMPARE(mustDecide(*m_store, counter, QString(1000, u'x')).remaining, 8);
        QVERIFY(m_store->forget(counter, QString(1000, u'x')).value());
        QVERIFY(!m_store->forget(counter, QString(1000, u'x')).value());
    }

    void scriptIsLoadedAgainAfterAFlush()
    {
        const RateLimitPolicy counter = policy(Algorithm::SlidingCounter, 10, 1min);
        QVERIFY(mustDecide(*m_store, counter, u"k").allowed);
        QCOMPARE(admin({"SCRIPT", "FLUSH"}).type, RedisReply::Type::Status);
        QCOMPARE(mustDecide(*m_store, counter, u"k").remaining, 8);
    }

    // Replies past the limits and commands past the timeout drop the connection with a clear error.
    void repliesAndWaitsAreBounded()
    {
        const QByteArray big(int(RedisConnection::MAX_REPLY_STRING) + 1, 'x');
        QCOMPARE(admin({"SET", "portcullis:test:big", big, "PX", "60000"}).type, RedisReply::Type::Status);
        auto endpoint = RedisEndpoint::parse(m_server->url());
        RedisConnection connection(std::make_shared<const RedisEndpoint>(std::move(*endpoint)), {1000ms, 300ms},
                                   nullptr);
        const auto tooLarge = connection.command(std::array<QByteArrayView, 2> {"GET", "portcullis:test:big"});
        QVERIFY(!tooLarge.has_value());
        QVERIFY2(tooLarge.error().is(RedisError::ProtocolError), qPrintable(tooLarge.error().toString()));
        QVERIFY(!connection.isConnected());
        QElapsedTimer timer;
        timer.start();
        const auto slow = connection.command(std::array<QByteArrayView, 3> {"BLPOP", "portcullis:test:none", "2"});
        QVERIFY(!slow.has_value());
        QVERIFY2(slow.error().is(RedisError::Timeout), qPrintable(slow.error().toString()));
        QVERIFY(timer.elapsed() < 1500);
        const auto again = connection.command(std::array<QByteArrayView, 1> {"PING"});
        QVERIFY2(again.has_value(), test::why(again).constData());
        QCOMPARE(again->text, "PONG");
    }

    void survivesARedisCrash_data()
    {
        QTest::addColumn<StoreFailureMode>("mode");
        QTest::newRow("fail closed") << StoreFailureMode::FailClosed;
        QTest::newRow("fall back to memory") << StoreFailureMode::FallBackToMemory;
    }

    // Redis is killed mid-test: one degraded report, requests refused or decided in memory; Redis comes back on the
    // same port: one recovered report, and decisions are Redis's again.
    void survivesARedisCrash()
    {
        QFETCH(StoreFailureMode, mode);
        std::mutex mutex;
        std::vector<StoreHealthChange> changes;
        MemoryRateLimitStore fallback(m_systemClock);
        RateLimiter limiter(m_store.get(), fallback, m_systemClock, {mode, 7s}, [&](const StoreHealthChange &change) {
            const std::lock_guard lock(mutex);
            changes.push_back(change);
        });
        const RateLimitPolicy limited = policy(Algorithm::SlidingCounter, 10, 1min);
        for (int i = 0; i < 3; ++i) {
            const Decision decision = limiter.decide(limited, u"k");
            QVERIFY(decision.allowed);
            QVERIFY(!decision.storeUnavailable);
            QCOMPARE(decision.remaining, 9 - i);
        }
        QCOMPARE(fallback.size(), 0u);

        m_server->kill();
        QVERIFY(!m_server->isRunning());
        runTogether(4, [&](int) {
            for (int i = 0; i < 3; ++i)
                (void)limiter.decide(limited, u"other");
        });
        for (int i = 0; i < 5; ++i) {
            const Decision decision = limiter.decide(limited, u"k");
            QVERIFY(decision.storeUnavailable);
            if (mode == StoreFailureMode::FailClosed) {
                QVERIFY(!decision.allowed);
                QCOMPARE(decision.retryAfter, std::chrono::nanoseconds(7s));
                QCOMPARE(decision.limit, 10);
            } else {
                QVERIFY(decision.allowed);
                QCOMPARE(decision.remaining, 9 - i); // memory starts from nothing
            }
        }
        QVERIFY(limiter.isDegraded());
        {
            const std::lock_guard lock(mutex);
            QCOMPARE(changes.size(), 1u);
            QCOMPARE(changes[0].state, StoreHealthChange::State::Degraded);
            QCOMPARE(changes[0].mode, mode);
            QCOMPARE(changes[0].store, m_server->url() + QStringLiteral("/0"));
            QVERIFY(changes[0].reason.contains(u"redis."));
            QVERIFY(std::chrono::abs(changes[0].when - m_systemClock.now()) < 60s);
        }
        QCOMPARE(fallback.size(), mode == StoreFailureMode::FailClosed ? 0u : 2u);

        const auto restarted = m_server->restart();
        QVERIFY2(restarted.has_value(), test::why(restarted).constData());
        Decision decision = limiter.decide(limited, u"k");
        QElapsedTimer waited;
        waited.start();
        while (decision.storeUnavailable && waited.elapsed() < 5000) {
            QThread::msleep(10);
            decision = limiter.decide(limited, u"k");
        }
        QVERIFY(!decision.storeUnavailable);
        QVERIFY(decision.allowed);
        QCOMPARE(decision.remaining, 9); // a restarted Redis without persistence starts empty
        QVERIFY(!limiter.isDegraded());
        for (int i = 0; i < 5; ++i)
            QVERIFY(!limiter.decide(limited, u"k").storeUnavailable);
        const std::lock_guard lock(mutex);
        QCOMPARE(changes.size(), 2u);
        QCOMPARE(changes[1].state, StoreHealthChange::State::Recovered);
        QCOMPARE(changes[1].mode, mode);
        QVERIFY(changes[1].reason.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestRedisRateLimit)
#include "TestRedisRateLimit.moc"
