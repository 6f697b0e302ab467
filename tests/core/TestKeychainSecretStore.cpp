#include <memory>

#include <QDBusConnection>
#include <QDBusMessage>
#include <QDBusObjectPath>
#include <QDBusVirtualObject>
#include <QElapsedTimer>
#include <QTest>
#include <QThread>
#include <QUuid>

#include "crypto/Random.h"
#include "store/KeychainSecretStore.h"
#include "store/StoreError.h"

using namespace portcullis;
using namespace portcullis::store;
using crypto::SecretBytes;

namespace {

// A Secret Service that never answers: it takes every call and replies to none.
class SilentService final : public QDBusVirtualObject
{
public:
    QString introspect(const QString &) const override { return {}; }
    bool handleMessage(const QDBusMessage &, const QDBusConnection &) override { return true; }
};

} // namespace

// KeychainSecretStore against a real gnome-keyring. CTest runs it through tests/support/run-with-keyring.sh, which
// gives it a private D-Bus session and keyring and sets PORTCULLIS_TEST_KEYRING: "unlocked" for the main run,
// "locked" for TestKeychainSecretStoreLocked, which runs only writeToLockedKeyringFails, and "absent" (no keyring
// at all) for TestKeychainSecretStoreSilent, which runs only timesOutWhenTheKeychainDoesNotAnswer.
class TestKeychainSecretStore : public QObject
{
    Q_OBJECT

private:
    static QString uniqueService()
    {
        return QStringLiteral("portcullis-test-") + QUuid::createUuid().toString(QUuid::WithoutBraces);
    }
    static SecretBytes bytes(const char *data, qsizetype size) { return SecretBytes(QByteArrayView(data, size)); }
    static QString keyringState() { return qEnvironmentVariable("PORTCULLIS_TEST_KEYRING"); }

private Q_SLOTS:
    void initTestCase()
    {
        if (keyringState().isEmpty())
            QFAIL("run this test through tests/support/run-with-keyring.sh (ctest does): it needs a private D-Bus "
                  "session with gnome-keyring");
        QVERIFY(!qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS"));
    }

    void roundTripsOverwritesAndRemoves()
    {
        if (keyringState() != QLatin1String("unlocked"))
            QSKIP("needs the unlocked keyring");
        KeychainSecretStore store(uniqueService(), std::chrono::seconds(20));
        const QString name = QStringLiteral("apikeys.pepper");

        auto missing = store.read(name);
        QVERIFY(!missing.has_value());
        QVERIFY2(missing.error().is(StoreError::SecretNotFound), qPrintable(missing.error().toString()));

        const QByteArray binary("\x00\xff\x00\x01\xfe\xff\x00", 7);
        auto written = store.write(name, SecretBytes(binary));
        QVERIFY2(written.has_value(), qPrintable(written ? QString() : written.error().toString()));
        auto read = store.read(name);
        QVERIFY2(read.has_value(), qPrintable(read ? QString() : read.error().toString()));
        QCOMPARE(read->view().toByteArray(), binary);

        QByteArray everyByte;
        for (int i = 255; i >= 0; --i)
            everyByte.append(char(i));
        QVERIFY(store.write(name, SecretBytes(everyByte)).has_value());
        QCOMPARE(store.read(name)->view().toByteArray(), everyByte);

        const auto random = crypto::random::secret(32);
        QVERIFY(random.has_value());
        QVERIFY(store.write(QStringLiteral("jose.signing/rs256"), *random).has_value());
        QCOMPARE(store.read(QStringLiteral("jose.signing/rs256"))->view(), random->view());

        QVERIFY(store.remove(name).has_value());
        QVERIFY(store.remove(name).has_value()); // already gone: still a success
        auto removed = store.read(name);
        QVERIFY(!removed.has_value());
        QVERIFY(removed.error().is(StoreError::SecretNotFound));
        QVERIFY(store.read(QStringLiteral("jose.signing/rs256")).has_value());
        QVERIFY(store.remove(QStringLiteral("jose.signing/rs256")).has_value());
    }

    void servicesAreSeparate()
    {
        if (keyringState() != QLatin1String("unlocked"))
            QSKIP("needs the unlocked keyring");
        KeychainSecretStore first(uniqueService(), std::chrono::seconds(20));
        KeychainSecretStore second(uniqueService(), std::chrono::seconds(20));
        const QString name = QStringLiteral("apikeys.pepper");
        QVERIFY(first.write(name, bytes("first", 5)).has_value());
        auto unseen = second.read(name);
        QVERIFY(!unseen.has_value());
        QVERIFY(unseen.error().is(StoreError::SecretNotFound));
        QVERIFY(second.write(name, bytes("second", 6)).has_value());
        QCOMPARE(first.read(name)->view().toByteArray(), QByteArray("first"));
        QCOMPARE(second.read(name)->view().toByteArray(), QByteArray("second"));
        QVERIFY(second.remove(name).has_value());
        QCOMPARE(first.read(name)->view().toByteArray(), QByteArray("first"));
        QVERIFY(first.remove(name).has_value());
    }

    void worksAgainAfterEveryStoreWasDestroyed()
    {
        if (keyringState() != QLatin1String("unlocked"))
            QSKIP("needs the unlocked keyring");
        // The keychain thread stops with the last store and starts again for the next one.
        const QString service = uniqueService();
        for (int round = 0; round < 3; ++round) {
            KeychainSecretStore store(service, std::chrono::seconds(20));
            const QByteArray value = QByteArray::number(round);
            QVERIFY(store.write(QStringLiteral("round"), SecretBytes(value)).has_value());
            auto read = store.read(QStringLiteral("round"));
            QVERIFY2(read.has_value(), qPrintable(read ? QString() : read.error().toString()));
            QCOMPARE(read->view().toByteArray(), value);
        }
        KeychainSecretStore store(service, std::chrono::seconds(20));
        QVERIFY(store.remove(QStringLiteral("round")).has_value());
    }

    void callsFromWorkerThreads()
    {
        if (keyringState() != QLatin1String("unlocked"))
            QSKIP("needs the unlocked keyring");
        KeychainSecretStore store(uniqueService(), std::chrono::seconds(30));
        std::atomic<int> failures = 0;
        std::vector<std::unique_ptr<QThread>> workers;
        for (int t = 0; t < 3; ++t) {
            workers.emplace_back(QThread::create([&store, &failures, t] {
                for (int i = 0; i < 5; ++i) {
                    const QString name = QStringLiteral("worker%1.secret%2").arg(t).arg(i);
                    const QByteArray value = QByteArray::number(t) + '\0' + QByteArray::number(i);
                    if (!store.write(name, SecretBytes(value)).has_value())
                        ++failures;
                    auto read = store.read(name);
                    if (!read || read->view() != value)
                        ++failures;
                    if (!store.remove(name).has_value())
                        ++failures;
                }
            }));
            workers.back()->start();
        }
        for (auto &worker : workers)
            QVERIFY(worker->wait(60000));
        QCOMPARE(failures.load(), 0);
    }

    // Last of the unlocked run: it locks the login collection, which cannot be unlocked again without a prompt.
    void writeToLockedCollectionFails()
    {
        if (keyringState() != QLatin1String("unlocked"))
            QSKIP("needs the unlocked keyring, which it then locks");
        KeychainSecretStore store(uniqueService(), std::chrono::seconds(20));
        QVERIFY(store.write(QStringLiteral("before"), bytes("1", 1)).has_value());

        QDBusMessage lock = QDBusMessage::createMethodCall(
            QStringLiteral("org.freedesktop.secrets"), QStringLiteral("/org/freedesktop/secrets"),
            QStringLiteral("org.freedesktop.Secret.Service"), QStringLiteral("Lock"));
        lock << QVariant::fromValue(
            QList<QDBusObjectPath>({QDBusObjectPath(QStringLiteral("/org/freedesktop/secrets/collection/login"))}));
        const QDBusMessage reply = QDBusConnection::sessionBus().call(lock, QDBus::Block, 10000);
        QVERIFY2(reply.type() == QDBusMessage::ReplyMessage, qPrintable(reply.errorMessage()));

        QElapsedTimer timer;
        timer.start();
        auto written = store.write(QStringLiteral("apikeys.pepper"), bytes("\0\xff", 2));
        QVERIFY(!written.has_value());
        QVERIFY2(written.error().is(StoreError::SecretsLocked), qPrintable(written.error().toString()));
        QVERIFY(written.error().detail().contains(QStringLiteral("Unlock")));
        // libsecret cannot unlock without a prompt and then reports the locked entry as missing: a caller that
        // would create the secret afresh fails closed on the write above.
        auto read = store.read(QStringLiteral("before"));
        QVERIFY(!read.has_value());
        QVERIFY2(read.error().is(StoreError::SecretNotFound), qPrintable(read.error().toString()));
        QVERIFY2(timer.elapsed() < 10000, qPrintable(QString::number(timer.elapsed())));
    }

    void writeToLockedKeyringFails()
    {
        if (keyringState() != QLatin1String("locked"))
            QSKIP("runs in TestKeychainSecretStoreLocked, against a keyring that was never unlocked");
        KeychainSecretStore store(uniqueService(), std::chrono::seconds(20));
        QElapsedTimer timer;
        timer.start();
        auto written = store.write(QStringLiteral("apikeys.pepper"), bytes("\0\xff", 2));
        QVERIFY(!written.has_value());
        qInfo().noquote() << written.error().toString();
        QVERIFY2(written.error().is(StoreError::SecretsLocked), qPrintable(written.error().toString()));
        QVERIFY(written.error().detail().contains(QStringLiteral("Unlock")));
        QVERIFY2(timer.elapsed() < 10000, qPrintable(QString::number(timer.elapsed())));
    }

    void timesOutWhenTheKeychainDoesNotAnswer()
    {
        if (keyringState() != QLatin1String("absent"))
            QSKIP("runs in TestKeychainSecretStoreSilent, where this test owns the Secret Service name itself");
        QDBusConnection bus
            = QDBusConnection::connectToBus(QDBusConnection::SessionBus, QStringLiteral("portcullis-silent-service"));
        QVERIFY(bus.isConnected());
        SilentService silent;
        QVERIFY(bus.registerVirtualObject(QStringLiteral("/"), &silent, QDBusConnection::SubPath));
        QVERIFY(bus.registerService(QStringLiteral("org.freedesktop.secrets")));

        KeychainSecretStore store(uniqueService(), std::chrono::milliseconds(1500));
        QElapsedTimer timer;
        timer.start();
        auto written = store.write(QStringLiteral("apikeys.pepper"), bytes("\0\xff", 2));
        const qint64 elapsed = timer.elapsed();
        QVERIFY(!written.has_value());
        qInfo().noquote() << written.error().toString();
        QVERIFY2(written.error().is(StoreError::Timeout), qPrintable(written.error().toString()));
        QVERIFY(written.error().detail().contains(QStringLiteral("within 1.5 s")));
        QVERIFY2(elapsed >= 1400 && elapsed < 5000, qPrintable(QString::number(elapsed)));
    }
};

QTEST_GUILESS_MAIN(TestKeychainSecretStore)
#include "TestKeychainSecretStore.moc"
