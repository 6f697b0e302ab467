// The workspace's rate limiter as a server uses it: refusals, Redis outages and forgiven keys all reach the
// security monitor as events, and allowed requests leave no trace.

#include <mutex>

#include <QTest>
#include <QThread>

#include "FakeClock.h"
#include "RedisServer.h"
#include "ResultText.h"
#include "TempDir.h"
#include "engine/RateLimitService.h"
#include "engine/SecurityMonitor.h"
#include "monitor/SecurityEvent.h"
#include "ratelimit/MemoryRateLimitStore.h"
#include "store/Database.h"
#include "store/DatabaseLocation.h"

using namespace portcullis;
using namespace portcullis::engine;
using namespace std::chrono_literals;

class TestRateLimitService : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<test::TempDir> m_dir;
    std::unique_ptr<test::FakeClock> m_clock;
    std::unique_ptr<SecurityMonitor> m_monitor;
    std::mutex m_mutex;
    QList<monitor::SecurityEvent> m_events;
    monitor::SubscriptionId m_subscription = 0;

    QList<monitor::SecurityEvent> events()
    {
        m_monitor->flush();
        const std::lock_guard lock(m_mutex);
        return m_events;
    }

    static ratelimit::RateLimitPolicy twoPerMinute()
    {
        return ratelimit::RateLimitPolicy::create({QStringLiteral("login"),
                                                   2,
                                                   60s,
                                                   ratelimit::Algorithm::TokenBucket,
                                                   2,
                                                   {ratelimit::KeyPart::SourceAddress}})
            .value();
    }

    // No maintenance thread: the tests purge by hand.
    static RateLimitService::Options options(const QString &redisUrl = {}, std::size_t maxMemoryKeys = 1 << 20)
    {
        RateLimitService::Options options;
        options.redisUrl = redisUrl;
        options.maxMemoryKeys = maxMemoryKeys;
        options.purgeInterval = 0ms;
        return options;
    }

    static ratelimit::RequestParts request(const QString &source)
    {
        return {source, QStringLiteral("key_abc"), QStringLiteral("alice"), QStringLiteral("POST /login")};
    }

private Q_SLOTS:
    void init()
    {
        m_dir = std::make_unique<test::TempDir>();
        m_clock = std::make_unique<test::FakeClock>();
        auto database
            = store::Database::open(store::DatabaseLocation::sqliteFile(m_dir->filePath(QStringLiteral("db"))));
        QVERIFY2(database, test::why(database));
        auto opened = SecurityMonitor::open(*database, *m_clock, {QStringLiteral("test-instance"), false, {}});
        QVERIFY2(opened, test::why(opened));
        m_monitor = std::move(*opened);
        m_events.clear();
        m_subscription = m_monitor->bus().subscribe(QStringLiteral("test"), [this](const monitor::EventBatch &batch) {
            const std::lock_guard lock(m_mutex);
            m_events += batch;
        });
    }

    void cleanup()
    {
        m_monitor->bus().unsubscribe(m_subscription);
        m_monitor.reset();
    }

    void refusalsBecomeRateLimitedEvents()
    {
        auto service = RateLimitService::open(*m_monitor, *m_clock, options());
        QVERIFY2(service, test::why(service));
        const auto policy = twoPerMinute();
        QVERIFY((*service)->decide(policy, request(QStringLiteral("198.51.100.1"))).allowed);
        QVERIFY((*service)->decide(policy, request(QStringLiteral("198.51.100.1"))).allowed);
        QVERIFY(events().isEmpty());

        QVERIFY(!(*service)->decide(policy, request(QStringLiteral("198.51.100.1"))).allowed);
        QVERIFY(!(*service)->decide(policy, request(QStringLiteral("198.51.100.2")), 3).allowed);
        const auto seen = events();
        QCOMPARE(seen.size(), 2);
        QCOMPARE(seen[0].type, monitor::EventType::RateLimited);
        QCOMPARE(seen[0].sourceAddress, QStringLiteral("198.51.100.1"));
        QCOMPARE(seen[0].keyId, QStringLiteral("key_abc"));
        QCOMPARE(seen[0].user, QStringLiteral("alice"));
        QCOMPARE(seen[0].route, QStringLiteral("POST /login"));
        QCOMPARE(seen[0].reason, QStringLiteral("limit_exceeded"));
        QCOMPARE(seen[0].instanceId, QStringLiteral("test-instance"));
        QVERIFY2(seen[0].detail.contains(u"policy 'login'"), qPrintable(seen[0].detail));
        QCOMPARE(seen[1].reason, QStringLiteral("exceeds_capacity"));
        QCOMPARE((*service)->storeDescription(), QStringLiteral("memory"));
    }

    void aRedisOutageIsReportedOnceEachWay()
    {
        auto redis = test::RedisServer::start();
        QVERIFY2(redis, test::why(redis));
        auto service = RateLimitService::open(*m_monitor, *m_clock, options((*redis)->url()));
        QVERIFY2(service, test::why(service));
        QVERIFY((*service)->usesRedis());
        const auto policy = twoPerMinute();
        QVERIFY((*service)->decide(policy, request(QStringLiteral("a"))).allowed);

        (*redis)->kill();
        for (int i = 0; i < 5; ++i) {
            const auto decision = (*service)->decide(policy, request(QStringLiteral("b")));
            QVERIFY(!decision.allowed);
            QVERIFY(decision.storeUnavailable);
        }
        auto seen = events();
        const auto degraded = std::count_if(seen.cbegin(), seen.cend(), [](const auto &event) {
            return event.type == monitor::EventType::StoreDegraded;
        });
        QCOMPARE(degraded, 1);
        const auto refused = std::count_if(seen.cbegin(), seen.cend(), [](const auto &event) {
            return event.type == monitor::EventType::RateLimited && event.reason == u"store_unavailable";
        });
        QCOMPARE(refused, 5);
        const auto degradedEvent = *std::find_if(seen.cbegin(), seen.cend(), [](const auto &event) {
            return event.type == monitor::EventType::StoreDegraded;
        });
        QVERIFY2(degradedEvent.detail.contains(u"refused (fail closed)"), qPrintable(degradedEvent.detail));

        QVERIFY2((*redis)->restart(), "restart");
        // The reconnect backoff runs on the injected clock: each try moves it past the longest wait.
        ratelimit::Decision decision;
        for (int tries = 0; tries < 100; ++tries) {
            m_clock->advance(10s);
            decision = (*service)->decide(policy, request(QStringLiteral("c")));
            if (!decision.storeUnavailable)
                break;
            QThread::msleep(50);
        }
        QVERIFY(!decision.storeUnavailable);
        QVERIFY(decision.allowed);
        seen = events();
        QCOMPARE(seen.back().type, monitor::EventType::StoreRecovered);
    }

    void forgivenKeysAreReported()
    {
        auto service = RateLimitService::open(*m_monitor, *m_clock, options({}, 64));
        QVERIFY2(service, test::why(service));
        const auto policy = twoPerMinute();
        for (int i = 0; i < 2000; ++i)
            (void)(*service)->decide(policy, request(QStringLiteral("10.0.%1.%2").arg(i / 256).arg(i % 256)));
        QVERIFY((*service)->memory().stats().evictedActive > 0);
        (*service)->purge();
        auto seen = events();
        QCOMPARE(seen.size(), 1);
        QCOMPARE(seen[0].type, monitor::EventType::SuspiciousRequest);
        QCOMPARE(seen[0].reason, QStringLiteral("rate_limit_keys_evicted"));
        (*service)->purge(); // nothing new was forgiven
        QCOMPARE(events().size(), 1);
    }

    void aBadRedisUrlIsRefused()
    {
        auto service = RateLimitService::open(*m_monitor, *m_clock, options(QStringLiteral("redis://:pw@")));
        QVERIFY(!service);
        QVERIFY(!service.error().detail().contains(u"pw"));
    }
};

QTEST_GUILESS_MAIN(TestRateLimitService)
#include "TestRateLimitService.moc"
