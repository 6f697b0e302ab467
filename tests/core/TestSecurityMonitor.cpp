// The workspace's security monitor as wired by the engine: published events reach the log, the default alert rules
// raise an alert (on the Qt signal the console turns into a notification, and as an alert_raised event in the log),
// and the failed-auth tracker's lock events go the same way.

#include <QSignalSpy>
#include <QTest>

#include "FakeClock.h"
#include "MonitorTesting.h"
#include "ResultText.h"
#include "TempDir.h"
#include "engine/SecurityMonitor.h"
#include "monitor/Alert.h"
#include "monitor/EventLog.h"
#include "monitor/FailedAuthTracker.h"
#include "monitor/SignalSink.h"
#include "store/Database.h"
#include "store/DatabaseLocation.h"

using namespace portcullis;
using namespace portcullis::engine;

class TestSecurityMonitor : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<test::TempDir> m_dir;
    std::unique_ptr<test::FakeClock> m_clock;
    std::shared_ptr<store::Database> m_database;

    std::unique_ptr<SecurityMonitor> openMonitor()
    {
        auto opened = SecurityMonitor::open(m_database, *m_clock, test::monitorOptions(QStringLiteral("node-1")));
        if (!opened)
            qWarning("%s", qPrintable(opened.error().toString()));
        return opened ? std::move(*opened) : nullptr;
    }

    QList<monitor::LoggedEvent> logged(const SecurityMonitor &securityMonitor, monitor::EventType type)
    {
        monitor::EventQuery query;
        query.types = {type};
        return securityMonitor.log().query(query).value();
    }

private Q_SLOTS:
    void init()
    {
        m_dir = std::make_unique<test::TempDir>();
        m_clock = std::make_unique<test::FakeClock>();
        m_clock->setUnixSeconds(1'790'000'000);
        auto database
            = store::Database::open(store::DatabaseLocation::sqliteFile(m_dir->filePath(QStringLiteral("db"))));
        QVERIFY2(database, test::why(database));
        m_database = *database;
    }

    void fiveFailuresForOneUserRaiseOneAlert()
    {
        auto securityMonitor = openMonitor();
        QVERIFY(securityMonitor);
        QSignalSpy alerts(&securityMonitor->alertSignals(), &monitor::SignalSink::alertRaised);
        for (int i = 0; i < 6; ++i) {
            monitor::SecurityEvent event;
            event.type = monitor::EventType::FailedAuth;
            event.user = QStringLiteral("alice");
            event.sourceAddress = QStringLiteral("203.0.113.5");
            event.reason = QStringLiteral("bad_password");
            QVERIFY(securityMonitor->publish(event));
            m_clock->advance(std::chrono::seconds(10));
        }
        QVERIFY(securityMonitor->flush());
        QTRY_COMPARE(alerts.size(), 1);
        const auto alert = alerts[0][0].value<monitor::Alert>();
        QCOMPARE(alert.rule, QStringLiteral("failed-auth-burst"));
        QCOMPARE(alert.subject, QStringLiteral("alice"));

        QVERIFY(securityMonitor->flush()); // the alert_raised event went back on the bus
        securityMonitor.reset(); // the log writer writes what is left
        securityMonitor = openMonitor();
        QVERIFY(securityMonitor);
        QCOMPARE(logged(*securityMonitor, monitor::EventType::FailedAuth).size(), 6);
        const auto raised = logged(*securityMonitor, monitor::EventType::AlertRaised);
        QCOMPARE(raised.size(), 1);
        QCOMPARE(raised[0].event.user, QStringLiteral("alice"));
        QCOMPARE(raised[0].event.instanceId, QStringLiteral("node-1"));
    }

    void lockoutsAreLoggedAndSurviveARestart()
    {
        auto securityMonitor = openMonitor();
        QVERIFY(securityMonitor);
        monitor::AuthSubjects subjects;
        subjects.user = QStringLiteral("bob");
        for (int i = 0; i < 30; ++i) { // Keycloak's default: 30 failures
            securityMonitor->tracker().recordFailure(subjects, QStringLiteral("bad_password"));
            m_clock->advance(std::chrono::seconds(2));
        }
        QVERIFY(!securityMonitor->tracker().check(subjects).allowed());
        securityMonitor.reset();

        securityMonitor = openMonitor();
        QVERIFY(securityMonitor);
        QVERIFY(!securityMonitor->tracker().check(subjects).allowed());
        const auto locks = logged(*securityMonitor, monitor::EventType::Lockout);
        QCOMPARE(locks.size(), 1);
        QCOMPARE(locks[0].event.user, QStringLiteral("bob"));
        QCOMPARE(locks[0].event.reason, QStringLiteral("max_failures"));
    }
};

QTEST_GUILESS_MAIN(TestSecurityMonitor)
#include "TestSecurityMonitor.moc"
