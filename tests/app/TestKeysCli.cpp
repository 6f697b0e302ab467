// `portcullis-cli keys …` as scripts use it: exit codes, the key printed once, JSON, global options, bad input,
// and a revocation made by the CLI taking effect at once in another process's key service.

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTest>

#include "CliRun.h"
#include "ResultText.h"
#include "TempDir.h"
#include "apikeys/ApiKeyError.h"
#include "apikeys/ApiKeyService.h"
#include "common/Clock.h"
#include "store/Database.h"
#include "store/FileSecretStore.h"

using namespace portcullis;
using test::CliRun;

class TestKeysCli : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<test::TempDir> m_dir;

    QStringList globals() const
    {
        return {QStringLiteral("--workspace"), m_dir->filePath(QStringLiteral("ws")), QStringLiteral("--secrets"),
                u"file:" % m_dir->filePath(QStringLiteral("secrets"))};
    }

    CliRun keys(const QStringList &arguments, const QByteArray &input = {}) const
    {
        return test::runCli(globals() + QStringList {QStringLiteral("keys")} + arguments, input);
    }

    QJsonObject createJson(const QStringList &extra = {})
    {
        const CliRun run = keys(QStringList {QStringLiteral("create"), QStringLiteral("--name"), QStringLiteral("ci"),
                                             QStringLiteral("--json")}
                                + extra);
        if (run.exitCode != 0)
            qWarning("%s", run.err.constData());
        return QJsonDocument::fromJson(run.out).object();
    }

private Q_SLOTS:
    void init() { m_dir = std::make_unique<test::TempDir>(); }

    void createsListsShowsAndVerifies()
    {
        const CliRun created
            = keys({QStringLiteral("create"), QStringLiteral("--name"), QStringLiteral("billing export"),
                    QStringLiteral("--owner"), QStringLiteral("finance"), QStringLiteral("--scope"),
                    QStringLiteral("invoices:read"), QStringLiteral("--expires-in"), QStringLiteral("30d")});
        QCOMPARE(created.exitCode, 0);
        const QByteArray key = created.out.trimmed();
        QVERIFY(QRegularExpression(QStringLiteral("^pcl_live_[0-9A-Za-z]{36}$"))
                    .match(QString::fromLatin1(key))
                    .hasMatch());
        QVERIFY(created.err.contains("only time the key is shown"));
        QVERIFY(created.err.contains("Created a new workspace store"));

        const CliRun listed = keys({QStringLiteral("list"), QStringLiteral("--json")});
        QCOMPARE(listed.exitCode, 0);
        const QJsonArray list = QJsonDocument::fromJson(listed.out).array();
        QCOMPARE(list.size(), 1);
        const QJsonObject record = list.first().toObject();
        QCOMPARE(record[u"name"].toString(), QStringLiteral("billing export"));
        QCOMPARE(record[u"owner"].toString(), QStringLiteral("finance"));
        QCOMPARE(record[u"state"].toString(), QStringLiteral("active"));
        QCOMPARE(record[u"scopes"].toArray().first().toString(), QStringLiteral("invoices:read"));
        QVERIFY(!record[u"expires"].isNull());
        QVERIFY(!listed.out.contains(key));
        const QString id = record[u"id"].toString();

        const CliRun table = keys({QStringLiteral("list")});
        QVERIFY(table.out.contains(id.toLatin1()));
        QVERIFY(!table.out.contains(key));

        const CliRun valid = keys({QStringLiteral("verify"), QStringLiteral("-"), QStringLiteral("--scope"),
                                   QStringLiteral("invoices:read"), QStringLiteral("--json")},
                                  key + "\n");
        QCOMPARE(valid.exitCode, 0);
        QCOMPARE(QJsonDocument::fromJson(valid.out).object()[u"id"].toString(), id);

        const CliRun wrongScope = keys({QStringLiteral("verify"), QString::fromLatin1(key), QStringLiteral("--scope"),
                                        QStringLiteral("invoices:write")});
        QCOMPARE(wrongScope.exitCode, 1);

        const CliRun shown = keys({QStringLiteral("show"), id, QStringLiteral("--json")});
        QCOMPARE(shown.exitCode, 0);
        QCOMPARE(QJsonDocument::fromJson(shown.out).object()[u"usage_count"].toInt(), 1);
        QCOMPARE(QJsonDocument::fromJson(shown.out).object()[u"last_used_from"].toString(),
                 QStringLiteral("portcullis-cli"));
    }

    void revocationByTheCliStopsAnotherProcessAtOnce()
    {
        const QJsonObject created = createJson();
        const QByteArray key = created[u"key"].toString().toLatin1();
        QVERIFY(!key.isEmpty());

        // This test process plays the server: its own store connection, pepper and key index.
        const SystemClock clock;
        auto database = store::Database::open(
            store::DatabaseLocation::sqliteFile(m_dir->filePath(QStringLiteral("ws/portcullis.db"))));
        QVERIFY2(database.has_value(), test::why(database).constData());
        auto secrets = store::FileSecretStore::create(m_dir->filePath(QStringLiteral("secrets")));
        QVERIFY(secrets.has_value());
        auto server = apikeys::ApiKeyService::open(*database, **secrets, clock);
        QVERIFY2(server.has_value(), test::why(server).constData());
        QVERIFY((*server)->validate(key).has_value());

        const CliRun revoked = keys({QStringLiteral("revoke"), created[u"id"].toString(), QStringLiteral("--reason"),
                                     QStringLiteral("laptop stolen")});
        QCOMPARE(revoked.exitCode, 0);
        auto refused = (*server)->validate(key);
        QVERIFY(!refused.has_value());
        QVERIFY(refused.error().is(apikeys::ApiKeyError::InvalidKey));

        const CliRun verify = keys({QStringLiteral("verify"), QString::fromLatin1(key), QStringLiteral("--json")});
        QCOMPARE(verify.exitCode, 1);
        QCOMPARE(QJsonDocument::fromJson(verify.out).object()[u"reason"].toString(), QStringLiteral("revoked"));
        const CliRun again = keys({QStringLiteral("revoke"), created[u"id"].toString()});
        QCOMPARE(again.exitCode, 1);
        QVERIFY(again.err.contains("already revoked"));
    }

    void rotatesWithAGracePeriod()
    {
        const QJsonObject old = createJson();
        const CliRun rotated = keys({QStringLiteral("rotate"), old[u"id"].toString(), QStringLiteral("--grace"),
                                     QStringLiteral("2h"), QStringLiteral("--json")});
        QCOMPARE(rotated.exitCode, 0);
        const QJsonObject fresh = QJsonDocument::fromJson(rotated.out).object();
        QVERIFY(fresh[u"id"].toString() != old[u"id"].toString());
        QCOMPARE(keys({QStringLiteral("verify"), fresh[u"key"].toString()}).exitCode, 0);
        const CliRun during = keys({QStringLiteral("verify"), old[u"key"].toString(), QStringLiteral("--json")});
        QCOMPARE(during.exitCode, 0);
        QVERIFY(QJsonDocument::fromJson(during.out).object()[u"rotating"].toBool());
        const CliRun shown = keys({QStringLiteral("show"), old[u"id"].toString(), QStringLiteral("--json")});
        QCOMPARE(QJsonDocument::fromJson(shown.out).object()[u"replaced_by"].toString(), fresh[u"id"].toString());
        QCOMPARE(
            keys({QStringLiteral("rotate"), old[u"id"].toString(), QStringLiteral("--grace"), QStringLiteral("90d")})
                .exitCode,
            2);
    }

    void refusesBadInputClearly_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QByteArray>("message");
        QTest::newRow("no name") << QStringList {QStringLiteral("create")} << 2 << QByteArray("--name is required");
        QTest::newRow("bad duration") << QStringList {QStringLiteral("create"), QStringLiteral("--name"),
                                                      QStringLiteral("x"), QStringLiteral("--expires-in"),
                                                      QStringLiteral("soon")}
                                      << 2 << QByteArray("not a duration");
        QTest::newRow("bad prefix") << QStringList {QStringLiteral("create"), QStringLiteral("--name"),
                                                    QStringLiteral("x"), QStringLiteral("--prefix"),
                                                    QStringLiteral("PROD")}
                                    << 2 << QByteArray("cannot be used");
        QTest::newRow("bad scope") << QStringList {QStringLiteral("create"), QStringLiteral("--name"),
                                                   QStringLiteral("x"), QStringLiteral("--scope"),
                                                   QStringLiteral("a b")}
                                   << 2 << QByteArray("is not valid");
        QTest::newRow("bad state") << QStringList {QStringLiteral("list"), QStringLiteral("--state"),
                                                   QStringLiteral("zombie")}
                                   << 2 << QByteArray("not a key state");
        QTest::newRow("unknown id") << QStringList {QStringLiteral("show"), QStringLiteral("key_nothere")} << 1
                                    << QByteArray("no API key with the id");
        QTest::newRow("garbage key") << QStringList {QStringLiteral("verify"), QStringLiteral("hunter2")} << 1
                                     << QByteArray();
        QTest::newRow("unknown subcommand")
            << QStringList {QStringLiteral("delete")} << 2 << QByteArray("unknown keys subcommand");
    }

    void refusesBadInputClearly()
    {
        QFETCH(QStringList, arguments);
        QFETCH(int, exitCode);
        QFETCH(QByteArray, message);
        const CliRun run = keys(arguments);
        QCOMPARE(run.exitCode, exitCode);
        QVERIFY2(run.err.contains(message), run.err.constData());
    }

    void neverReplacesAMissingPepperOrADamagedStore()
    {
        QCOMPARE(keys({QStringLiteral("create"), QStringLiteral("--name"), QStringLiteral("x")}).exitCode, 0);
        QVERIFY(QFile::rename(m_dir->filePath(QStringLiteral("secrets")), m_dir->filePath(QStringLiteral("moved"))));
        const CliRun missing = keys({QStringLiteral("list")});
        QCOMPARE(missing.exitCode, 1);
        QVERIFY(missing.err.contains("will not make a new pepper"));
        QVERIFY(QFile::remove(m_dir->filePath(QStringLiteral("secrets"))) || true);
        QVERIFY(QFile::rename(m_dir->filePath(QStringLiteral("moved")), m_dir->filePath(QStringLiteral("secrets"))));
        QCOMPARE(keys({QStringLiteral("list")}).exitCode, 0);

        const QByteArray garbage(4096, '\x5a');
        QVERIFY(m_dir->write(QStringLiteral("ws/portcullis.db"), garbage));
        QFile::remove(m_dir->filePath(QStringLiteral("ws/portcullis.db-wal")));
        QFile::remove(m_dir->filePath(QStringLiteral("ws/portcullis.db-shm")));
        const CliRun damaged = keys({QStringLiteral("list")});
        QCOMPARE(damaged.exitCode, 1);
        QVERIFY(damaged.err.contains("not a Portcullis database or is damaged"));
        QCOMPARE(m_dir->read(QStringLiteral("ws/portcullis.db")), garbage);
    }

    void globalOptionsAreChecked()
    {
        QCOMPARE(test::runCli({QStringLiteral("--secrets"), QStringLiteral("vault"), QStringLiteral("keys"),
                               QStringLiteral("list")})
                     .exitCode,
                 2);
        const CliRun unreachable = test::runCli({QStringLiteral("--workspace"), m_dir->filePath(QStringLiteral("k")),
                                                 QStringLiteral("--secrets"), QStringLiteral("keychain"),
                                                 QStringLiteral("keys"), QStringLiteral("list")});
        // With no D-Bus session the keychain is unreachable, and the CLI says what to do.
        qputenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/portcullis-test-bus");
        qunsetenv("DISPLAY");
        QCOMPARE(unreachable.exitCode, 1);
        QVERIFY2(unreachable.err.contains("--secrets file:PATH"), unreachable.err.constData());
        const CliRun regex = test::runCli({QStringLiteral("keys"), QStringLiteral("scanner-regex")});
        QCOMPARE(regex.exitCode, 0);
        QVERIFY(QRegularExpression(QString::fromLatin1(regex.out.trimmed())).isValid());
    }
};

QTEST_GUILESS_MAIN(TestKeysCli)
#include "TestKeysCli.moc"
