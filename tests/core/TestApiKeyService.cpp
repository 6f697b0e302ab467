#include <QDirIterator>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QTest>

#include "FakeClock.h"
#include "ResultText.h"
#include "StoreBackends.h"
#include "apikeys/ApiKeyError.h"
#include "apikeys/ApiKeyFormat.h"
#include "apikeys/ApiKeyService.h"
#include "apikeys/Pepper.h"
#include "store/Database.h"
#include "store/MemorySecretStore.h"
#include "store/StoreError.h"

using namespace portcullis;
using namespace portcullis::apikeys;
using namespace std::chrono_literals;

namespace {

// A secret store that cannot be reached, for the error paths.
class UnreachableSecrets final : public store::SecretStore
{
public:
    QString description() const override { return QStringLiteral("an unreachable keychain"); }
    bool isPersistent() const override { return true; }
    Result<crypto::SecretBytes> read(const QString &) override { return unreachable(); }
    Result<void> write(const QString &, const crypto::SecretBytes &) override { return unreachable(); }
    Result<void> remove(const QString &) override { return unreachable(); }

private:
    static Error unreachable()
    {
        return Error(store::StoreError::SecretsUnavailable, QStringLiteral("No keychain is reachable."));
    }
};

QByteArray rawKey(const ApiKeyService::IssuedKey &issued)
{
    return issued.key.view().toByteArray();
}

ApiKeyService::IssueRequest request(const QString &name, const QStringList &scopes = {})
{
    ApiKeyService::IssueRequest request;
    request.name = name;
    request.owner = QStringLiteral("payments-team");
    request.scopes = scopes;
    return request;
}

} // namespace

// The key lifecycle against both stores: SQLite (a file per test) and PostgreSQL (a throwaway cluster).
class TestApiKeyService : public QObject
{
    Q_OBJECT

private:
    test::StoreBackends m_stores;
    test::FakeClock m_clock;
    store::MemorySecretStore m_secrets;

    // A fresh store of the row's kind, opened; openStore() opens it again, as a second instance.
    std::shared_ptr<store::Database> freshStore() { return m_stores.fresh(); }
    std::shared_ptr<store::Database> openStore() const { return m_stores.reopen(); }

    std::unique_ptr<ApiKeyService> openService(std::shared_ptr<store::Database> database)
    {
        auto service = ApiKeyService::open(std::move(database), m_secrets, m_clock);
        if (!service)
            qFatal("%s", qPrintable(service.error().toString()));
        return std::move(*service);
    }

private Q_SLOTS:
    void initTestCase_data() { test::StoreBackends::addRows(); }

    void init() { m_clock.setUnixMillis(test::FakeClock::DEFAULT_START_MS); }

    void issuesAKeyOnceAndValidatesIt()
    {
        auto service = openService(freshStore());
        QSignalSpy events(service.get(), &ApiKeyService::eventRaised);
        auto issued = service->issue(request(QStringLiteral("checkout"), {QStringLiteral("orders:read")}));
        QVERIFY2(issued.has_value(), test::why(issued).constData());
        const QByteArray key = rawKey(*issued);
        QVERIFY(key.startsWith("pcl_live_"));
        QCOMPARE(issued->record.hint(), QString(u"pcl_live_\u2026" % QString::fromLatin1(key.last(4))));
        QCOMPARE(issued->record.state, ApiKeyState::Active);
        QCOMPARE(events.count(), 1);
        QCOMPARE(events.at(0).at(0).value<ApiKeyEvent>().type, ApiKeyEvent::Type::KeyIssued);

        auto valid = service->validate(key, QStringLiteral("orders:read"), QStringLiteral("203.0.113.9"));
        QVERIFY2(valid.has_value(), test::why(valid).constData());
        QCOMPARE(valid->id, issued->record.id);
        QCOMPARE(valid->scopes, QStringList {QStringLiteral("orders:read")});
        QVERIFY(!valid->rotating);

        m_clock.advance(1500ms);
        QVERIFY(service->validate(key, {}, QStringLiteral("198.51.100.7")).has_value());
        QVERIFY(service->flushUsage().has_value());
        auto record = service->find(issued->record.id);
        QVERIFY(record.has_value());
        QCOMPARE(record->usageCount, 2);
        QCOMPARE(record->lastUsedFrom, QStringLiteral("198.51.100.7"));
        QCOMPARE(record->lastUsedAt.toMSecsSinceEpoch(), test::FakeClock::DEFAULT_START_MS + 1500);
        QCOMPARE(record->owner, QStringLiteral("payments-team"));
        for (const auto &event : events)
            QVERIFY(!event.at(0).value<ApiKeyEvent>().detail.toLatin1().contains(key));
    }

    void refusesEveryBadKeyAlike()
    {
        auto service = openService(freshStore());
        auto kept = service->issue(request(QStringLiteral("kept")));
        auto revoked = service->issue(request(QStringLiteral("revoked")));
        ApiKeyService::IssueRequest shortLived = request(QStringLiteral("short"));
        shortLived.expiresIn = 60s;
        auto expiring = service->issue(shortLived);
        QVERIFY(kept && revoked && expiring);
        QVERIFY(service->revoke(revoked->record.id, QStringLiteral("leaked in a ticket")).has_value());
        m_clock.advance(61s);

        QByteArray typo = rawKey(*kept);
        typo[15] = typo[15] == 'x' ? 'y' : 'x';
        auto stranger = format::generate(QStringLiteral("live"));
        QSignalSpy events(service.get(), &ApiKeyService::eventRaised);
        const QList<QByteArray> bad
            = {"api_key_0001", typo, stranger->raw.view().toByteArray(), rawKey(*revoked), rawKey(*expiring)};
        const QStringList reasons
            = {QStringLiteral("malformed"), QStringLiteral("bad_checksum"), QStringLiteral("unknown_key"),
               QStringLiteral("revoked"), QStringLiteral("expired")};
        std::optional<QString> firstDetail;
        for (const QByteArray &key : bad) {
            auto refused = service->validate(key);
            QVERIFY(!refused.has_value());
            QVERIFY(refused.error().is(ApiKeyError::InvalidKey));
            if (!firstDetail)
                firstDetail = refused.error().detail();
            QCOMPARE(refused.error().detail(), *firstDetail);
        }
        QCOMPARE(events.count(), bad.size());
        for (int i = 0; i < bad.size(); ++i) {
            const auto event = events.at(i).at(0).value<ApiKeyEvent>();
            QCOMPARE(event.type, ApiKeyEvent::Type::ValidationFailed);
            QCOMPARE(event.reason, reasons.at(i));
            QVERIFY(!event.detail.toLatin1().contains(bad.at(i)));
            QVERIFY(!event.hint.toLatin1().contains(bad.at(i)));
        }
        QVERIFY(service->validate(rawKey(*kept)).has_value());
    }

    void checksScopes()
    {
        auto service = openService(freshStore());
        auto issued = service->issue(request(QStringLiteral("reporting"), {QStringLiteral("reports:read")}));
        QVERIFY(issued.has_value());
        QVERIFY(service->validate(rawKey(*issued), QStringLiteral("reports:read")).has_value());
        auto refused = service->validate(rawKey(*issued), QStringLiteral("reports:write"));
        QVERIFY(refused.error().is(ApiKeyError::InsufficientScope));
    }

    void revocationTakesEffectAtOnceInAnotherInstance()
    {
        auto database = freshStore();
        auto server = openService(database);
        auto issued = server->issue(request(QStringLiteral("partner")));
        QVERIFY(issued.has_value());
        QVERIFY(server->validate(rawKey(*issued)).has_value());

        // A second instance with its own connection, index and change counter: another process, in effect.
        auto operatorSide = openService(openStore());
        QVERIFY(operatorSide->revoke(issued->record.id, QStringLiteral("contract ended")).has_value());
        auto refused = server->validate(rawKey(*issued));
        QVERIFY(!refused.has_value());
        QVERIFY(refused.error().is(ApiKeyError::InvalidKey));

        auto again = operatorSide->revoke(issued->record.id, QString());
        QVERIFY(again.error().is(ApiKeyError::InvalidState));
        QVERIFY(operatorSide->revoke(QStringLiteral("key_doesnotexist"), QString()).error().is(ApiKeyError::NotFound));
        auto record = server->find(issued->record.id);
        QCOMPARE(record->state, ApiKeyState::Revoked);
        QCOMPARE(record->revokedReason, QStringLiteral("contract ended"));
    }

    void rotationKeepsTheOldKeyForTheGracePeriod()
    {
        auto service = openService(freshStore());
        ApiKeyService::IssueRequest first
            = request(QStringLiteral("mobile"), {QStringLiteral("a"), QStringLiteral("b")});
        first.expiresIn = std::chrono::seconds(24 * 3600 * 30);
        auto old = service->issue(first);
        QVERIFY(old.has_value());
        auto fresh = service->rotate(old->record.id, 3600s);
        QVERIFY2(fresh.has_value(), test::why(fresh).constData());
        QCOMPARE(fresh->record.scopes, old->record.scopes);
        QCOMPARE(fresh->record.name, old->record.name);
        QCOMPARE(fresh->record.expiresAt, old->record.expiresAt);
        QVERIFY(service->validate(rawKey(*fresh)).has_value());
        auto during = service->validate(rawKey(*old));
        QVERIFY(during.has_value());
        QVERIFY(during->rotating);
        QVERIFY(service->rotate(old->record.id, 60s).error().is(ApiKeyError::InvalidState));
        QVERIFY(service->rotate(fresh->record.id, std::chrono::seconds(24 * 3600 * 365))
                    .error()
                    .is(ApiKeyError::InvalidInput));

        m_clock.advance(3601s);
        QVERIFY(!service->validate(rawKey(*old)).has_value());
        QVERIFY(service->validate(rawKey(*fresh)).has_value());
        auto expired = service->expireDue();
        QVERIFY(expired.has_value());
        QCOMPARE(*expired, QStringList {old->record.id});
        QCOMPARE(service->find(old->record.id)->state, ApiKeyState::Expired);
        QCOMPARE(service->find(old->record.id)->replacedBy, fresh->record.id);
    }

    void refusesBadInput()
    {
        auto service = openService(freshStore());
        QVERIFY(service->issue(request(QString())).error().is(ApiKeyError::InvalidInput));
        QVERIFY(service->issue(request(QStringLiteral("x"), {QStringLiteral("bad scope")}))
                    .error()
                    .is(ApiKeyError::InvalidInput));
        QVERIFY(service->issue(request(QStringLiteral("bell\a"))).error().is(ApiKeyError::InvalidInput));
        auto badEnvironment = request(QStringLiteral("x"));
        badEnvironment.environment = QStringLiteral("Prod");
        QVERIFY(service->issue(badEnvironment).error().is(ApiKeyError::InvalidInput));
        auto negative = request(QStringLiteral("x"));
        negative.expiresIn = std::chrono::seconds(-5);
        QVERIFY(service->issue(negative).error().is(ApiKeyError::InvalidInput));
        QCOMPARE(service->list()->size(), std::size_t(0));
    }

    void neverMakesANewPepperForExistingKeys()
    {
        auto database = freshStore();
        {
            auto service = openService(database);
            QVERIFY(service->issue(request(QStringLiteral("a"))).has_value());
        }
        store::MemorySecretStore empty;
        auto missing = ApiKeyService::open(database, empty, m_clock);
        QVERIFY(!missing.has_value());
        QVERIFY(missing.error().is(ApiKeyError::PepperMissing));
        QVERIFY(empty.read(pepper::secretName()).error().is(store::StoreError::SecretNotFound));

        store::MemorySecretStore foreign;
        QVERIFY(foreign.write(pepper::secretName(), crypto::SecretBytes(QByteArray(32, 'x'))).has_value());
        auto mismatch = ApiKeyService::open(database, foreign, m_clock);
        QVERIFY(mismatch.error().is(ApiKeyError::PepperMismatch));

        UnreachableSecrets unreachable;
        auto unavailable = ApiKeyService::open(database, unreachable, m_clock);
        QVERIFY(unavailable.error().is(store::StoreError::SecretsUnavailable));
    }

    void listsAndFilters()
    {
        auto service = openService(freshStore());
        auto a = service->issue(request(QStringLiteral("a")));
        auto b = service->issue(request(QStringLiteral("b")));
        QVERIFY(a && b);
        QVERIFY(service->revoke(b->record.id, QStringLiteral("test")).has_value());
        QCOMPARE(service->list()->size(), std::size_t(2));
        auto revoked = service->list(ApiKeyState::Revoked);
        QCOMPARE(revoked->size(), std::size_t(1));
        QCOMPARE(revoked->front().id, b->record.id);
        QCOMPARE(service->list(ApiKeyState::Active)->front().id, a->record.id);
    }

    void rawKeysNeverReachTheDatabaseFiles()
    {
        QFETCH_GLOBAL(QString, backend);
        if (backend != u"sqlite")
            QSKIP("the file check is about the SQLite files");
        auto service = openService(freshStore());
        QList<QByteArray> keys;
        for (int i = 0; i < 50; ++i) {
            auto issued = service->issue(request(u"k" % QString::number(i)));
            QVERIFY(issued.has_value());
            keys << rawKey(*issued);
            QVERIFY(service->validate(keys.last()).has_value());
        }
        QVERIFY(service->rotate(service->list()->front().id, 60s).has_value());
        QVERIFY(service->flushUsage().has_value());
        QDirIterator files(m_stores.directory(), QDir::Files);
        int checked = 0;
        while (files.hasNext()) {
            QFile file(files.next());
            QVERIFY(file.open(QIODevice::ReadOnly));
            const QByteArray content = file.readAll();
            for (const QByteArray &key : std::as_const(keys)) {
                QVERIFY2(!content.contains(key), qPrintable(file.fileName()));
                QVERIFY2(!content.contains(key.sliced(9, 30)), qPrintable(file.fileName()));
            }
            ++checked;
        }
        QVERIFY(checked >= 3); // .db, -wal, -shm (and the change counter)
    }
};

QTEST_GUILESS_MAIN(TestApiKeyService)
#include "TestApiKeyService.moc"
