// Opening a workspace: where its store and secrets go, and what an operator is told.

#include <QTest>

#include "FakeClock.h"
#include "ResultText.h"
#include "TempDir.h"
#include "apikeys/ApiKeyService.h"
#include "engine/Workspace.h"
#include "store/Database.h"
#include "store/SecretStore.h"
#include "store/StoreError.h"

using namespace portcullis;

class TestWorkspace : public QObject
{
    Q_OBJECT

private:
    test::TempDir m_dir;
    test::FakeClock m_clock;

    engine::WorkspaceOptions options(const QString &name, const QString &secrets) const
    {
        engine::WorkspaceOptions options;
        options.directory = m_dir.filePath(name);
        options.secrets = secrets;
        return options;
    }

private Q_SLOTS:
    void initTestCase()
    {
        // No keychain can answer in this test: a D-Bus address that leads nowhere, and no display to autolaunch one.
        qputenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/portcullis-test-bus");
        qunsetenv("DISPLAY");
    }

    void keepsSecretsForTheSessionWhenNoKeychainAnswers()
    {
        auto workspace
            = engine::Workspace::open(options(QStringLiteral("a"), QStringLiteral("keychain-or-session")), m_clock);
        QVERIFY2(workspace.has_value(), test::why(workspace).constData());
        QVERIFY(!(*workspace)->secrets().isPersistent());
        const QString notices = (*workspace)->notices().join(u'\n');
        QVERIFY2(notices.contains(u"No keychain is reachable"), qPrintable(notices));
        QVERIFY(notices.contains(u"for this session only"));
        QVERIFY(notices.contains(u"Created a new workspace store"));
        auto keys = (*workspace)->apiKeys();
        QVERIFY2(keys.has_value(), test::why(keys).constData());
    }

    void saysPlainlyWhenTheKeychainIsRequired()
    {
        auto workspace = engine::Workspace::open(options(QStringLiteral("b"), QStringLiteral("keychain")), m_clock);
        QVERIFY(workspace.has_value());
        QVERIFY((*workspace)->secrets().isPersistent());
        auto keys = (*workspace)->apiKeys();
        QVERIFY(!keys.has_value());
        QVERIFY(keys.error().is(store::StoreError::SecretsUnavailable));
        QVERIFY(keys.error().detail().contains(u"--secrets file:PATH"));
    }

    void keepsSecretsInAFileWhenAskedAndWarns()
    {
        auto workspace = engine::Workspace::open(
            options(QStringLiteral("c"), u"file:" % m_dir.filePath(QStringLiteral("c-secrets"))), m_clock);
        QVERIFY2(workspace.has_value(), test::why(workspace).constData());
        QVERIFY((*workspace)->secrets().isPersistent());
        QVERIFY((*workspace)->notices().join(u'\n').contains(u"protect that file like a private key"));
        QVERIFY((*workspace)->apiKeys().has_value());
        QVERIFY((*workspace)->database().location().path.endsWith(u"c/portcullis.db"));
    }

    void refusesAnUnknownSecretsLocation()
    {
        auto workspace = engine::Workspace::open(options(QStringLiteral("d"), QStringLiteral("vault:x")), m_clock);
        QVERIFY(!workspace.has_value());
        QVERIFY(workspace.error().is(store::StoreError::InvalidLocation));
    }
};

QTEST_GUILESS_MAIN(TestWorkspace)
#include "TestWorkspace.moc"
