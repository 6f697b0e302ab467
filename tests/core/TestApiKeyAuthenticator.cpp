// API keys behind the failed-auth tracker, as a server checks them: a source address locked after repeated bad keys
// is refused with the very same error even when it then presents a correct key, other addresses are unaffected, and
// the lock and the refusals are in the log.

#include <QTest>

#include "FakeClock.h"
#include "ResultText.h"
#include "TempDir.h"
#include "apikeys/ApiKeyError.h"
#include "apikeys/ApiKeyService.h"
#include "engine/ApiKeyAuthenticator.h"
#include "engine/SecurityMonitor.h"
#include "engine/Workspace.h"
#include "monitor/EventLog.h"
#include "monitor/FailedAuthTracker.h"

using namespace portcullis;
using namespace std::chrono_literals;

class TestApiKeyAuthenticator : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void aLockedSourceIsRefusedEvenWithACorrectKey()
    {
        test::TempDir dir;
        test::FakeClock clock;
        clock.setUnixSeconds(1'790'000'000);
        engine::WorkspaceOptions options;
        options.directory = dir.filePath(QStringLiteral("ws"));
        options.secrets = QStringLiteral("memory");
        options.background = false;
        auto workspace = engine::Workspace::open(options, clock);
        QVERIFY2(workspace, test::why(workspace));
        auto keys = (*workspace)->apiKeys();
        QVERIFY2(keys, test::why(keys));
        auto securityMonitor = (*workspace)->monitor();
        QVERIFY2(securityMonitor, test::why(securityMonitor));
        apikeys::ApiKeyService::IssueRequest request;
        request.name = QStringLiteral("checkout");
        auto issued = (*keys)->issue(request);
        QVERIFY2(issued, test::why(issued));
        const QByteArray good = issued->key.view().toByteArray();
        QByteArray wrong = good;
        wrong[12] = wrong[12] == 'A' ? 'B' : 'A'; // caught by the checksum

        engine::ApiKeyAuthenticator authenticator(**keys, **securityMonitor);
        const QString attacker = QStringLiteral("198.51.100.66");
        const auto refusedBadKey = authenticator.authenticate(wrong, {}, attacker);
        QVERIFY(!refusedBadKey);
        const QString generic = refusedBadKey.error().toString();
        const qint64 threshold = monitor::FailedAuthTracker::defaultSourcePolicy().maxFailures;
        for (qint64 i = 1; i < threshold; ++i) {
            clock.advance(2s);
            QVERIFY(!authenticator.authenticate(wrong, {}, attacker));
        }
        monitor::AuthSubjects subjects;
        subjects.sourceAddress = attacker;
        QVERIFY(!(*securityMonitor)->tracker().check(subjects).allowed());

        const auto refusedGoodKey = authenticator.authenticate(good, {}, attacker);
        QVERIFY(!refusedGoodKey);
        QCOMPARE(refusedGoodKey.error().toString(), generic); // nothing tells the attacker the key was right
        QVERIFY(refusedGoodKey.error().is(apikeys::ApiKeyError::InvalidKey));

        const auto elsewhere = authenticator.authenticate(good, {}, QStringLiteral("203.0.113.10"));
        QVERIFY2(elsewhere, test::why(elsewhere));
        QCOMPARE(elsewhere->id, issued->record.id);

        // An operator lifts the lock: the right key works from there again.
        QVERIFY(
            (*securityMonitor)->tracker().unlock(monitor::SubjectKind::SourceAddress, attacker, QStringLiteral("ops")));
        QVERIFY(authenticator.authenticate(good, {}, attacker));

        QVERIFY((*securityMonitor)->flush());
        workspace->reset(); // writes the rest of the log
        auto reopened = engine::Workspace::open(options, clock);
        QVERIFY2(reopened, test::why(reopened));
        auto log = (*reopened)->monitor();
        QVERIFY2(log, test::why(log));
        monitor::EventQuery query;
        query.subject = attacker;
        query.limit = 1000;
        const auto events = (*log)->log().query(query).value();
        const auto count = [&events](monitor::EventType type, const QString &reason = {}) {
            return std::count_if(events.cbegin(), events.cend(), [&](const monitor::LoggedEvent &logged) {
                return logged.event.type == type && (reason.isEmpty() || logged.event.reason == reason);
            });
        };
        QCOMPARE(count(monitor::EventType::FailedAuth, QStringLiteral("bad_checksum")), threshold);
        QCOMPARE(count(monitor::EventType::Lockout), 1);
        QCOMPARE(count(monitor::EventType::FailedAuth, QStringLiteral("locked")), 1);
        QCOMPARE(count(monitor::EventType::Unlock), 1);
    }
};

QTEST_GUILESS_MAIN(TestApiKeyAuthenticator)
#include "TestApiKeyAuthenticator.moc"
