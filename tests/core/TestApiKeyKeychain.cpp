// The API key pepper in the real keychain (a private gnome-keyring, see tests/support/run-with-keyring.sh): kept
// across restarts when the keyring is unlocked; never made, and never replaced, when it is locked.

#include <QTest>

#include "FakeClock.h"
#include "ResultText.h"
#include "TempDir.h"
#include "apikeys/ApiKeyError.h"
#include "apikeys/ApiKeyService.h"
#include "apikeys/Pepper.h"
#include "store/Database.h"
#include "store/KeychainSecretStore.h"
#include "store/Meta.h"
#include "store/StoreError.h"

using namespace portcullis;
using namespace std::chrono_literals;

class TestApiKeyKeychain : public QObject
{
    Q_OBJECT

private:
    test::TempDir m_dir;
    test::FakeClock m_clock;

    static QString keyringState() { return qEnvironmentVariable("PORTCULLIS_TEST_KEYRING"); }

    std::shared_ptr<store::Database> openStore(const QString &name)
    {
        auto database = store::Database::open(store::DatabaseLocation::sqliteFile(m_dir.filePath(name)));
        if (!database)
            qFatal("%s", qPrintable(database.error().toString()));
        return *database;
    }

private Q_SLOTS:
    void keepsThePepperAcrossRestarts()
    {
        if (keyringState() != u"unlocked")
            QSKIP("needs the unlocked keyring (run through run-with-keyring.sh)");
        auto database = openStore(QStringLiteral("a.db"));
        const QString service = u"portcullis-" % database->workspaceId();
        QByteArray key;
        {
            store::KeychainSecretStore secrets(service, 20s);
            auto keys = apikeys::ApiKeyService::open(database, secrets, m_clock);
            QVERIFY2(keys.has_value(), test::why(keys).constData());
            apikeys::ApiKeyService::IssueRequest request;
            request.name = QStringLiteral("kept");
            auto issued = (*keys)->issue(request);
            QVERIFY(issued.has_value());
            key = issued->key.view().toByteArray();
        }
        store::KeychainSecretStore again(service, 20s);
        auto keys = apikeys::ApiKeyService::open(openStore(QStringLiteral("a.db")), again, m_clock);
        QVERIFY2(keys.has_value(), test::why(keys).constData());
        QVERIFY((*keys)->validate(key).has_value());
        QVERIFY(again.remove(apikeys::pepper::secretName()).has_value());
    }

    void neverMakesAPepperInALockedKeyring()
    {
        if (keyringState() != u"locked")
            QSKIP("needs the locked keyring (run through run-with-keyring.sh --locked)");
        auto database = openStore(QStringLiteral("b.db"));
        store::KeychainSecretStore secrets(u"portcullis-" % database->workspaceId(), 20s);
        auto keys = apikeys::ApiKeyService::open(database, secrets, m_clock);
        QVERIFY(!keys.has_value());
        QVERIFY2(keys.error().is(store::StoreError::SecretsLocked), qPrintable(keys.error().toString()));
        auto check = store::meta::read(*database->connection(), QStringLiteral("apikeys.pepper_check"));
        QVERIFY(check.has_value());
        QVERIFY(!check->has_value()); // nothing recorded: a later unlocked run makes the pepper then

        // A workspace that has a pepper: the locked keyring hides it, and the answer says to unlock, not to start over.
        QVERIFY(store::meta::write(*database->connection(), QStringLiteral("apikeys.pepper_check"),
                                   QStringLiteral("00112233445566778899aabbccddeeff"))
                    .has_value());
        auto hidden = apikeys::ApiKeyService::open(database, secrets, m_clock);
        QVERIFY(!hidden.has_value());
        QVERIFY(hidden.error().is(apikeys::ApiKeyError::PepperMissing));
        QVERIFY(hidden.error().detail().contains(u"unlock it"));
    }
};

QTEST_GUILESS_MAIN(TestApiKeyKeychain)
#include "TestApiKeyKeychain.moc"
