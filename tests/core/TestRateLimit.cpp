#include <QTest>

#include <atomic>
#include <memory>
#include <vector>

#include "FakeClock.h"
#include "RateLimitTesting.h"
#include "ResultText.h"
#include "ratelimit/Algorithms.h"
#include "ratelimit/MemoryRateLimitStore.h"
#include "ratelimit/RateLimitError.h"
#include "ratelimit/RateLimitHeaders.h"
#include "ratelimit/RateLimitPolicy.h"

using namespace portcullis;
using namespace portcullis::ratelimit;
using namespace std::chrono_literals;

Q_DECLARE_METATYPE(portcullis::ratelimit::RateLimitError)

namespace {

using test::addAlgorithmRows;
using test::runTogether;

RateLimitPolicy policy(Algorithm algorithm, qint64 limit, std::chrono::milliseconds window, qint64 burst = 0)
{
    return test::rateLimitPolicy(algorithm, limit, window, burst);
}

std::chrono::milliseconds ceilMs(std::chrono::nanoseconds duration)
{
    return std::chrono::ceil<std::chrono::milliseconds>(duration);
}

} // namespace

class TestRateLimit : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<test::FakeClock> m_clock;
    std::unique_ptr<MemoryRateLimitStore> m_store;

private Q_SLOTS:
    // A fresh clock and store for every test.
    void init()
    {
        m_clock = std::make_unique<test::FakeClock>();
        m_store = std::make_unique<MemoryRateLimitStore>(*m_clock);
    }

    void defaultsMatchTheReferenceSystem()
    {
        const RateLimitPolicy standard = RateLimitPolicy::defaultPolicy();
        QCOMPARE(standard.name(), u"default");
        QCOMPARE(standard.limit(), 1000);
        QCOMPARE(standard.window(), std::chrono::milliseconds(1h));
        const RateLimitPolicy registration = RateLimitPolicy::registrationPolicy();
        QCOMPARE(registration.name(), u"registration");
        QCOMPARE(registration.limit(), 10);
        QCOMPARE(registration.window(), std::chrono::milliseconds(1h));
    }

    void policyValidation_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<qint64>("limit");
        QTest::addColumn<qint64>("windowMs");
        QTest::addColumn<Algorithm>("algorithm");
        QTest::addColumn<qint64>("burst");
        QTest::addColumn<QList<KeyPart>>("countBy");
        QTest::addColumn<RateLimitError>("error");
        const QList<KeyPart> ip {KeyPart::SourceAddress};
        const auto counter = Algorithm::SlidingCounter;
        const auto bucket = Algorithm::TokenBucket;
        QTest::newRow("empty name") << QString() << 10LL << 1000LL << counter << 0LL << ip
                                    << RateLimitError::InvalidName;
        QTest::newRow("quote in name") << QStringLiteral("a\"b") << 10LL << 1000LL << counter << 0LL << ip
                                       << RateLimitError::InvalidName;
        QTest::newRow("long name") << QString(65, u'a') << 10LL << 1000LL << counter << 0LL << ip
                                   << RateLimitError::InvalidName;
        QTest::newRow("zero limit") << QStringLiteral("p") << 0LL << 1000LL << counter << 0LL << ip
                                    << RateLimitError::InvalidLimit;
        QTest::newRow("negative limit") << QStringLiteral("p") << -5LL << 1000LL << counter << 0LL << ip
                                        << RateLimitError::InvalidLimit;
        QTest::newRow("log limit too large") << QStringLiteral("p") << 100'001LL << 1000LL << Algorithm::SlidingLog
                                             << 0LL << ip << RateLimitError::InvalidLimit;
        QTest::newRow("window too short")
            << QStringLiteral("p") << 10LL << 999LL << counter << 0LL << ip << RateLimitError::InvalidWindow;
        QTest::newRow("window too long") << QStringLiteral("p") << 10LL << 32LL * 24 * 3600 * 1000 << counter << 0LL
                                         << ip << RateLimitError::InvalidWindow;
        QTest::newRow("negative burst") << QStringLiteral("p") << 10LL << 1000LL << bucket << -1LL << ip
                                        << RateLimitError::InvalidBurst;
        QTest::newRow("burst above limit")
            << QStringLiteral("p") << 10LL << 1000LL << bucket << 11LL << ip << RateLimitError::InvalidBurst;
        QTest::newRow("burst on a counter")
            << QStringLiteral("p") << 10LL << 1000LL << counter << 5LL << ip << RateLimitError::InvalidBurst;
        QTest::newRow("no key part") << QStringLiteral("p") << 10LL << 1000LL << counter << 0LL << QList<KeyPart>()
                                     << RateLimitError::InvalidCountBy;
        QTest::newRow("key part twice") << QStringLiteral("p") << 10LL << 1000LL << counter << 0LL
                                        << QList<KeyPart> {KeyPart::Route, KeyPart::ApiKeyId, KeyPart::Route}
                                        << RateLimitError::InvalidCountBy;
    }

    void policyValidation()
    {
        QFETCH(QString, name);
        QFETCH(qint64, limit);
        QFETCH(qint64, windowMs);
        QFETCH(Algorithm, algorithm);
        QFETCH(qint64, burst);
        QFETCH(QList<KeyPart>, countBy);
        QFETCH(RateLimitError, error);
        const auto created
            = RateLimitPolicy::create({name, limit, std::chrono::milliseconds(windowMs), algorithm, burst, countBy});
        QVERIFY(!created.has_value());
        QVERIFY2(created.error().is(error), qPrintable(created.error().toString()));
        QVERIFY(!created.error().detail().isEmpty());
    }

    void acceptsTheBounds()
    {
        auto smallest = RateLimitPolicy::create(
            {QStringLiteral("a.b_c-D9"), 1, 1s, Algorithm::TokenBucket, 1, {KeyPart::ApiKeyId, KeyPart::Route}});
        QVERIFY2(smallest.has_value(), test::why(smallest).constData());
        QCOMPARE(smallest->burst(), 1);
        auto largest = RateLimitPolicy::create({QString(64, u'x'),
                                                RateLimitPolicy::MAX_LOG_LIMIT,
                                                31 * 24h,
                                                Algorithm::SlidingLog,
                                                0,
                                                {KeyPart::Subject}});
        QVERIFY2(largest.has_value(), test::why(largest).constData());
        QCOMPARE(largest->burst(), RateLimitPolicy::MAX_LOG_LIMIT);
    }

    void keysCombinePartsUnambiguously()
    {
        const auto byKeyAndRoute
            = RateLimitPolicy::create(
                  {QStringLiteral("p"), 10, 1s, Algorithm::SlidingCounter, 0, {KeyPart::ApiKeyId, KeyPart::Route}})
                  .value();
        RequestParts a;
        a.sourceAddress = QStringLiteral("203.0.113.7");
        a.apiKeyId = QStringLiteral("k1|3:x");
        a.route = QStringLiteral("/v1");
        RequestParts b;
        b.apiKeyId = QStringLiteral("k1");
        b.route = QStringLiteral("x|3:/v1");
        QCOMPARE(byKeyAndRoute.keyFor(a), u"6:k1|3:x|3:/v1");
        QVERIFY(byKeyAndRoute.keyFor(a) != byKeyAndRoute.keyFor(b));
        QCOMPARE(RateLimitPolicy::defaultPolicy().keyFor(a), u"11:203.0.113.7");
    }

    void rendersHeadersForAnAllowedRequest()
    {
        const auto bucket
            = RateLimitPolicy::create(
                  {QStringLiteral("default"), 1000, 1h, Algorithm::TokenBucket, 0, {KeyPart::SourceAddress}})
                  .value();
        const Decision decision = m_store->decide(bucket, u"203.0.113.7");
        QVERIFY(decision.allowed);
        const qint64 nowSeconds = test::FakeClock::DEFAULT_START_MS / 1000;
        const QList<RateLimitHeaders::Header> expected {
            {"X-RateLimit-Limit", "1000"},
            {"X-RateLimit-Remaining", "999"},
            {"X-RateLimit-Reset", QByteArray::number(nowSeconds + 4)}, // one unit back after 3.6 s
            {"RateLimit-Policy", "\"default\";q=1000;w=3600"},
            {"RateLimit", "\"default\";r=999;t=4"},
        };
        QCOMPARE(RateLimitHeaders::render(bucket, decision, m_clock->now()), expected);
    }

    void rendersRetryAfterOnRefusal()
    {
        const auto registration
            = RateLimitPolicy::create(
                  {QStringLiteral("registration"), 10, 1h, Algorithm::TokenBucket, 2, {KeyPart::SourceAddress}})
                  .value();
        QVERIFY(m_store->decide(registration, u"a").allowed);
        QVERIFY(m_store->decide(registration, u"a").allowed);
        const Decision refused = m_store->decide(registration, u"a");
        QVERIFY(!refused.allowed);
        QCOMPARE(refused.remaining, 0);
        QCOMPARE(refused.retryAfter, std::chrono::nanoseconds(6min)); // one unit every 360 s
        const auto headers = RateLimitHeaders::render(registration, refused, m_clock->now());
        QCOMPARE(headers.size(), 6);
        QCOMPARE(headers.last(), RateLimitHeaders::Header("Retry-After", "360"));
        QCOMPARE(headers[3].second, "\"registration\";q=10;w=3600");
        QCOMPARE(headers[4].second, "\"registration\";r=0;t=720");
        Decision tiny;
        tiny.retryAfter = 1ns;
        QCOMPARE(RateLimitHeaders::retryAfterSeconds(tiny), 1);
    }

    void tokenBucketLetsExactlyTheBurstThrough()
    {
        const RateLimitPolicy bucket = policy(Algorithm::TokenBucket, 100, 1s, 5);
        std::atomic<int> passed {0};
        runTogether(15, [&](int) {
            if (m_store->decide(bucket, u"hot").allowed)
                passed.fetch_add(1);
        });
        QCOMPARE(passed.load(), 5);
    }

    void sustainedRateIsAccurate_data()
    {
        QTest::addColumn<Algorithm>("algorithm");
        QTest::addColumn<double>("tolerance");
        QTest::newRow("sliding log") << Algorithm::SlidingLog << 0.001;
        // The counter admits up to a unit less per window under steady pressure (the previous window still
        // weighs a little at the last millisecond): it is the approximate one.
        QTest::newRow("sliding counter") << Algorithm::SlidingCounter << 0.011;
        QTest::newRow("token bucket") << Algorithm::TokenBucket << 0.001;
    }

    // 1000 s of ten times the allowed rate, one request per millisecond: what passes is close to the ideal (the
    // rate times the duration, plus the burst for the token bucket).
    void sustainedRateIsAccurate()
    {
        QFETCH(Algorithm, algorithm);
        QFETCH(double, tolerance);
        const bool bucket = algorithm == Algorithm::TokenBucket;
        const RateLimitPolicy limited = policy(algorithm, 100, 1s, bucket ? 5 : 0);
        constexpr qint64 STEPS = 1'000'000;
        qint64 passed = 0;
        for (qint64 i = 0; i < STEPS; ++i) {
            passed += m_store->decide(limited, u"steady").allowed ? 1 : 0;
            m_clock->advance(1ms);
        }
        const double ideal = 100.0 * (STEPS / 1000) + (bucket ? 5 : 0);
        QVERIFY2(std::abs(double(passed) - ideal) <= ideal * tolerance,
                 qPrintable(QStringLiteral("%1 passed, ideal %2").arg(passed).arg(ideal)));
    }

    void refusesMoreThanTheBurstAlways_data() { addAlgorithmRows(); }

    void refusesMoreThanTheBurstAlways()
    {
        QFETCH(Algorithm, algorithm);
        const RateLimitPolicy limited = policy(algorithm, 10, 1s, algorithm == Algorithm::TokenBucket ? 5 : 0);
        for (int i = 0; i < 5; ++i) {
            const Decision decision = m_store->decide(limited, u"big", limited.burst() + 1);
            QVERIFY(!decision.allowed);
            QVERIFY(decision.exceedsCapacity);
            m_clock->advance(1h);
        }
        const Decision fits = m_store->decide(limited, u"big", limited.burst());
        QVERIFY(fits.allowed);
        QVERIFY(!fits.exceedsCapacity);
        QCOMPARE(fits.remaining, 0);
    }

    void retryAfterIsExact_data() { addAlgorithmRows(); }

    // A refused request passes once its retry-after has gone by, and not a millisecond earlier.
    void retryAfterIsExact()
    {
        QFETCH(Algorithm, algorithm);
        const RateLimitPolicy limited = policy(algorithm, 10, 1s);
        m_clock->advance(300ms);
        for (int round = 0; round < 30; ++round) {
            Decision decision;
            while ((decision = m_store->decide(limited, u"k", 3)).allowed)
                m_clock->advance(std::chrono::milliseconds(37 * (round % 4)));
            QVERIFY(decision.retryAfter > 0ns);
            QVERIFY(decision.resetAfter >= decision.retryAfter || algorithm == Algorithm::SlidingCounter);
            const auto wait = ceilMs(decision.retryAfter);
            m_clock->advance(wait - 1ms);
            QVERIFY2(!m_store->decide(limited, u"k", 3).allowed, qPrintable(QString::number(round)));
            m_clock->advance(1ms);
            QVERIFY2(m_store->decide(limited, u"k", 3).allowed, qPrintable(QString::number(round)));
        }
    }

    // Bursts around window boundaries; the sliding log never has more than the limit in any window.
    void slidingLogNeverExceedsTheLimit()
    {
        const RateLimitPolicy log = policy(Algorithm::SlidingLog, 10, 1s);
        std::vector<qint64> passedAt;
        const auto burst = [&] {
            for (int i = 0; i < 10; ++i) {
                if (m_store->decide(log, u"k").allowed)
                    passedAt.push_back(m_clock->steadyNow().time_since_epoch() / 1ms);
            }
        };
        m_clock->advance(999ms);
        burst();
        QCOMPARE(passedAt.size(), 10u);
        m_clock->advance(2ms);
        burst();
        QCOMPARE(passedAt.size(), 10u);
        for (int i = 0; i < 5000; ++i) {
            m_clock->advance(std::chrono::milliseconds(1 + (i * 7919) % 13));
            if (i % 50 == 0)
                burst();
            else if (m_store->decide(log, u"k").allowed)
                passedAt.push_back(m_clock->steadyNow().time_since_epoch() / 1ms);
        }
        for (std::size_t i = 0; i < passedAt.size(); ++i) {
            std::size_t inWindow = 0;
            for (std::size_t j = i; j < passedAt.size() && passedAt[j] < passedAt[i] + 1000; ++j)
                ++inWindow;
            QVERIFY2(inWindow <= 10,
                     qPrintable(QStringLiteral("%1 in the window from %2 ms").arg(inWindow).arg(passedAt[i])));
        }
    }

    void slidingCounterBoundaryBurst()
    {
        const RateLimitPolicy counter = policy(Algorithm::SlidingCounter, 10, 1s);
        const auto burst = [&] {
            int passed = 0;
            for (int i = 0; i < 10; ++i)
                passed += m_store->decide(counter, u"k").allowed ? 1 : 0;
            return passed;
        };
        m_clock->advance(999ms);
        const int before = burst();
        m_clock->advance(2ms);
        const int after = burst();
        QCOMPARE(before, 10);
        QVERIFY2(before + after < 2 * 10, qPrintable(QString::number(before + after)));
        QCOMPARE(after, 0);
        // Half-way through the next window, the previous window weighs half: five more.
        m_clock->advance(499ms);
        QCOMPARE(burst(), 5);
    }

    void slidingLogMemoryIsBoundedByTheLimit()
    {
        const RateLimitPolicy log = policy(Algorithm::SlidingLog, 1000, 1s);
        KeyState state;
        qint64 now = 0;
        for (int i = 0; i < 100'000; ++i) {
            (void)decide(log, state, now, 1 + i % 3);
            now += 100'000; // 0.1 ms
        }
        QVERIFY(state.log.size() <= 1000);
        QVERIFY(state.log.capacity() <= 1000);
    }

    void noUpdateIsLost_data() { addAlgorithmRows(); }

    // Eight threads on one key: exactly the limit passes, and the count afterwards is exact.
    void noUpdateIsLost()
    {
        QFETCH(Algorithm, algorithm);
        const RateLimitPolicy limited = policy(algorithm, 50'000, 1h);
        std::atomic<qint64> passed {0};
        runTogether(8, [&](int) {
            qint64 mine = 0;
            for (int i = 0; i < 10'000; ++i)
                mine += m_store->decide(limited, u"hot").allowed ? 1 : 0;
            passed.fetch_add(mine);
        });
        QCOMPARE(passed.load(), 50'000);
        QCOMPARE(m_store->decide(limited, u"hot").remaining, 0);

        const RateLimitPolicy roomy = policy(algorithm, 100'000, 1h);
        runTogether(8, [&](int) {
            for (int i = 0; i < 10'000; ++i)
                (void)m_store->decide(roomy, u"hot2");
        });
        const Decision last = m_store->decide(roomy, u"hot2");
        QVERIFY(last.allowed);
        QCOMPARE(last.remaining, 100'000 - 80'001);
    }

    void policiesKeepSeparateCounts()
    {
        const RateLimitPolicy one = policy(Algorithm::SlidingCounter, 1, 1min);
        const RateLimitPolicy other = RateLimitPolicy::registrationPolicy();
        QVERIFY(m_store->decide(one, u"k").allowed);
        QVERIFY(!m_store->decide(one, u"k").allowed);
        QCOMPARE(m_store->decide(other, u"k").remaining, 9);
        QCOMPARE(m_store->size(), 2u);
        QVERIFY(m_store->forget(one, u"k"));
        QVERIFY(!m_store->forget(one, u"k"));
        QVERIFY(m_store->decide(one, u"k").allowed);
    }

    void recoveredKeysAreDropped_data() { addAlgorithmRows(); }

    void recoveredKeysAreDropped()
    {
        QFETCH(Algorithm, algorithm);
        const RateLimitPolicy limited = policy(algorithm, 5, 1s);
        for (int i = 0; i < 1000; ++i)
            (void)m_store->decide(limited, QString::number(i));
        QCOMPARE(m_store->size(), 1000u);
        QCOMPARE(m_store->purgeIdle(), 0u);
        m_clock->advance(2001ms);
        QCOMPARE(m_store->purgeIdle(), 1000u);
        QCOMPARE(m_store->size(), 0u);
        QCOMPARE(m_store->stats().evictedIdle, 1000);
        QCOMPARE(m_store->stats().evictedActive, 0);
    }

    // One million distinct keys through a store bounded at 4096: the size never passes the bound.
    void evictionKeepsMemoryBounded()
    {
        m_store = std::make_unique<MemoryRateLimitStore>(*m_clock, 4096);
        const RateLimitPolicy limited = RateLimitPolicy::defaultPolicy();
        QCOMPARE(m_store->maxKeys(), 4096u);
        constexpr int KEYS = 1'000'000;
        for (int i = 0; i < KEYS; ++i) {
            QVERIFY(m_store->decide(limited, QString::number(i)).allowed);
            if (i % 100'000 == 0)
                QVERIFY(m_store->size() <= m_store->maxKeys());
        }
        const auto stats = m_store->stats();
        QVERIFY(stats.keys <= m_store->maxKeys());
        QCOMPARE(qint64(stats.keys) + stats.evictedActive + stats.evictedIdle, qint64(KEYS));
        // The most recent key is still counted.
        QCOMPARE(m_store->decide(limited, QString::number(KEYS - 1)).remaining, 998);
    }
};

QTEST_GUILESS_MAIN(TestRateLimit)
#include "TestRateLimit.moc"
