#include <memory>

#include <sys/stat.h>
#include <unistd.h>

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QTest>
#include <QThread>

#include "ResultText.h"
#include "TempDir.h"
#include "store/FileSecretStore.h"
#include "store/KeychainSecretStore.h"
#include "store/MemorySecretStore.h"
#include "store/StoreError.h"

using namespace portcullis;
using namespace portcullis::store;
using crypto::SecretBytes;

// The memory and file backends against the SecretStore contract, the file backend's safety rules, and the
// keychain backend's failure when there is no D-Bus session (the real keychain runs in TestKeychainSecretStore).
class TestSecretStore : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<test::TempDir> m_dir;

    std::unique_ptr<SecretStore> makeStore(const QString &backend)
    {
        if (backend == QLatin1String("memory"))
            return std::make_unique<MemorySecretStore>();
        auto created = FileSecretStore::create(m_dir->filePath(QStringLiteral("secrets.json")));
        if (!created) {
            qWarning().noquote() << created.error().toString();
            return nullptr;
        }
        return std::move(*created);
    }

    QString secretsPath() const { return m_dir->filePath(QStringLiteral("secrets.json")); }

    static void addBackends()
    {
        QTest::addColumn<QString>("backend");
        QTest::newRow("memory") << QStringLiteral("memory");
        QTest::newRow("file") << QStringLiteral("file");
    }

    static SecretBytes bytes(const char *data, qsizetype size) { return SecretBytes(QByteArrayView(data, size)); }

private Q_SLOTS:
    void initTestCase()
    {
        // No test here may reach a real keychain: point D-Bus at a socket that does not exist, before any library
        // reads the variable, and leave no display for an autolaunched bus or an unlock prompt.
        const QString noBus = QDir::temp().filePath(QStringLiteral("portcullis-no-such-bus-%1").arg(::getpid()));
        qputenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=" + QFile::encodeName(noBus));
        qunsetenv("DISPLAY");
        qunsetenv("WAYLAND_DISPLAY");
    }

    void init()
    {
        m_dir = std::make_unique<test::TempDir>();
        QVERIFY(m_dir->isValid());
    }

    void cleanup() { m_dir.reset(); }

    void roundTripsBinaryValues_data()
    {
        QTest::addColumn<QString>("backend");
        QTest::addColumn<QByteArray>("value");
        const QByteArray binary("\x00\xff\x00\x01\xfe\xff\x00", 7);
        QByteArray everyByte;
        for (int i = 0; i < 256; ++i)
            everyByte.append(char(i));
        for (const QString &backend : {QStringLiteral("memory"), QStringLiteral("file")}) {
            const QByteArray tag = backend.toLatin1();
            QTest::addRow("%s NUL and 0xFF", tag.constData()) << backend << binary;
            QTest::addRow("%s every byte", tag.constData()) << backend << everyByte;
            QTest::addRow("%s empty", tag.constData()) << backend << QByteArray();
            QTest::addRow("%s 64 KiB", tag.constData()) << backend << QByteArray(65536, '\xff');
        }
    }
    void roundTripsBinaryValues()
    {
        QFETCH(QString, backend);
        QFETCH(QByteArray, value);
        auto store = makeStore(backend);
        QVERIFY(store);
        QVERIFY(store->write(QStringLiteral("apikeys.pepper"), SecretBytes(value)).has_value());
        auto read = store->read(QStringLiteral("apikeys.pepper"));
        QVERIFY2(read.has_value(), qPrintable(read ? QString() : read.error().toString()));
        QCOMPARE(read->view().toByteArray(), value);
    }

    void overwritesRemovesAndReportsMissingEntries_data() { addBackends(); }
    void overwritesRemovesAndReportsMissingEntries()
    {
        QFETCH(QString, backend);
        auto store = makeStore(backend);
        QVERIFY(store);
        const QString name = QStringLiteral("oauth.client/web");
        auto missing = store->read(name);
        QVERIFY(!missing.has_value());
        QVERIFY(missing.error().is(StoreError::SecretNotFound));
        QVERIFY(store->remove(name).has_value()); // nothing to remove: still a success

        QVERIFY(store->write(name, bytes("first", 5)).has_value());
        QVERIFY(store->write(QStringLiteral("other"), bytes("kept", 4)).has_value());
        QVERIFY(store->write(name, bytes("second\0", 7)).has_value());
        QCOMPARE(store->read(name)->view().toByteArray(), QByteArray("second\0", 7));

        QVERIFY(store->remove(name).has_value());
        QVERIFY(store->remove(name).has_value());
        auto removed = store->read(name);
        QVERIFY(!removed.has_value());
        QVERIFY(removed.error().is(StoreError::SecretNotFound));
        QCOMPARE(store->read(QStringLiteral("other"))->view().toByteArray(), QByteArray("kept"));
    }

    void refusesBadNames_data() { addBackends(); }
    void refusesBadNames()
    {
        QFETCH(QString, backend);
        auto store = makeStore(backend);
        QVERIFY(store);
        for (const QString &name : {QString(), QStringLiteral("new\nline"), QString(201, QLatin1Char('x'))}) {
            auto written = store->write(name, bytes("v", 1));
            QVERIFY(!written.has_value());
            QVERIFY(written.error().is(CommonError::InvalidArgument));
            QVERIFY(!store->read(name).has_value());
            QVERIFY(!store->remove(name).has_value());
        }
    }

    void describesItself_data() { addBackends(); }
    void describesItself()
    {
        QFETCH(QString, backend);
        auto store = makeStore(backend);
        QVERIFY(store);
        if (backend == QLatin1String("memory")) {
            QCOMPARE(store->description(), QStringLiteral("memory, for this session only"));
            QVERIFY(!store->isPersistent());
        } else {
            QCOMPARE(store->description(), QStringLiteral("the file %1 (mode 0600)").arg(secretsPath()));
            QVERIFY(store->isPersistent());
        }
    }

    void servesSeveralThreads_data() { addBackends(); }
    void servesSeveralThreads()
    {
        QFETCH(QString, backend);
        auto store = makeStore(backend);
        QVERIFY(store);
        constexpr int THREADS = 4;
        constexpr int ROUNDS = 15;
        std::atomic<int> failures = 0;
        std::vector<std::unique_ptr<QThread>> threads;
        for (int t = 0; t < THREADS; ++t) {
            threads.emplace_back(QThread::create([&store, &failures, t] {
                for (int round = 0; round < ROUNDS; ++round) {
                    const QString name = QStringLiteral("thread%1.secret%2").arg(t).arg(round);
                    const QByteArray value = QByteArray::number(t) + '\0' + QByteArray::number(round);
                    if (!store->write(name, SecretBytes(value)).has_value())
                        ++failures;
                    auto read = store->read(name);
                    if (!read || read->view() != value)
                        ++failures;
                }
            }));
            threads.back()->start();
        }
        for (auto &thread : threads)
            QVERIFY(thread->wait(60000));
        QCOMPARE(failures.load(), 0);
        for (int t = 0; t < THREADS; ++t)
            for (int round = 0; round < ROUNDS; ++round)
                QVERIFY(store->read(QStringLiteral("thread%1.secret%2").arg(t).arg(round)).has_value());
    }

    // File backend

    void fileIsCreatedWithMode0600WhateverTheUmask()
    {
        const mode_t previous = ::umask(0);
        auto store = makeStore(QStringLiteral("file"));
        auto written = store ? store->write(QStringLiteral("a"), bytes("1", 1)) : Result<void>();
        ::umask(previous);
        QVERIFY(store);
        QVERIFY(written.has_value());
        struct stat status = {};
        QCOMPARE(::lstat(QFile::encodeName(secretsPath()).constData(), &status), 0);
        QCOMPARE(status.st_mode & 07777, mode_t(0600));
        QVERIFY(S_ISREG(status.st_mode));
        const QFile::Permissions others = QFile::ReadGroup | QFile::WriteGroup | QFile::ExeGroup | QFile::ReadOther
            | QFile::WriteOther | QFile::ExeOther;
        QCOMPARE(QFileInfo(secretsPath()).permissions() & others, QFile::Permissions());
        // No temporary file or lock file is left behind.
        const QStringList left = QDir(m_dir->path()).entryList(QDir::Files | QDir::Hidden);
        QCOMPARE(left, QStringList({QStringLiteral("secrets.json")}));
        // The format is the documented one.
        const QByteArray content = m_dir->read(QStringLiteral("secrets.json"));
        QVERIFY(content.contains("\"version\": 1"));
        QVERIFY(content.contains("\"a\": \"MQ==\""));
    }

    void anEmptyLockFileLeftByAKilledWriterIsCleared()
    {
        auto store = makeStore(QStringLiteral("file"));
        QVERIFY(store);
        // What a writer killed between creating its lock file and writing its pid leaves behind.
        QFile lock(secretsPath() + QStringLiteral(".lock"));
        QVERIFY(lock.open(QIODevice::WriteOnly));
        lock.close();
        QElapsedTimer waited;
        waited.start();
        auto written = store->write(QStringLiteral("a"), bytes("1", 1));
        QVERIFY2(written.has_value(), test::why(written));
        QVERIFY(waited.elapsed() < 9000); // cleared as stale, well before the 10 s timeout
        QCOMPARE(store->read(QStringLiteral("a"))->view(), QByteArrayView("1"));
    }

    void fileReadableByOthersIsRefused()
    {
        auto store = makeStore(QStringLiteral("file"));
        QVERIFY(store);
        QVERIFY(store->write(QStringLiteral("a"), bytes("1", 1)).has_value());
        const QByteArray before = m_dir->read(QStringLiteral("secrets.json"));
        for (const mode_t mode : {mode_t(0640), mode_t(0604), mode_t(0620)}) {
            QCOMPARE(::chmod(QFile::encodeName(secretsPath()).constData(), mode), 0);
            auto read = store->read(QStringLiteral("a"));
            QVERIFY(!read.has_value());
            QVERIFY2(read.error().is(StoreError::SecretsInsecure), qPrintable(read.error().toString()));
            QVERIFY2(read.error().detail().contains(QStringLiteral("chmod 600 '%1'").arg(secretsPath())),
                     qPrintable(read.error().detail()));
            auto written = store->write(QStringLiteral("a"), bytes("2", 1));
            QVERIFY(!written.has_value());
            QVERIFY(written.error().is(StoreError::SecretsInsecure));
            auto created = FileSecretStore::create(secretsPath());
            QVERIFY(!created.has_value());
            QVERIFY(created.error().is(StoreError::SecretsInsecure));
        }
        QCOMPARE(m_dir->read(QStringLiteral("secrets.json")), before);
    }

    void symlinkIsRefused()
    {
        auto store = makeStore(QStringLiteral("file"));
        QVERIFY(store);
        QVERIFY(store->write(QStringLiteral("a"), bytes("1", 1)).has_value());
        const QString link = m_dir->filePath(QStringLiteral("link.json"));
        QVERIFY(QFile::link(secretsPath(), link));
        auto created = FileSecretStore::create(link);
        QVERIFY(!created.has_value());
        QVERIFY2(created.error().is(StoreError::SecretsInsecure), qPrintable(created.error().toString()));
        QVERIFY(created.error().detail().contains(QStringLiteral("symbolic link")));

        // A link that appears after the store was created is refused as well.
        const QString real = m_dir->filePath(QStringLiteral("real.json"));
        QVERIFY(QFile::rename(secretsPath(), real));
        QVERIFY(QFile::link(real, secretsPath()));
        auto read = store->read(QStringLiteral("a"));
        QVERIFY(!read.has_value());
        QVERIFY(read.error().is(StoreError::SecretsInsecure));
        QVERIFY(!store->write(QStringLiteral("a"), bytes("2", 1)).has_value());
        QVERIFY(QFileInfo(secretsPath()).isSymLink());
    }

    void fileOwnedBySomeoneElseIsRefused()
    {
        if (::geteuid() != 0)
            QSKIP("giving a file to another user needs root");
        auto store = makeStore(QStringLiteral("file"));
        QVERIFY(store);
        QVERIFY(store->write(QStringLiteral("a"), bytes("1", 1)).has_value());
        QCOMPARE(::chown(QFile::encodeName(secretsPath()).constData(), 65534, 65534), 0);
        auto read = store->read(QStringLiteral("a"));
        QVERIFY(!read.has_value());
        QVERIFY2(read.error().is(StoreError::SecretsInsecure), qPrintable(read.error().toString()));
        QVERIFY(read.error().detail().contains(QStringLiteral("user id 65534")));
    }

    void corruptFileIsReportedAndNeverReplaced_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::newRow("not JSON") << QByteArray("{\"version\": 1, \"secrets\": {\"a\": ");
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("array") << QByteArray("[1, 2]");
        QTest::newRow("no version") << QByteArray("{\"secrets\": {}}");
        QTest::newRow("secrets not an object") << QByteArray("{\"version\": 1, \"secrets\": []}");
        QTest::newRow("value not a string") << QByteArray("{\"version\": 1, \"secrets\": {\"a\": 1}}");
        QTest::newRow("value not base64") << QByteArray("{\"version\": 1, \"secrets\": {\"a\": \"*not*\"}}");
        QTest::newRow("newer version") << QByteArray("{\"version\": 2, \"secrets\": {}}");
    }
    void corruptFileIsReportedAndNeverReplaced()
    {
        QFETCH(QByteArray, content);
        auto store = makeStore(QStringLiteral("file"));
        QVERIFY(store);
        QVERIFY(m_dir->write(QStringLiteral("secrets.json"), content));
        QCOMPARE(::chmod(QFile::encodeName(secretsPath()).constData(), 0600), 0);

        auto read = store->read(QStringLiteral("a"));
        QVERIFY(!read.has_value());
        QVERIFY2(read.error().is(StoreError::SecretsUnavailable), qPrintable(read.error().toString()));
        QVERIFY(read.error().detail().contains(secretsPath()));
        auto written = store->write(QStringLiteral("a"), bytes("new", 3));
        QVERIFY(!written.has_value());
        QVERIFY(written.error().is(StoreError::SecretsUnavailable));
        QVERIFY(!store->remove(QStringLiteral("a")).has_value());
        QCOMPARE(m_dir->read(QStringLiteral("secrets.json")), content);
        auto created = FileSecretStore::create(secretsPath());
        QVERIFY(!created.has_value());
        QVERIFY(created.error().is(StoreError::SecretsUnavailable));
    }

    void tooLargeFileIsRefused()
    {
        auto store = makeStore(QStringLiteral("file"));
        QVERIFY(store);
        QByteArray huge = "{\"version\": 1, \"secrets\": {\"a\": \"";
        huge += QByteArray(FileSecretStore::MAX_FILE_BYTES, 'A');
        huge += "\"}}";
        QVERIFY(m_dir->write(QStringLiteral("secrets.json"), huge));
        QCOMPARE(::chmod(QFile::encodeName(secretsPath()).constData(), 0600), 0);
        auto read = store->read(QStringLiteral("a"));
        QVERIFY(!read.has_value());
        QVERIFY2(read.error().is(StoreError::SecretsUnavailable), qPrintable(read.error().toString()));
        QVERIFY(!store->write(QStringLiteral("b"), bytes("1", 1)).has_value());
        QCOMPARE(QFileInfo(secretsPath()).size(), huge.size());

        // A write that would make the file too large is refused too, and leaves it as it was.
        QVERIFY(QFile::remove(secretsPath()));
        QVERIFY(store->write(QStringLiteral("small"), bytes("1", 1)).has_value());
        const QByteArray before = m_dir->read(QStringLiteral("secrets.json"));
        auto tooBig
            = store->write(QStringLiteral("big"), SecretBytes(QByteArray(FileSecretStore::MAX_FILE_BYTES, 'x')));
        QVERIFY(!tooBig.has_value());
        QVERIFY(tooBig.error().is(StoreError::SecretsUnavailable));
        QCOMPARE(m_dir->read(QStringLiteral("secrets.json")), before);
    }

    void secondInstanceSeesWrites()
    {
        auto first = makeStore(QStringLiteral("file"));
        auto second = makeStore(QStringLiteral("file"));
        QVERIFY(first && second);
        QVERIFY(first->write(QStringLiteral("a"), bytes("1", 1)).has_value());
        QCOMPARE(second->read(QStringLiteral("a"))->view().toByteArray(), QByteArray("1"));
        QVERIFY(second->write(QStringLiteral("b"), bytes("2", 1)).has_value());
        QVERIFY(second->write(QStringLiteral("a"), bytes("3", 1)).has_value());
        QCOMPARE(first->read(QStringLiteral("a"))->view().toByteArray(), QByteArray("3"));
        QCOMPARE(first->read(QStringLiteral("b"))->view().toByteArray(), QByteArray("2"));
        QVERIFY(first->remove(QStringLiteral("b")).has_value());
        QVERIFY(second->read(QStringLiteral("b")).error().is(StoreError::SecretNotFound));
    }

    void missingFolderIsRefused()
    {
        auto created = FileSecretStore::create(m_dir->filePath(QStringLiteral("no/such/folder/secrets.json")));
        QVERIFY(!created.has_value());
        QVERIFY(created.error().is(StoreError::InvalidLocation));
        auto empty = FileSecretStore::create(QString());
        QVERIFY(!empty.has_value());
        QVERIFY(empty.error().is(StoreError::InvalidLocation));
    }

    // Keychain backend without a D-Bus session (the environment set in initTestCase)

    void keychainWithoutSessionBusFailsFast()
    {
        for (int attempt = 0; attempt < 2; ++attempt) { // a second store after the first is gone works the same
            KeychainSecretStore store(QStringLiteral("portcullis-test-nobus"), std::chrono::seconds(10));
            QCOMPARE(store.description(),
                     QStringLiteral("the system keychain (Secret Service), service portcullis-test-nobus"));
            QVERIFY(store.isPersistent());
            QElapsedTimer timer;
            timer.start();
            auto written = store.write(QStringLiteral("a"), bytes("\0\xff", 2));
            QVERIFY(!written.has_value());
            QVERIFY2(written.error().is(StoreError::SecretsUnavailable), qPrintable(written.error().toString()));
            QVERIFY(written.error().detail().contains(QStringLiteral("--secrets file:PATH")));
            auto read = store.read(QStringLiteral("a"));
            QVERIFY(!read.has_value());
            QVERIFY2(read.error().is(StoreError::SecretsUnavailable), qPrintable(read.error().toString()));
            auto removed = store.remove(QStringLiteral("a"));
            QVERIFY(!removed.has_value());
            QVERIFY(removed.error().is(StoreError::SecretsUnavailable));
            QVERIFY2(timer.elapsed() < 5000, qPrintable(QString::number(timer.elapsed())));
            qInfo().noquote() << written.error().toString();
        }
    }
};

QTEST_GUILESS_MAIN(TestSecretStore)
#include "TestSecretStore.moc"
