// `portcullis-cli monitor …` as operators and scripts use it: events written by other commands read back with tail
// (filters, JSON Lines, follow), exported to CSV and JSON Lines, and lockouts listed and lifted, with the unlock
// itself logged.

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include "CliRun.h"
#include "RedisServer.h"
#include "ResultText.h"
#include "TempDir.h"
#include "common/Clock.h"
#include "monitor/FailedAuthTracker.h"
#include "store/Database.h"
#include "store/DatabaseLocation.h"

using namespace portcullis;
using test::CliRun;

namespace {

const QByteArray BAD_KEY = "pcl_live_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

QList<QJsonObject> jsonLines(const QByteArray &text)
{
    QList<QJsonObject> objects;
    for (const QByteArray &line : text.split('\n')) {
        if (!line.isEmpty())
            objects += QJsonDocument::fromJson(line).object();
    }
    return objects;
}

} // namespace

class TestMonitorCli : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<test::TempDir> m_dir;

    QStringList globals() const
    {
        return {QStringLiteral("--workspace"), m_dir->filePath(QStringLiteral("ws")), QStringLiteral("--secrets"),
                u"file:" % m_dir->filePath(QStringLiteral("secrets"))};
    }

    CliRun cli(const QStringList &arguments) const { return test::runCli(globals() + arguments); }

    QString createKey()
    {
        const CliRun created = cli({QStringLiteral("keys"), QStringLiteral("create"), QStringLiteral("--name"),
                                    QStringLiteral("monitored"), QStringLiteral("--json")});
        return QJsonDocument::fromJson(created.out).object()[u"id"].toString();
    }

    void verifyBadKey()
    {
        const CliRun run = test::runCli(
            globals() + QStringList {QStringLiteral("keys"), QStringLiteral("verify"), QStringLiteral("-")}, BAD_KEY);
        QCOMPARE(run.exitCode, 1);
    }

    // Locks the user `subject` the way a server's tracker would, in this process, on the workspace's store.
    void lockUser(const QString &subject)
    {
        auto database = store::Database::open(
            store::DatabaseLocation::sqliteFile(m_dir->filePath(QStringLiteral("ws/portcullis.db"))));
        QVERIFY2(database, test::why(database));
        monitor::FailedAuthTracker::Options options;
        options.identifierPolicy.maxFailures = 3;
        options.identifierPolicy.quickLoginCheck = std::chrono::milliseconds(0); // three failures at once
        options.flushInterval = std::chrono::milliseconds(0);
        const SystemClock clock;
        auto tracker = monitor::FailedAuthTracker::open(*database, clock, {}, options);
        QVERIFY2(tracker, test::why(tracker));
        monitor::AuthSubjects subjects;
        subjects.user = subject;
        subjects.sourceAddress = QStringLiteral("203.0.113.9");
        for (int i = 0; i < 3; ++i)
            (*tracker)->recordFailure(subjects, QStringLiteral("bad_password"));
        QVERIFY(!(*tracker)->check(subjects).allowed());
        QVERIFY2((*tracker)->flush(), "flush");
    }

private Q_SLOTS:
    void init() { m_dir = std::make_unique<test::TempDir>(); }

    void tailShowsWhatOtherCommandsDid()
    {
        const QString keyId = createKey();
        QVERIFY(!keyId.isEmpty());
        verifyBadKey();

        const CliRun text = cli({QStringLiteral("monitor"), QStringLiteral("tail")});
        QCOMPARE(text.exitCode, 0);
        QVERIFY2(text.out.contains("key_issued"), text.out.constData());
        QVERIFY(text.out.contains("failed_auth"));
        QVERIFY(text.out.contains("reason=bad_checksum"));
        QVERIFY(!text.out.contains(BAD_KEY));

        const CliRun json = cli({QStringLiteral("monitor"), QStringLiteral("tail"), QStringLiteral("--json")});
        const QList<QJsonObject> events = jsonLines(json.out);
        QCOMPARE(events.size(), 2);
        QCOMPARE(events[0][u"type"].toString(), QStringLiteral("key_issued"));
        QCOMPARE(events[0][u"key_id"].toString(), keyId);
        QCOMPARE(events[1][u"type"].toString(), QStringLiteral("failed_auth"));

        const CliRun byType = cli({QStringLiteral("monitor"), QStringLiteral("tail"), QStringLiteral("--type"),
                                   QStringLiteral("failed_auth"), QStringLiteral("--json")});
        QCOMPARE(jsonLines(byType.out).size(), 1);
        const CliRun bySubject = cli({QStringLiteral("monitor"), QStringLiteral("tail"), QStringLiteral("--subject"),
                                      keyId, QStringLiteral("--json")});
        QCOMPARE(jsonLines(bySubject.out).size(), 1);
        QCOMPARE(jsonLines(bySubject.out)[0][u"key_id"].toString(), keyId);
        const CliRun lastOne = cli({QStringLiteral("monitor"), QStringLiteral("tail"), QStringLiteral("--lines"),
                                    QStringLiteral("1"), QStringLiteral("--json")});
        QCOMPARE(jsonLines(lastOne.out).size(), 1);
        QCOMPARE(jsonLines(lastOne.out)[0][u"type"].toString(), QStringLiteral("failed_auth"));
        const CliRun future = cli({QStringLiteral("monitor"), QStringLiteral("tail"), QStringLiteral("--since"),
                                   QStringLiteral("2099-01-01T00:00:00Z")});
        QCOMPARE(future.exitCode, 0);
        QVERIFY(future.out.isEmpty());
    }

    void followPrintsNewEventsAsTheyAreWritten()
    {
        createKey();
        QProcess follower;
        follower.start(QStringLiteral(PORTCULLIS_BIN_DIR "/portcullis-cli"),
                       globals()
                           + QStringList {QStringLiteral("monitor"), QStringLiteral("tail"), QStringLiteral("--follow"),
                                          QStringLiteral("--json"), QStringLiteral("--type"),
                                          QStringLiteral("failed_auth")});
        QVERIFY(follower.waitForStarted());
        QTest::qWait(1500); // it has read the log once and is following
        QCOMPARE(follower.state(), QProcess::Running);
        QVERIFY(follower.readAllStandardOutput().isEmpty()); // the key_issued event does not match --type

        verifyBadKey();
        QByteArray out;
        QTRY_VERIFY_WITH_TIMEOUT((out += follower.readAllStandardOutput()).contains('\n'), 10000);
        const QList<QJsonObject> events = jsonLines(out);
        QCOMPARE(events.size(), 1);
        QCOMPARE(events[0][u"type"].toString(), QStringLiteral("failed_auth"));
        follower.kill();
        follower.waitForFinished();
    }

    void streamShowsEventsFromEveryInstance()
    {
        auto redis = test::RedisServer::start();
        QVERIFY2(redis, test::why(redis));
        const QStringList viaRedis {QStringLiteral("--redis"), (*redis)->url()};
        QProcess follower;
        follower.start(QStringLiteral(PORTCULLIS_BIN_DIR "/portcullis-cli"),
                       viaRedis
                           + QStringList {QStringLiteral("monitor"), QStringLiteral("tail"), QStringLiteral("--stream"),
                                          QStringLiteral("--json")});
        QVERIFY(follower.waitForStarted());
        QByteArray err; // accumulated: QTRY_VERIFY evaluates its expression once more after it holds
        QTRY_VERIFY_WITH_TIMEOUT((err += follower.readAllStandardError()).contains("reading the event stream"), 10000);

        // Two workspaces, as two instances would be, both publishing to the same stream.
        const CliRun created = test::runCli(viaRedis + globals()
                                            + QStringList {QStringLiteral("keys"), QStringLiteral("create"),
                                                           QStringLiteral("--name"), QStringLiteral("a")});
        QCOMPARE(created.exitCode, 0);
        const QString other = m_dir->filePath(QStringLiteral("other"));
        const CliRun refused
            = test::runCli(viaRedis
                               + QStringList {QStringLiteral("--workspace"), other, QStringLiteral("--secrets"),
                                              u"file:" % other % u".secrets", QStringLiteral("keys"),
                                              QStringLiteral("verify"), QStringLiteral("-")},
                           BAD_KEY);
        QCOMPARE(refused.exitCode, 1);

        QByteArray out;
        QTRY_VERIFY_WITH_TIMEOUT((out += follower.readAllStandardOutput()).count('\n') >= 2, 10000);
        const QList<QJsonObject> events = jsonLines(out);
        QCOMPARE(events.size(), 2);
        QCOMPARE(events[0][u"type"].toString(), QStringLiteral("key_issued"));
        QCOMPARE(events[1][u"type"].toString(), QStringLiteral("failed_auth"));
        QVERIFY(events[0][u"instance"].toString() != events[1][u"instance"].toString());
        follower.kill();
        follower.waitForFinished();
    }

    void exportsCsvAndJsonLines()
    {
        createKey();
        verifyBadKey();
        const QString csvPath = m_dir->filePath(QStringLiteral("events.csv"));
        const CliRun csv = cli({QStringLiteral("monitor"), QStringLiteral("export"), QStringLiteral("--format"),
                                QStringLiteral("csv"), QStringLiteral("--out"), csvPath});
        QCOMPARE(csv.exitCode, 0);
        QVERIFY(csv.err.contains("wrote 2 events"));
        QFile file(csvPath);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.permissions() & (QFileDevice::ReadOther | QFileDevice::ReadGroup), QFileDevice::Permissions());
        const QList<QByteArray> rows = file.readAll().split('\n');
        QCOMPARE(rows.value(0),
                 QByteArray("time,type,severity,source,key_id,client_id,user,reason,route,detail,instance\r"));
        QVERIFY(rows.value(1).contains(",key_issued,info,"));
        QVERIFY(rows.value(2).contains(",failed_auth,notice,"));

        const CliRun jsonl = cli({QStringLiteral("monitor"), QStringLiteral("export"), QStringLiteral("--format"),
                                  QStringLiteral("jsonl"), QStringLiteral("--until"), QStringLiteral("2000-01-01")});
        QCOMPARE(jsonl.exitCode, 0);
        QVERIFY(jsonl.out.isEmpty());
        const CliRun all = cli({QStringLiteral("monitor"), QStringLiteral("export"), QStringLiteral("--format"),
                                QStringLiteral("jsonl"), QStringLiteral("--since"), QStringLiteral("1h")});
        QCOMPARE(jsonLines(all.out).size(), 2);
    }

    void listsAndLiftsLockouts()
    {
        createKey(); // creates the workspace
        lockUser(QStringLiteral("mallory"));

        const CliRun listed = cli({QStringLiteral("monitor"), QStringLiteral("lockouts"), QStringLiteral("--json")});
        QCOMPARE(listed.exitCode, 0);
        const QJsonArray locks = QJsonDocument::fromJson(listed.out).array();
        QCOMPARE(locks.size(), 1);
        QCOMPARE(locks[0][u"kind"].toString(), QStringLiteral("user"));
        QCOMPARE(locks[0][u"subject"].toString(), QStringLiteral("mallory"));
        QCOMPARE(locks[0][u"failures"].toInt(), 3);
        QCOMPARE(locks[0][u"last_source"].toString(), QStringLiteral("203.0.113.9"));
        QVERIFY(cli({QStringLiteral("monitor"), QStringLiteral("lockouts")}).out.contains("mallory"));

        const CliRun unlocked = cli({QStringLiteral("monitor"), QStringLiteral("unlock"), QStringLiteral("mallory")});
        QCOMPARE(unlocked.exitCode, 0);
        QVERIFY(unlocked.out.contains("Unlocked user mallory."));
        QCOMPARE(cli({QStringLiteral("monitor"), QStringLiteral("lockouts")}).out, QByteArray("Nothing is locked.\n"));
        const CliRun again = cli({QStringLiteral("monitor"), QStringLiteral("unlock"), QStringLiteral("mallory")});
        QCOMPARE(again.exitCode, 1);
        QVERIFY(again.err.contains("nothing named 'mallory' is locked"));

        const CliRun unlockEvents = cli({QStringLiteral("monitor"), QStringLiteral("tail"), QStringLiteral("--type"),
                                         QStringLiteral("unlock"), QStringLiteral("--json")});
        const QList<QJsonObject> events = jsonLines(unlockEvents.out);
        QCOMPARE(events.size(), 1);
        QCOMPARE(events[0][u"user"].toString(), QStringLiteral("mallory"));
        QCOMPARE(events[0][u"reason"].toString(), QStringLiteral("operator"));
    }

    void alertRulesCanBeReplacedAndReset()
    {
        createKey();
        const CliRun defaults = cli({QStringLiteral("monitor"), QStringLiteral("rules"), QStringLiteral("--json")});
        QCOMPARE(defaults.exitCode, 0);
        QByteArray config = defaults.out;
        QVERIFY(config.contains("\"threshold\": 5"));
        config.replace("\"threshold\": 5", "\"threshold\": 3");
        const QString path = m_dir->filePath(QStringLiteral("rules.json"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(config);
        file.close();
        const CliRun set = cli({QStringLiteral("monitor"), QStringLiteral("rules"), QStringLiteral("set"), path});
        QCOMPARE(set.exitCode, 0);
        const CliRun listed = cli({QStringLiteral("monitor"), QStringLiteral("rules")});
        QVERIFY2(listed.out.contains("failed-auth-burst: 3 failed_auth events within 1 h per identifier"),
                 listed.out.constData());
        QVERIFY(listed.out.startsWith("Alert rules:"));

        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write(R"([{"name": "x", "types": ["failed_auth"], "treshold": 2}])");
        file.close();
        const CliRun bad = cli({QStringLiteral("monitor"), QStringLiteral("rules"), QStringLiteral("set"), path});
        QCOMPARE(bad.exitCode, 2);
        QVERIFY2(bad.err.contains("treshold"), bad.err.constData());
        QVERIFY(cli({QStringLiteral("monitor"), QStringLiteral("rules")}).out.contains("3 failed_auth events"));

        QCOMPARE(cli({QStringLiteral("monitor"), QStringLiteral("rules"), QStringLiteral("reset")}).exitCode, 0);
        QVERIFY(cli({QStringLiteral("monitor"), QStringLiteral("rules")}).out.startsWith("Default alert rules:"));
        const CliRun changes = cli({QStringLiteral("monitor"), QStringLiteral("tail"), QStringLiteral("--type"),
                                    QStringLiteral("config_changed"), QStringLiteral("--json")});
        QCOMPARE(jsonLines(changes.out).size(), 2); // set and reset; the refused file changed nothing
    }

    void webhookIsKeptSecretAndTested()
    {
        createKey();
        // A local receiver, as a relay on this machine would be: it answers 204 and keeps what it got.
        QTcpServer receiver;
        QVERIFY(receiver.listen(QHostAddress::LocalHost));
        QByteArray received;
        connect(&receiver, &QTcpServer::newConnection, this, [&] {
            QTcpSocket *socket = receiver.nextPendingConnection();
            connect(socket, &QTcpSocket::readyRead, socket, [socket, &received] {
                received += socket->readAll();
                if (received.contains("\r\n\r\n") && received.contains("}")) {
                    socket->write("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                    socket->disconnectFromHost();
                }
            });
        });
        const QByteArray url = "http://127.0.0.1:" + QByteArray::number(receiver.serverPort()) + "/hooks/T0K3N-s3cr3t";
        const CliRun set = test::runCli(globals()
                                            + QStringList {QStringLiteral("monitor"), QStringLiteral("webhook"),
                                                           QStringLiteral("set"), QStringLiteral("-")},
                                        url);
        QCOMPARE(set.exitCode, 0);
        QVERIFY(!set.out.contains("T0K3N"));
        const CliRun shown = cli({QStringLiteral("monitor"), QStringLiteral("webhook"), QStringLiteral("show")});
        QVERIFY(shown.out.contains("Webhook: http://127.0.0.1:"));
        QVERIFY(!shown.out.contains("T0K3N"));

        QProcess tester;
        tester.start(QStringLiteral(PORTCULLIS_BIN_DIR "/portcullis-cli"),
                     globals()
                         + QStringList {QStringLiteral("monitor"), QStringLiteral("webhook"), QStringLiteral("test"),
                                        QStringLiteral("--timeout"), QStringLiteral("20")});
        QTRY_COMPARE_WITH_TIMEOUT(tester.state(), QProcess::NotRunning, 30000);
        QCOMPARE(tester.exitCode(), 0);
        QVERIFY(tester.readAllStandardOutput().contains("The test alert reached"));
        QVERIFY2(received.startsWith("POST /hooks/T0K3N-s3cr3t HTTP/1.1"), received.constData());
        QVERIFY(received.contains("\"rule\":\"webhook-test\""));

        QFile database(m_dir->filePath(QStringLiteral("ws/portcullis.db")));
        QVERIFY(database.open(QIODevice::ReadOnly));
        QVERIFY(!database.readAll().contains("T0K3N")); // the URL lives in the secret store only

        QCOMPARE(cli({QStringLiteral("monitor"), QStringLiteral("webhook"), QStringLiteral("remove")}).exitCode, 0);
        const CliRun none = cli({QStringLiteral("monitor"), QStringLiteral("webhook"), QStringLiteral("test")});
        QCOMPARE(none.exitCode, 1);
        QVERIFY(none.err.contains("no webhook is set"));
    }

    void badInputIsAUsageError_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QByteArray>("message");
        const QString tail = QStringLiteral("tail");
        QTest::newRow("no subcommand") << QStringList {} << QByteArray("needs a subcommand");
        QTest::newRow("unknown") << QStringList {QStringLiteral("watch")} << QByteArray("unknown monitor subcommand");
        QTest::newRow("bad type") << QStringList {tail, QStringLiteral("--type"), QStringLiteral("x")}
                                  << QByteArray("unknown event type 'x'");
        QTest::newRow("bad since") << QStringList {tail, QStringLiteral("--since"), QStringLiteral("yesterday")}
                                   << QByteArray("--since takes a time");
        QTest::newRow("local time") << QStringList {tail, QStringLiteral("--since"),
                                                    QStringLiteral("2026-11-29T08:00:00")}
                                    << QByteArray("--since takes a time");
        QTest::newRow("lines and since") << QStringList {tail, QStringLiteral("--lines"), QStringLiteral("5"),
                                                         QStringLiteral("--since"), QStringLiteral("1h")}
                                         << QByteArray("not both");
        QTest::newRow("zero lines") << QStringList {tail, QStringLiteral("--lines"), QStringLiteral("0")}
                                    << QByteArray("--lines takes a number");
        QTest::newRow("stream without redis") << QStringList {tail, QStringLiteral("--stream")}
                                              << QByteArray("--stream reads from Redis: give --redis URL");
        QTest::newRow("plain http webhook") << QStringList {QStringLiteral("webhook"), QStringLiteral("set"),
                                                            QStringLiteral("http://alerts.example.com/hook")}
                                            << QByteArray("uses plain http to another machine");
        QTest::newRow("webhook without url")
            << QStringList {QStringLiteral("webhook"), QStringLiteral("set")} << QByteArray("give the webhook URL");
        QTest::newRow("rules file missing")
            << QStringList {QStringLiteral("rules"), QStringLiteral("set"), QStringLiteral("/nonexistent/rules.json")}
            << QByteArray("/nonexistent/rules.json");
        QTest::newRow("bad format") << QStringList {QStringLiteral("export"), QStringLiteral("--format"),
                                                    QStringLiteral("xml")}
                                    << QByteArray("--format takes jsonl or csv");
        QTest::newRow("empty range") << QStringList {QStringLiteral("export"),     QStringLiteral("--format"),
                                                     QStringLiteral("csv"),        QStringLiteral("--since"),
                                                     QStringLiteral("2026-01-02"), QStringLiteral("--until"),
                                                     QStringLiteral("2026-01-01")}
                                     << QByteArray("--until must be later than --since");
        QTest::newRow("no subject") << QStringList {QStringLiteral("unlock")} << QByteArray("give the one subject");
        QTest::newRow("bad kind") << QStringList {QStringLiteral("unlock"), QStringLiteral("bob"),
                                                  QStringLiteral("--kind"), QStringLiteral("group")}
                                  << QByteArray("--kind takes user, client, api_key or source");
    }

    void badInputIsAUsageError()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QByteArray, message);
        const CliRun run = cli(QStringList {QStringLiteral("monitor")} + arguments);
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains(message), run.err.constData());
        QVERIFY(run.out.isEmpty());
        QVERIFY(!QFile::exists(m_dir->filePath(QStringLiteral("ws")))); // nothing was created
    }
};

QTEST_GUILESS_MAIN(TestMonitorCli)
#include "TestMonitorCli.moc"
