#include <QTest>

#include "ResultText.h"
#include "ratelimit/RateLimitError.h"
#include "ratelimit/RateLimitPolicy.h"

using namespace portcullis;
using namespace portcullis::ratelimit;
using namespace std::chrono_literals;

Q_DECLARE_METATYPE(portcullis::ratelimit::Algorithm)
Q_DECLARE_METATYPE(portcullis::ratelimit::RateLimitError)

class TestRateLimit : public QObject
{
    Q_OBJECT

private Q_SLOTS:
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
};

QTEST_GUILESS_MAIN(TestRateLimit)
#include "TestRateLimit.moc"
