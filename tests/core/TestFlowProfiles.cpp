// Flow Lab's saved profiles on both stores: a profile and its secrets round-trip, secrets never reach the database,
// the last run's tokens are kept in the secret store and survive a restart, and removal takes everything.

#include <QSqlQuery>
#include <QTest>

#include "FakeClock.h"
#include "ResultText.h"
#include "StoreBackends.h"
#include "engine/FlowProfiles.h"
#include "oauth/FlowError.h"
#include "store/Database.h"
#include "store/MemorySecretStore.h"
#include "store/StoreError.h"

using namespace portcullis;
using namespace portcullis::oauth;

namespace {

const QByteArray SECRET = "a-client-secret-that-must-stay-out-of-the-database";

ProviderProfile sampleProfile()
{
    ProviderProfile profile;
    profile.name = QStringLiteral("dev");
    profile.issuer = QStringLiteral("https://login.example.com/realms/dev");
    profile.clientId = QStringLiteral("desktop");
    profile.authMethod = ClientAuthMethod::ClientSecretBasic;
    profile.scopes = {QStringLiteral("openid"), QStringLiteral("offline_access")};
    profile.extraParameters = {{QStringLiteral("prompt"), QStringLiteral("consent")}};
    profile.redirectPort = 8765;
    profile.redirectPath = QStringLiteral("/cb");
    return profile;
}

QString allStoredText(store::Database &database)
{
    auto db = database.connection();
    QSqlQuery query(*db);
    query.exec(QStringLiteral("SELECT name, profile, last_result FROM flow_profiles"));
    QString text;
    while (query.next())
        text += query.value(0).toString() + query.value(1).toString() + query.value(2).toString();
    return text;
}

} // namespace

class TestFlowProfiles : public QObject
{
    Q_OBJECT

    test::StoreBackends m_stores;
    test::FakeClock m_clock;

private Q_SLOTS:
    void initTestCase_data() { test::StoreBackends::addRows(); }

    void aProfileAndItsSecretRoundTrip()
    {
        auto database = m_stores.fresh();
        store::MemorySecretStore secrets;
        engine::FlowProfiles profiles(database, secrets, m_clock);
        ClientCredentials credentials;
        credentials.clientSecret = crypto::SecretBytes(SECRET);
        auto saved = profiles.save(sampleProfile(), credentials);
        QVERIFY2(saved, test::why(saved).constData());

        auto loaded = profiles.load(QStringLiteral("dev"));
        QVERIFY2(loaded, test::why(loaded).constData());
        const ProviderProfile &profile = loaded->row.profile;
        QCOMPARE(profile.toJson(), sampleProfile().toJson());
        QCOMPARE(loaded->credentials.clientSecret.view(), QByteArrayView(SECRET));
        QVERIFY(!allStoredText(*database).contains(QString::fromLatin1(SECRET)));
        QCOMPARE(loaded->row.createdMs, m_clock.unixMillis());

        // Saved again without a secret: the old secret goes.
        ProviderProfile changed = sampleProfile();
        changed.authMethod = ClientAuthMethod::None;
        QVERIFY(profiles.save(changed, ClientCredentials()));
        auto again = profiles.load(QStringLiteral("dev"));
        QVERIFY(again);
        QCOMPARE(again->row.profile.authMethod, ClientAuthMethod::None);
        QVERIFY(again->credentials.clientSecret.isEmpty());
        QVERIFY(secrets.read(engine::FlowProfiles::secretName(QStringLiteral("dev"), "client-secret"))
                    .error()
                    .is(store::StoreError::SecretNotFound));
    }

    void theLastRunSurvivesARestart()
    {
        auto database = m_stores.fresh();
        store::MemorySecretStore secrets;
        {
            engine::FlowProfiles profiles(database, secrets, m_clock);
            QVERIFY(profiles.save(sampleProfile(), ClientCredentials()));
            auto none = profiles.loadTokens(QStringLiteral("dev"));
            QVERIFY(!none && none.error().is(FlowError::StepOutOfOrder));
            QVERIFY(none.error().detail().contains(QStringLiteral("flow run --profile dev")));
            FlowTokens tokens;
            tokens.accessToken = "access-token-value";
            tokens.tokenType = QStringLiteral("Bearer");
            tokens.refreshToken = "refresh-token-value";
            tokens.obtainedAt = m_clock.nowUtc();
            tokens.expiresAt = m_clock.nowUtc().addSecs(3600);
            const QJsonObject summary {{QStringLiteral("ok"), true}, {QStringLiteral("sub"), QStringLiteral("alice")}};
            auto recorded = profiles.recordRun(QStringLiteral("dev"), summary, &tokens);
            QVERIFY2(recorded, test::why(recorded).constData());
        }
        database = m_stores.reopen();
        engine::FlowProfiles profiles(database, secrets, m_clock);
        auto rows = profiles.list();
        QVERIFY2(rows, test::why(rows).constData());
        QCOMPARE(rows->size(), std::size_t(1));
        QCOMPARE(rows->front().lastResult.value(QStringLiteral("sub")).toString(), QStringLiteral("alice"));
        QCOMPARE(rows->front().lastRunMs, m_clock.unixMillis());
        auto tokens = profiles.loadTokens(QStringLiteral("dev"));
        QVERIFY2(tokens, test::why(tokens).constData());
        QCOMPARE(tokens->refreshToken, QByteArray("refresh-token-value"));
        QCOMPARE(tokens->expiresAt, m_clock.nowUtc().addSecs(3600));
        QVERIFY(!allStoredText(*database).contains(QStringLiteral("token-value")));
    }

    void removalTakesTheSecretsAndWorksOnADamagedProfile()
    {
        auto database = m_stores.fresh();
        store::MemorySecretStore secrets;
        engine::FlowProfiles profiles(database, secrets, m_clock);
        ClientCredentials credentials;
        credentials.clientSecret = crypto::SecretBytes(SECRET);
        QVERIFY(profiles.save(sampleProfile(), credentials));
        ProviderProfile other = sampleProfile();
        other.name = QStringLiteral("broken");
        QVERIFY(profiles.save(other, ClientCredentials()));
        {
            auto db = database->connection();
            QSqlQuery query(*db);
            QVERIFY(query.exec(QStringLiteral("UPDATE flow_profiles SET profile = '{\"client_id\":\"\"}' "
                                              "WHERE name = 'broken'")));
        }
        auto damaged = profiles.list();
        QVERIFY(!damaged);
        QVERIFY2(damaged.error().detail().contains(QStringLiteral("flow profiles remove broken")),
                 qPrintable(damaged.error().detail()));
        QVERIFY(profiles.remove(QStringLiteral("broken")));

        QVERIFY(profiles.remove(QStringLiteral("dev")));
        QVERIFY(profiles.load(QStringLiteral("dev")).error().is(store::StoreError::NotFound));
        QVERIFY(secrets.read(engine::FlowProfiles::secretName(QStringLiteral("dev"), "client-secret"))
                    .error()
                    .is(store::StoreError::SecretNotFound));
        auto missing = profiles.remove(QStringLiteral("dev"));
        QVERIFY(!missing && missing.error().is(store::StoreError::NotFound));
        QVERIFY(profiles.list()->empty());
    }

    void badNamesAreRefused()
    {
        auto database = m_stores.fresh();
        store::MemorySecretStore secrets;
        engine::FlowProfiles profiles(database, secrets, m_clock);
        ProviderProfile profile = sampleProfile();
        profile.name = QStringLiteral("has space");
        auto saved = profiles.save(profile, ClientCredentials());
        QVERIFY(!saved && saved.error().is(FlowError::InvalidProfile));
    }
};

QTEST_GUILESS_MAIN(TestFlowProfiles)
#include "TestFlowProfiles.moc"
