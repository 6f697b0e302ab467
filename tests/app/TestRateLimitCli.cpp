// `portcullis-cli ratelimit …` as scripts use it: the policy list, exit codes for allowed and refused, JSON with
// the response headers a server would send, and bad input.

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include "CliRun.h"
#include "RedisServer.h"
#include "ResultText.h"
#include "TempDir.h"

using namespace portcullis;
using test::CliRun;

class TestRateLimitCli : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<test::TempDir> m_dir;

    CliRun ratelimit(const QStringList &arguments) const
    {
        return test::runCli(QStringList {QStringLiteral("--workspace"), m_dir->filePath(QStringLiteral("ws")),
                                         QStringLiteral("ratelimit")}
                            + arguments);
    }

private Q_SLOTS:
    void init() { m_dir = std::make_unique<test::TempDir>(); }

    void listsThePolicies()
    {
        const CliRun run = ratelimit({QStringLiteral("policies"), QStringLiteral("--json")});
        QCOMPARE(run.exitCode, 0);
        const QJsonArray policies = QJsonDocument::fromJson(run.out).array();
        QCOMPARE(policies.size(), 2);
        QCOMPARE(policies[0][u"name"].toString(), QStringLiteral("default"));
        QCOMPARE(policies[0][u"limit"].toInt(), 1000);
        QCOMPARE(policies[0][u"window_ms"].toInt(), 3'600'000);
        QCOMPARE(policies[1][u"name"].toString(), QStringLiteral("registration"));
        QCOMPARE(policies[1][u"limit"].toInt(), 10);

        const CliRun text = ratelimit({QStringLiteral("policies")});
        QCOMPARE(text.exitCode, 0);
        QVERIFY(text.out.contains("registration   10 per 1h, sliding counter, by source address"));
    }

    void checkAllowsAndPrintsTheHeaders()
    {
        const CliRun run
            = ratelimit({QStringLiteral("check"), QStringLiteral("--policy"), QStringLiteral("default"),
                         QStringLiteral("--key"), QStringLiteral("203.0.113.7"), QStringLiteral("--json")});
        QCOMPARE(run.exitCode, 0);
        const QJsonObject decision = QJsonDocument::fromJson(run.out).object();
        QCOMPARE(decision[u"allowed"].toBool(), true);
        QCOMPARE(decision[u"limit"].toInt(), 1000);
        QCOMPARE(decision[u"remaining"].toInt(), 999);
        const QJsonObject headers = decision[u"headers"].toObject();
        QCOMPARE(headers[u"X-RateLimit-Remaining"].toString(), QStringLiteral("999"));
        QCOMPARE(headers[u"RateLimit-Policy"].toString(), QStringLiteral("\"default\";q=1000;w=3600"));
        QVERIFY(!headers.contains(u"Retry-After"));
    }

    void checkRefusesWhatExceedsThePolicy()
    {
        const CliRun run = ratelimit({QStringLiteral("check"), QStringLiteral("--policy"),
                                      QStringLiteral("registration"), QStringLiteral("--key"),
                                      QStringLiteral("203.0.113.7"), QStringLiteral("--cost"), QStringLiteral("11")});
        QCOMPARE(run.exitCode, 1);
        QVERIFY(run.out.startsWith("refused"));
        QVERIFY(run.out.contains("retrying will not help"));
    }

    void redisSharesCountsBetweenProcesses()
    {
        auto redis = test::RedisServer::start({QStringLiteral("cli-pass-123")});
        QVERIFY2(redis, test::why(redis));
        const QString url = QStringLiteral("redis://:cli-pass-123@127.0.0.1:%1").arg((*redis)->port());
        const QStringList check {QStringLiteral("--redis"),   url,
                                 QStringLiteral("ratelimit"), QStringLiteral("check"),
                                 QStringLiteral("--policy"),  QStringLiteral("registration"),
                                 QStringLiteral("--key"),     QStringLiteral("198.51.100.4"),
                                 QStringLiteral("--json")};
        for (int i = 1; i <= 10; ++i) {
            const CliRun run = test::runCli(check);
            QCOMPARE(run.exitCode, 0);
            const QJsonObject decision = QJsonDocument::fromJson(run.out).object();
            QCOMPARE(decision[u"remaining"].toInt(), 10 - i);
            QCOMPARE(decision[u"store"].toString(), QStringLiteral("redis://127.0.0.1:%1/0").arg((*redis)->port()));
        }
        const CliRun refused = test::runCli(check);
        QCOMPARE(refused.exitCode, 1);
        const QJsonObject decision = QJsonDocument::fromJson(refused.out).object();
        QCOMPARE(decision[u"allowed"].toBool(), false);
        QCOMPARE(decision[u"store_unavailable"].toBool(), false);
        QVERIFY(decision[u"retry_after_ms"].toInteger() > 0);
        QVERIFY(!refused.out.contains("cli-pass-123"));
        QVERIFY(!refused.err.contains("cli-pass-123"));
    }

    void anUnreachableRedisRefuses()
    {
        auto redis = test::RedisServer::start({QStringLiteral("cli-pass-123")});
        QVERIFY2(redis, test::why(redis));
        const QString wrong = QStringLiteral("redis://:not-the-password@127.0.0.1:%1").arg((*redis)->port());
        const CliRun run = test::runCli({QStringLiteral("--redis"), wrong, QStringLiteral("ratelimit"),
                                         QStringLiteral("check"), QStringLiteral("--policy"), QStringLiteral("default"),
                                         QStringLiteral("--key"), QStringLiteral("k"), QStringLiteral("--json")});
        QCOMPARE(run.exitCode, 1);
        QCOMPARE(QJsonDocument::fromJson(run.out).object()[u"store_unavailable"].toBool(), true);
        QVERIFY2(run.err.contains("check the user name and password"), run.err.constData());
        QVERIFY(!run.err.contains("not-the-password"));

        (*redis)->kill();
        const CliRun down = test::runCli({QStringLiteral("--redis"), (*redis)->url(), QStringLiteral("ratelimit"),
                                          QStringLiteral("check"), QStringLiteral("--policy"),
                                          QStringLiteral("default"), QStringLiteral("--key"), QStringLiteral("k")});
        QCOMPARE(down.exitCode, 1);
        QVERIFY2(down.err.contains("cannot connect"), down.err.constData());
        QVERIFY(down.out.contains("the counter store is unavailable"));
    }

    void badInputIsAUsageError_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QByteArray>("message");
        const QString check = QStringLiteral("check");
        const QString policy = QStringLiteral("--policy");
        const QString key = QStringLiteral("--key");
        QTest::newRow("no subcommand") << QStringList {} << QByteArray("needs a subcommand");
        QTest::newRow("unknown policy") << QStringList {check, policy, QStringLiteral("nope"), key, QStringLiteral("k")}
                                        << QByteArray("no rate-limit policy is named 'nope'");
        QTest::newRow("no key") << QStringList {check, policy, QStringLiteral("default")}
                                << QByteArray("counts by source address: give 1 --key");
        QTest::newRow("two keys") << QStringList {check,
                                                  policy,
                                                  QStringLiteral("default"),
                                                  key,
                                                  QStringLiteral("a"),
                                                  key,
                                                  QStringLiteral("b")}
                                  << QByteArray("give 1 --key");
        QTest::newRow("bad cost") << QStringList {check,
                                                  policy,
                                                  QStringLiteral("default"),
                                                  key,
                                                  QStringLiteral("a"),
                                                  QStringLiteral("--cost"),
                                                  QStringLiteral("0")}
                                  << QByteArray("--cost takes a whole number");
        QTest::newRow("bad redis URL") << QStringList {check, policy, QStringLiteral("default"), key,
                                                       QStringLiteral("a")}
                                       << QByteArray("--redis: The Redis URL must start with");
        QTest::newRow("long key") << QStringList {check, policy, QStringLiteral("default"), key, QString(2000, u'x')}
                                  << QByteArray("1 to 1024 characters");
    }

    void badInputIsAUsageError()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QByteArray, message);
        const QStringList redis = QTest::currentDataTag() == QByteArray("bad redis URL")
            ? QStringList {QStringLiteral("--redis"), QStringLiteral("http://127.0.0.1:1")}
            : QStringList {};
        const CliRun run
            = test::runCli(redis
                           + QStringList {QStringLiteral("--workspace"), m_dir->filePath(QStringLiteral("ws")),
                                          QStringLiteral("ratelimit")}
                           + arguments);
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains(message), run.err.constData());
        QVERIFY(run.out.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestRateLimitCli)
#include "TestRateLimitCli.moc"
