#include <memory>

#include <sys/stat.h>
#include <unistd.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTest>
#include <QThread>

#include "TempDir.h"
#include "store/MemorySecretStore.h"
#include "store/StoreError.h"

using namespace portcullis;
using namespace portcullis::store;
using crypto::SecretBytes;

// The memory backend against the SecretStore contract.
class TestSecretStore : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<test::TempDir> m_dir;

    std::unique_ptr<SecretStore> makeStore(const QString &backend)
    {
        Q_ASSERT(backend == QLatin1String("memory"));
        return std::make_unique<MemorySecretStore>();
    }

    QString secretsPath() const { return m_dir->filePath(QStringLiteral("secrets.json")); }

    static void addBackends()
    {
        QTest::addColumn<QString>("backend");
        QTest::newRow("memory") << QStringLiteral("memory");
    }

    static SecretBytes bytes(const char *data, qsizetype size) { return SecretBytes(QByteArrayView(data, size)); }

private Q_SLOTS:
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
        for (const QString &backend : {QStringLiteral("memory")}) {
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
        QCOMPARE(store->description(), QStringLiteral("memory, for this session only"));
        QVERIFY(!store->isPersistent());
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
};

QTEST_GUILESS_MAIN(TestSecretStore)
#include "TestSecretStore.moc"
