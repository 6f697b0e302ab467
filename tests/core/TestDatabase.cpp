#include <unistd.h>

#include <QFile>
#include <QFileInfo>
#include <QSqlQuery>
#include <QTest>
#include <QThread>

#include "ResultText.h"
#include "TempDir.h"
#include "store/Database.h"
#include "store/Migrations.h"
#include "store/Sql.h"
#include "store/SqliteHandle.h"
#include "store/StoreError.h"

using namespace portcullis;
using namespace portcullis::store;

namespace {

QVariant scalar(const QSqlDatabase &db, const QString &statement)
{
    QSqlQuery query(db);
    if (!query.exec(statement) || !query.next())
        return {};
    return query.value(0);
}

} // namespace

// The SQLite store: creation, connection settings, refusals that leave the file alone, transactions, threads.
class TestDatabase : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parsesLocations_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<QString>("display");
        QTest::newRow("path") << QStringLiteral("/tmp/a.db") << true << QStringLiteral("SQLite /tmp/a.db");
        QTest::newRow("sqlite:") << QStringLiteral("sqlite:/tmp/b.db") << true << QStringLiteral("SQLite /tmp/b.db");
        QTest::newRow("sqlite://") << QStringLiteral("sqlite:///tmp/c.db") << true
                                   << QStringLiteral("SQLite /tmp/c.db");
        QTest::newRow("postgresql") << QStringLiteral("postgresql://ops:s3cret@db.internal:6543/portcullis") << true
                                    << QStringLiteral("PostgreSQL postgresql://ops@db.internal:6543/portcullis");
        QTest::newRow("postgres default port") << QStringLiteral("postgres://db/pc?sslmode=require") << true
                                               << QStringLiteral("PostgreSQL postgresql://db:5432/pc");
        QTest::newRow("no database") << QStringLiteral("postgresql://db") << false << QString();
        QTest::newRow("unknown option") << QStringLiteral("postgresql://db/pc?password=x") << false << QString();
        QTest::newRow("unknown scheme") << QStringLiteral("mysql://db/pc") << false << QString();
        QTest::newRow("empty") << QStringLiteral("  ") << false << QString();
    }

    void parsesLocations()
    {
        QFETCH(QString, text);
        QFETCH(bool, valid);
        QFETCH(QString, display);
        auto location = DatabaseLocation::parse(text);
        QCOMPARE(location.has_value(), valid);
        if (!valid) {
            QVERIFY(location.error().is(StoreError::InvalidLocation));
            QVERIFY(!location.error().detail().contains(u"s3cret"));
            return;
        }
        QCOMPARE(location->displayName(), display);
        QVERIFY(!location->displayName().contains(u"s3cret"));
    }

    void createsAPrivateWalDatabase()
    {
        test::TempDir dir;
        const QString path = dir.filePath(QStringLiteral("ws/portcullis.db"));
        auto database = Database::open(DatabaseLocation::sqliteFile(path));
        QVERIFY2(database.has_value(), test::why(database).constData());
        QVERIFY((*database)->wasCreated());
        QCOMPARE((*database)->schemaVersion(), migrations::latestVersion());
        QCOMPARE((*database)->workspaceId().size(), 32);
        QCOMPARE(QFileInfo(path).permissions() & 0x0077, QFileDevice::Permissions());
        {
            auto db = (*database)->connection();
            QVERIFY(db.has_value());
            QCOMPARE(scalar(*db, QStringLiteral("PRAGMA journal_mode")).toString(), QStringLiteral("wal"));
            QCOMPARE(scalar(*db, QStringLiteral("PRAGMA synchronous")).toInt(), 2); // FULL
            QCOMPARE(scalar(*db, QStringLiteral("PRAGMA foreign_keys")).toInt(), 1);
            QCOMPARE(scalar(*db, QStringLiteral("PRAGMA busy_timeout")).toInt(), 5000);
        }
        const QString workspace = (*database)->workspaceId();
        database->reset();

        auto reopened = Database::open(DatabaseLocation::sqliteFile(path));
        QVERIFY(reopened.has_value());
        QVERIFY(!(*reopened)->wasCreated());
        QCOMPARE((*reopened)->workspaceId(), workspace);
    }

    void refusesANewerSchemaAndLeavesItAlone()
    {
        test::TempDir dir;
        const QString path = dir.filePath(QStringLiteral("portcullis.db"));
        {
            auto database = Database::open(DatabaseLocation::sqliteFile(path));
            QVERIFY(database.has_value());
            auto db = (*database)->connection();
            QVERIFY(sql::run(*db, QStringLiteral("test"),
                             QStringLiteral("INSERT INTO portcullis_schema (version, applied_at, written_by) "
                                            "VALUES (999, 0, '9.0')"))
                        .has_value());
        }
        const QByteArray before = dir.read(QStringLiteral("portcullis.db"));
        auto database = Database::open(DatabaseLocation::sqliteFile(path));
        QVERIFY(!database.has_value());
        QVERIFY(database.error().is(StoreError::NewerSchema));
        QVERIFY(database.error().detail().contains(u"999"));
        QVERIFY(database.error().detail().contains(u"newer Portcullis"));
        QCOMPARE(dir.read(QStringLiteral("portcullis.db")), before);
    }

    void refusesACorruptFileAndLeavesItAlone()
    {
        test::TempDir dir;
        const QByteArray garbage = QByteArray("this is not a database ").repeated(300);
        QVERIFY(dir.write(QStringLiteral("portcullis.db"), garbage));
        auto database = Database::open(DatabaseLocation::sqliteFile(dir.filePath(QStringLiteral("portcullis.db"))));
        QVERIFY(!database.has_value());
        QVERIFY(database.error().is(StoreError::Corrupt));
        QVERIFY(database.error().detail().contains(u"will not replace it"));
        QCOMPARE(dir.read(QStringLiteral("portcullis.db")), garbage);
    }

    void refusesSomeoneElsesDatabase()
    {
        test::TempDir dir;
        const QString path = dir.filePath(QStringLiteral("other.db"));
        {
            QSqlDatabase other = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("other"));
            other.setDatabaseName(path);
            QVERIFY(other.open());
            QSqlQuery(other).exec(QStringLiteral("CREATE TABLE invoices (id INTEGER)"));
            other.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("other"));
        auto database = Database::open(DatabaseLocation::sqliteFile(path));
        QVERIFY(!database.has_value());
        QVERIFY(database.error().is(StoreError::InvalidLocation));
    }

    void refusesADirectoryAndAnUnreadableFile()
    {
        test::TempDir dir;
        QVERIFY(dir.write(QStringLiteral("folder/x"), "x"));
        auto folder = Database::open(DatabaseLocation::sqliteFile(dir.filePath(QStringLiteral("folder"))));
        QVERIFY(!folder.has_value());
        QVERIFY(folder.error().is(StoreError::InvalidLocation));

        const QString path = dir.filePath(QStringLiteral("locked.db"));
        QVERIFY(Database::open(DatabaseLocation::sqliteFile(path)).has_value());
        QVERIFY(QFile::setPermissions(path, QFileDevice::Permissions()));
        if (::geteuid() == 0)
            QSKIP("root reads any file; the unreadable-file case needs an ordinary user");
        auto locked = Database::open(DatabaseLocation::sqliteFile(path));
        QVERIFY(!locked.has_value());
        QVERIFY(locked.error().is(StoreError::OpenFailed));
    }

    void transactionsCommitOrRollBack()
    {
        test::TempDir dir;
        auto database = Database::open(DatabaseLocation::sqliteFile(dir.filePath(QStringLiteral("t.db"))));
        QVERIFY(database.has_value());
        const auto insert = [](const QSqlDatabase &db, const QString &name) {
            return sql::run(db, QStringLiteral("test"),
                            QStringLiteral("INSERT INTO portcullis_meta (name, value) VALUES (?, 'v')"), {name});
        };
        QVERIFY((*database)
                    ->transaction([&](const QSqlDatabase &db) -> Result<void> {
                        if (auto done = insert(db, QStringLiteral("kept")); !done)
                            return done.error();
                        return {};
                    })
                    .has_value());
        auto failed = (*database)->transaction([&](const QSqlDatabase &db) -> Result<void> {
            if (auto done = insert(db, QStringLiteral("dropped")); !done)
                return done.error();
            return Error(StoreError::Conflict, QStringLiteral("stop here"));
        });
        QVERIFY(!failed.has_value());
        QVERIFY(failed.error().is(StoreError::Conflict));
        auto duplicate = (*database)->transaction([&](const QSqlDatabase &db) -> Result<void> {
            if (auto done = insert(db, QStringLiteral("kept")); !done)
                return done.error();
            return {};
        });
        QVERIFY(duplicate.error().is(StoreError::Conflict));
        auto db = (*database)->connection();
        QCOMPARE(scalar(*db, QStringLiteral("SELECT COUNT(*) FROM portcullis_meta WHERE name IN ('kept', 'dropped')"))
                     .toInt(),
                 1);
    }

    void eachThreadHasItsOwnConnection()
    {
        test::TempDir dir;
        auto database = Database::open(DatabaseLocation::sqliteFile(dir.filePath(QStringLiteral("t.db"))));
        QVERIFY(database.has_value());
        const QString mine = (*database)->connection()->connectionName();
        QString theirs;
        int count = -1;
        std::unique_ptr<QThread> thread(QThread::create([&] {
            auto db = (*database)->connection();
            if (!db)
                return;
            theirs = db->connectionName();
            count = scalar(*db, QStringLiteral("SELECT COUNT(*) FROM api_keys")).toInt();
        }));
        thread->start();
        QVERIFY(thread->wait(10000));
        QVERIFY(!theirs.isEmpty());
        QVERIFY(theirs != mine);
        QCOMPARE(count, 0);
        QTRY_VERIFY_WITH_TIMEOUT(!QSqlDatabase::contains(theirs), 5000); // removed as its thread ends
        QCOMPARE((*database)->connection()->connectionName(), mine);
    }

    // The event log's fast path: the sqlite3 handle under Qt's connection, given only when Qt's driver runs on the
    // SQLite Portcullis links (on Debian, both the system libsqlite3), and never for a connection that is not open.
    void givesTheSqliteHandleUnderAnOpenConnection()
    {
        test::TempDir dir;
        auto database = Database::open(DatabaseLocation::sqliteFile(dir.filePath(QStringLiteral("t.db"))));
        QVERIFY(database.has_value());
        auto db = (*database)->connection();
        QVERIFY(db.has_value());
        QVERIFY(sqliteHandle(*db) != nullptr);
        QSqlDatabase closed = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("never-opened"));
        QVERIFY(sqliteHandle(closed) == nullptr);
        closed = QSqlDatabase();
        QSqlDatabase::removeDatabase(QStringLiteral("never-opened"));
    }
};

QTEST_GUILESS_MAIN(TestDatabase)
#include "TestDatabase.moc"
