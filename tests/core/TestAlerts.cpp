#include <QSignalSpy>
#include <QTest>
#include <QThread>

#include <thread>

#include "FakeClock.h"
#include "ResultText.h"
#include "monitor/AlertEngine.h"
#include "monitor/AlertError.h"
#include "monitor/AlertRule.h"
#include "monitor/AlertSink.h"
#include "monitor/SignalSink.h"

using namespace portcullis;
using namespace portcullis::monitor;
using namespace std::chrono_literals;

Q_DECLARE_METATYPE(portcullis::monitor::AlertError)

namespace {

constexpr qint64 MINUTE = 60000;

SecurityEvent failure(qint64 timeMs, const QString &user, const QString &source = QStringLiteral("203.0.113.7"))
{
    SecurityEvent event;
    event.timeMs = timeMs;
    event.type = EventType::FailedAuth;
    event.severity = Severity::Notice;
    event.user = user;
    event.sourceAddress = source;
    event.reason = QStringLiteral("bad_password");
    return event;
}

SecurityEvent ofType(EventType type, qint64 timeMs, const QString &clientId)
{
    SecurityEvent event;
    event.timeMs = timeMs;
    event.type = type;
    event.severity = defaultSeverity(type);
    event.clientId = clientId;
    event.detail = QStringLiteral("A token was presented twice.");
    return event;
}

AlertRule::Spec specOf(const QString &name, QList<EventType> types, qint64 threshold, std::chrono::milliseconds window)
{
    AlertRule::Spec spec;
    spec.name = name;
    spec.types = std::move(types);
    spec.threshold = threshold;
    spec.window = window;
    return spec;
}

// A sink that keeps what it is given, for checking what the engine hands on.
class RecordingSink final : public AlertSink
{
public:
    void notify(const Alert &alert) override { alerts += alert; }
    QList<Alert> alerts;
};

} // namespace

class TestAlerts : public QObject
{
    Q_OBJECT

private:
    test::FakeClock m_clock;

    qint64 now() const { return m_clock.unixMillis(); }

    // Feeds one event at the clock's time, after moving the clock to `offsetMs` from `startMs`.
    QList<Alert> at(AlertEngine &engine, qint64 startMs, qint64 offsetMs, SecurityEvent event)
    {
        m_clock.setUnixMillis(startMs + offsetMs);
        event.timeMs = startMs + offsetMs;
        return engine.process({event});
    }

private slots:
    void init() { m_clock.setUnixMillis(test::FakeClock::DEFAULT_START_MS); }

    void thresholdFiresOnceAtTheFifthFailureWithinAnHour()
    {
        RecordingSink sink;
        AlertEngine engine(m_clock, AlertRule::defaults());
        engine.addSink(&sink);
        const qint64 start = now();
        for (int i = 0; i < 4; ++i)
            QVERIFY(at(engine, start, i * 10 * MINUTE, failure(0, QStringLiteral("alice"))).isEmpty());
        const QList<Alert> alerts = at(engine, start, 45 * MINUTE, failure(0, QStringLiteral("alice")));
        QCOMPARE(alerts.size(), 1);
        const Alert &alert = alerts.first();
        QCOMPARE(alert.rule, QStringLiteral("failed-auth-burst"));
        QCOMPARE(alert.severity, Severity::Warning);
        QCOMPARE(alert.per, AlertGrouping::Identifier);
        QCOMPARE(alert.subject, QStringLiteral("alice"));
        QCOMPARE(alert.count, 5);
        QCOMPARE(alert.threshold, 5);
        QCOMPARE(alert.window, std::chrono::milliseconds(1h));
        QCOMPARE(alert.firstEventMs, start);
        QCOMPARE(alert.lastEventMs, start + 45 * MINUTE);
        QCOMPARE(alert.summary,
                 QStringLiteral("5 failed_auth events for identifier 'alice' within 45 min (rule failed-auth-burst: "
                                "5 in 1 h)."));
        QCOMPARE(alert.samples.size(), 3);
        QCOMPARE(alert.samples.last().timeMs, start + 45 * MINUTE);
        QCOMPARE(alert.id.size(), 16);
        QCOMPARE(sink.alerts, alerts);

        // The attack goes on: the reference system alerted on every failure past the fifth; this one stays quiet.
        for (int i = 0; i < 10; ++i)
            QVERIFY(at(engine, start, 46 * MINUTE + i * MINUTE, failure(0, QStringLiteral("alice"))).isEmpty());
        QCOMPARE(sink.alerts.size(), 1);
        QCOMPARE(engine.stats().alertsRaised, 1);
        QCOMPARE(engine.stats().suppressed, 10);
    }

    void fiveFailuresSpreadOverMoreThanAnHourDoNotFire()
    {
        AlertEngine engine(m_clock, AlertRule::defaults());
        const qint64 start = now();
        // 16 minutes apart: each failure is within the hour of the one before, which kept the reference system's
        // counter alive (its expiry was pushed back on every failure) until it alerted on the fifth.
        for (int i = 0; i < 5; ++i)
            QVERIFY(at(engine, start, i * 16 * MINUTE, failure(0, QStringLiteral("bob"))).isEmpty());
        // One hour exactly from the first to the fifth is not "within" the hour either.
        AlertEngine exact(m_clock, AlertRule::defaults());
        for (int i = 0; i < 5; ++i)
            QVERIFY(at(exact, start, i * 15 * MINUTE, failure(0, QStringLiteral("bob"))).isEmpty());
        // A sixth at 65 min puts the last five (16..65 min) within 49 minutes: now it fires.
        const QList<Alert> alerts = at(engine, start, 65 * MINUTE, failure(0, QStringLiteral("bob")));
        QCOMPARE(alerts.size(), 1);
        QCOMPARE(alerts.first().firstEventMs, start + 16 * MINUTE);
    }

    void groupsDoNotMix()
    {
        AlertEngine engine(m_clock, AlertRule::defaults());
        const qint64 start = now();
        QList<SecurityEvent> batch;
        for (int i = 0; i < 4; ++i) {
            batch += failure(start + i, QStringLiteral("alice"));
            batch += failure(start + i, QStringLiteral("bob"));
            batch += failure(start + i, QStringLiteral("carol"));
        }
        QVERIFY(engine.process(batch).isEmpty());
        QCOMPARE(engine.stats().groups, 3);
        const QList<Alert> alerts = engine.process({failure(start + 10, QStringLiteral("bob"))});
        QCOMPARE(alerts.size(), 1);
        QCOMPARE(alerts.first().subject, QStringLiteral("bob"));
        for (const SecurityEvent &sample : alerts.first().samples)
            QCOMPARE(sample.user, QStringLiteral("bob"));

        // Per source address: the same address across users counts together.
        auto bySource = AlertRule::create({QStringLiteral("spray"),
                                           {EventType::FailedAuth},
                                           3,
                                           10min,
                                           AlertGrouping::SourceAddress,
                                           Severity::Warning,
                                           std::nullopt});
        QVERIFY2(bySource, test::why(bySource).constData());
        AlertEngine spray(m_clock, {*bySource});
        const QList<Alert> sprayed = spray.process(
            {failure(start, QStringLiteral("a")), failure(start + 1, QStringLiteral("b"), QStringLiteral("10.0.0.9")),
             failure(start + 2, QStringLiteral("c")), failure(start + 3, QStringLiteral("d"))});
        QCOMPARE(sprayed.size(), 1);
        QCOMPARE(sprayed.first().subject, QStringLiteral("203.0.113.7"));
        QCOMPARE(sprayed.first().per, AlertGrouping::SourceAddress);
    }

    void rearmsAfterTheWindow()
    {
        AlertEngine engine(m_clock, AlertRule::defaults());
        const qint64 start = now();
        for (int i = 0; i < 4; ++i)
            QVERIFY(at(engine, start, i * MINUTE, failure(0, QStringLiteral("alice"))).isEmpty());
        QCOMPARE(at(engine, start, 4 * MINUTE, failure(0, QStringLiteral("alice"))).size(), 1);
        // One failure a minute: quiet until an hour after the alert, then one alert that says what it held back.
        for (qint64 minute = 5; minute < 64; ++minute)
            QVERIFY2(at(engine, start, minute * MINUTE, failure(0, QStringLiteral("alice"))).isEmpty(),
                     QByteArray::number(minute).constData());
        const QList<Alert> again = at(engine, start, 64 * MINUTE, failure(0, QStringLiteral("alice")));
        QCOMPARE(again.size(), 1);
        QCOMPARE(again.first().suppressed, 59);
        QVERIFY(
            again.first().summary.endsWith(QStringLiteral("59 more arrived during the previous alert's cooldown.")));
        QCOMPARE(engine.stats().alertsRaised, 2);

        // After a quiet spell, the count starts from nothing: four more failures do not fire.
        for (int i = 0; i < 4; ++i)
            QVERIFY(at(engine, start, 200 * MINUTE + i, failure(0, QStringLiteral("alice"))).isEmpty());
    }

    void typeRulesFireImmediatelyOnReuse()
    {
        RecordingSink sink;
        AlertEngine engine(m_clock, AlertRule::defaults());
        engine.addSink(&sink);
        const QList<Alert> refresh = engine.process({ofType(EventType::RefreshReuse, now(), QStringLiteral("app1"))});
        QCOMPARE(refresh.size(), 1);
        QCOMPARE(refresh.first().rule, QStringLiteral("refresh-reuse"));
        QCOMPARE(refresh.first().severity, Severity::Critical);
        QCOMPARE(refresh.first().subject, QStringLiteral("app1"));
        QCOMPARE(refresh.first().count, 1);
        QCOMPARE(refresh.first().summary,
                 QStringLiteral("refresh_reuse event for identifier 'app1' (rule refresh-reuse). A token was "
                                "presented twice."));
        const QList<Alert> code = engine.process({ofType(EventType::CodeReuse, now(), QStringLiteral("app1"))});
        QCOMPARE(code.size(), 1);
        QCOMPARE(code.first().rule, QStringLiteral("code-reuse"));
        QCOMPARE(code.first().severity, Severity::Critical);

        // A replay loop of the same client is one incident for the cooldown; another client is another.
        QVERIFY(engine.process({ofType(EventType::RefreshReuse, now() + 1, QStringLiteral("app1"))}).isEmpty());
        QCOMPARE(engine.process({ofType(EventType::RefreshReuse, now() + 2, QStringLiteral("app2"))}).size(), 1);
        m_clock.advance(5min);
        QCOMPARE(engine.process({ofType(EventType::RefreshReuse, now(), QStringLiteral("app1"))}).size(), 1);
        QCOMPARE(sink.alerts.size(), 4);
        // Other types match no rule.
        QVERIFY(engine.process({ofType(EventType::KeyIssued, now(), QStringLiteral("app1"))}).isEmpty());
    }

    void publishesAlertRaisedEventsThatAreNeverCountedAgain()
    {
        QList<SecurityEvent> published;
        std::unique_ptr<AlertEngine> engine;
        // The publisher hands the event straight back, as an event bus would deliver it to every subscriber.
        engine = std::make_unique<AlertEngine>(m_clock, AlertRule::defaults(), [&](SecurityEvent event) {
            published += event;
            QVERIFY(engine->process({event}).isEmpty());
        });
        const qint64 start = now();
        for (int i = 0; i < 4; ++i)
            QVERIFY(engine->process({failure(start + i, QStringLiteral("alice"))}).isEmpty());
        QCOMPARE(engine->process({failure(start + 4, QStringLiteral("alice"))}).size(), 1);
        QCOMPARE(published.size(), 1);
        const SecurityEvent &event = published.first();
        QCOMPARE(event.type, EventType::AlertRaised);
        QCOMPARE(event.severity, Severity::Warning);
        QCOMPARE(event.reason, QStringLiteral("failed-auth-burst"));
        QCOMPARE(event.user, QStringLiteral("alice"));
        QVERIFY(event.sourceAddress.isEmpty());
        QVERIFY(event.detail.startsWith(QStringLiteral("5 failed_auth events for identifier 'alice'")));
        QCOMPARE(event.timeMs, now());
        QCOMPARE(engine->stats().eventsSeen, 5);

        // Even a rule that names every type never sees alert_raised: such a rule is refused outright.
        auto loop = AlertRule::create({QStringLiteral("loop"),
                                       {EventType::FailedAuth, EventType::AlertRaised},
                                       1,
                                       0ms,
                                       AlertGrouping::Global,
                                       Severity::Info,
                                       std::nullopt});
        QVERIFY(!loop);
        QVERIFY(loop.error().is(AlertError::InvalidTypes));
        QVERIFY(loop.error().detail().contains(QStringLiteral("alert_raised")));
    }

    void alertTextIsMadeSafe()
    {
        AlertEngine engine(m_clock, AlertRule::defaults());
        const QString hostile = QStringLiteral("eve\n2026-01-01 admin logged in\x1b[31m");
        QList<SecurityEvent> batch;
        for (int i = 0; i < 5; ++i)
            batch += failure(now() + i, hostile);
        const QList<Alert> alerts = engine.process(batch);
        QCOMPARE(alerts.size(), 1);
        QVERIFY(!alerts.first().summary.contains(u'\n'));
        QVERIFY(!alerts.first().summary.contains(QChar(0x1b)));
        QVERIFY(alerts.first().summary.contains(QStringLiteral("eve\\n2026")));
        QCOMPARE(alerts.first().samples.last(), normalized(batch.last()));
    }

    void memoryStaysBoundedWithManyGroups()
    {
        AlertEngine::Options options;
        options.maxGroupsPerRule = 100;
        AlertEngine engine(m_clock, AlertRule::defaults(), {}, options);
        const qint64 start = now();
        QList<SecurityEvent> batch;
        for (int i = 0; i < 20000; ++i)
            batch += failure(start, QStringLiteral("user-%1").arg(i));
        QVERIFY(engine.process(batch).isEmpty());
        QCOMPARE(engine.stats().groups, 100);
        QCOMPARE(engine.stats().groupsEvicted, 20000 - 100);

        // An attacker that keeps at one identifier stays counted while others come and go.
        for (int round = 0; round < 4; ++round) {
            QList<SecurityEvent> noise;
            for (int i = 0; i < 99; ++i)
                noise += failure(start + round, QStringLiteral("noise-%1-%2").arg(round).arg(i));
            noise += failure(start + round, QStringLiteral("mallory"));
            QVERIFY(engine.process(noise).isEmpty());
        }
        QCOMPARE(engine.process({failure(start + 5, QStringLiteral("mallory"))}).size(), 1);
        QVERIFY(engine.stats().groups <= 100);

        // Groups whose window and cooldown are over are forgotten on the next batch.
        m_clock.advance(2h);
        QVERIFY(engine.process({failure(now(), QStringLiteral("late"))}).isEmpty());
        QCOMPARE(engine.stats().groups, 1);
    }

    void eventTimesFromTheFutureAreClamped()
    {
        AlertEngine engine(m_clock, AlertRule::defaults());
        // A skewed producer says it is next year: the group must not be held quiet until then.
        QCOMPARE(
            engine.process({ofType(EventType::RefreshReuse, now() + 365LL * 24 * 3600 * 1000, QStringLiteral("app1"))})
                .size(),
            1);
        m_clock.advance(6min + std::chrono::milliseconds(AlertEngine::MAX_FUTURE_SKEW_MS));
        QCOMPARE(engine.process({ofType(EventType::RefreshReuse, now(), QStringLiteral("app1"))}).size(), 1);
    }

    void ruleValidation_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<qint64>("threshold");
        QTest::addColumn<qint64>("windowMs");
        QTest::addColumn<qint64>("cooldownMs");
        QTest::addColumn<AlertError>("error");
        QTest::newRow("empty name") << QString() << 5LL << 60000LL << -1LL << AlertError::InvalidName;
        QTest::newRow("name with space") << QStringLiteral("a b") << 5LL << 60000LL << -1LL << AlertError::InvalidName;
        QTest::newRow("long name") << QString(65, u'a') << 5LL << 60000LL << -1LL << AlertError::InvalidName;
        QTest::newRow("zero threshold") << QStringLiteral("r") << 0LL << 60000LL << -1LL
                                        << AlertError::InvalidThreshold;
        QTest::newRow("huge threshold") << QStringLiteral("r") << 1001LL << 60000LL << -1LL
                                        << AlertError::InvalidThreshold;
        QTest::newRow("no window") << QStringLiteral("r") << 5LL << 0LL << -1LL << AlertError::InvalidWindow;
        QTest::newRow("window too long") << QStringLiteral("r") << 5LL << 32LL * 86400000 << -1LL
                                         << AlertError::InvalidWindow;
        QTest::newRow("window on immediate")
            << QStringLiteral("r") << 1LL << 60000LL << -1LL << AlertError::InvalidWindow;
        QTest::newRow("negative cooldown")
            << QStringLiteral("r") << 5LL << 60000LL << -5LL << AlertError::InvalidCooldown;
    }

    void ruleValidation()
    {
        QFETCH(QString, name);
        QFETCH(qint64, threshold);
        QFETCH(qint64, windowMs);
        QFETCH(qint64, cooldownMs);
        QFETCH(AlertError, error);
        AlertRule::Spec spec = specOf(name, {EventType::FailedAuth}, threshold, std::chrono::milliseconds(windowMs));
        if (cooldownMs != -1)
            spec.cooldown = std::chrono::milliseconds(cooldownMs);
        const auto rule = AlertRule::create(spec);
        QVERIFY(!rule);
        QVERIFY2(rule.error().is(error), qPrintable(rule.error().toString()));
        QVERIFY(!rule.error().detail().isEmpty());

        QVERIFY(!AlertRule::create(specOf(QStringLiteral("none"), {}, 1, 0ms)));
        QVERIFY(!AlertRule::create(specOf(QStringLiteral("twice"), {EventType::Lockout, EventType::Lockout}, 1, 0ms)));
    }

    void defaultsAndDescriptions()
    {
        const QList<AlertRule> rules = AlertRule::defaults();
        QCOMPARE(rules.size(), 3);
        QCOMPARE(rules[0].describe(), QStringLiteral("5 failed_auth events within 1 h per identifier"));
        QCOMPARE(rules[0].cooldown(), std::chrono::milliseconds(1h));
        QCOMPARE(rules[1].describe(), QStringLiteral("any refresh_reuse event"));
        QCOMPARE(rules[1].cooldown(), AlertRule::IMMEDIATE_COOLDOWN);
        QCOMPARE(rules[2].describe(), QStringLiteral("any code_reuse event"));
        QCOMPARE(durationText(90min), QStringLiteral("1 h 30 min"));
        QCOMPARE(durationText(250ms), QStringLiteral("250 ms"));
        QCOMPARE(durationText(48h), QStringLiteral("2 d"));
    }

    void parsesAJsonConfig()
    {
        const QByteArray json = R"([
            {"name": "failed-auth-burst", "types": ["failed_auth"], "threshold": 5, "window_seconds": 3600,
             "per": "identifier", "severity": "warning"},
            {"name": "refresh-reuse", "types": ["refresh_reuse"], "severity": "critical"},
            {"name": "code-reuse", "types": ["code_reuse"], "severity": "critical", "per": "identifier"},
            {"name": "limited", "types": ["rate_limited", "lockout"], "threshold": 100, "window_seconds": 60,
             "per": "global", "severity": "notice", "cooldown_seconds": 0}
        ])";
        const auto rules = AlertRule::parseConfig(json);
        QVERIFY2(rules, test::why(rules).constData());
        QCOMPARE(rules->size(), 4);
        QCOMPARE(rules->mid(0, 3), AlertRule::defaults());
        const AlertRule &limited = rules->at(3);
        QCOMPARE(limited.types(), (QList<EventType> {EventType::RateLimited, EventType::Lockout}));
        QCOMPARE(limited.threshold(), 100);
        QCOMPARE(limited.window(), std::chrono::milliseconds(1min));
        QCOMPARE(limited.per(), AlertGrouping::Global);
        QCOMPARE(limited.severity(), Severity::Notice);
        QCOMPARE(limited.cooldown(), std::chrono::milliseconds(0));
        QVERIFY(AlertRule::parseConfig("[]"));
    }

    void refusesBadConfigs_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("says");
        const QByteArray ok = R"("name": "r", "types": ["failed_auth"])";
        QTest::newRow("not json") << QByteArray("[{") << QStringLiteral("not valid JSON");
        QTest::newRow("not an array") << QByteArray(R"({"rules": []})") << QStringLiteral("must be a JSON array");
        QTest::newRow("not an object") << QByteArray("[5]") << QStringLiteral("Alert rule 1: each rule must be");
        QTest::newRow("no name") << QByteArray(R"([{"types": ["failed_auth"]}])") << QStringLiteral("\"name\"");
        QTest::newRow("typo") << QByteArray("[{" + ok + R"(, "treshold": 5}])")
                              << QStringLiteral("Alert rule 1 ('r'): unknown member \"treshold\"");
        QTest::newRow("no types") << QByteArray(R"([{"name": "r"}])") << QStringLiteral("\"types\" is required");
        QTest::newRow("unknown type") << QByteArray(R"([{"name": "r", "types": ["failed_auht"]}])")
                                      << QStringLiteral("types[0] is not an event type");
        QTest::newRow("alert_raised") << QByteArray(R"([{"name": "r", "types": ["alert_raised"]}])")
                                      << QStringLiteral("alerts never feed alert rules");
        QTest::newRow("threshold text") << QByteArray("[{" + ok + R"(, "threshold": "5"}])")
                                        << QStringLiteral("\"threshold\" must be a whole number");
        QTest::newRow("fractional threshold") << QByteArray("[{" + ok + R"(, "threshold": 5.5}])")
                                              << QStringLiteral("\"threshold\" must be a whole number");
        QTest::newRow("threshold without window")
            << QByteArray("[{" + ok + R"(, "threshold": 5}])") << QStringLiteral("needs \"window_seconds\"");
        QTest::newRow("negative window") << QByteArray("[{" + ok + R"(, "threshold": 5, "window_seconds": -1}])")
                                         << QStringLiteral("window_seconds must be a whole number of seconds");
        QTest::newRow("bad per") << QByteArray("[{" + ok + R"(, "per": "user"}])") << QStringLiteral("\"per\" must be");
        QTest::newRow("bad severity") << QByteArray("[{" + ok + R"(, "severity": "fatal"}])")
                                      << QStringLiteral("\"severity\" must be");
        QTest::newRow("invalid rule")
            << QByteArray("[{" + ok + R"(, "threshold": 5000, "window_seconds": 60}])")
            << QStringLiteral("Rule 1 of the configuration is invalid. Alert rule 'r': the threshold must be");
        QTest::newRow("duplicate names") << QByteArray("[{" + ok + "}, {" + ok + "}]")
                                         << QStringLiteral("Alert rule 2 ('r'): another rule has the same name");
        QTest::newRow("duplicate member")
            << QByteArray(R"([{"name": "r", "name": "s", "types": ["lockout"]}])") << QStringLiteral("not valid JSON");
        QTest::newRow("too large") << QByteArray(AlertRule::MAX_CONFIG_BYTES + 1, ' ')
                                   << QStringLiteral("the limit is 65536");
        QByteArray many = "[";
        for (int i = 0; i <= AlertRule::MAX_RULES; ++i)
            many += (i ? ",{" : "{") + QByteArray("\"name\": \"r") + QByteArray::number(i)
                + "\", \"types\": [\"lockout\"]}";
        QTest::newRow("too many rules") << many + "]" << QStringLiteral("has 101 rules; the limit is 100");
    }

    void refusesBadConfigs()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, says);
        const auto rules = AlertRule::parseConfig(json);
        QVERIFY(!rules);
        QVERIFY(rules.error().is(AlertError::InvalidConfig));
        QVERIFY2(rules.error().detail().contains(says), qPrintable(rules.error().detail()));
    }

    void signalSinkDeliversOnTheReceiversThread()
    {
        SignalSink sink;
        QThread *received = nullptr;
        QList<Alert> alerts;
        connect(&sink, &SignalSink::alertRaised, this, [&](const Alert &alert) {
            received = QThread::currentThread();
            alerts += alert;
        });
        AlertEngine engine(m_clock, AlertRule::defaults());
        engine.addSink(&sink);
        QList<Alert> raised;
        // The engine runs on the event bus's delivery thread, not the GUI thread.
        std::thread delivery(
            [&] { raised = engine.process({ofType(EventType::CodeReuse, now(), QStringLiteral("app1"))}); });
        delivery.join();
        QCOMPARE(raised.size(), 1);
        QVERIFY(alerts.isEmpty()); // queued, not called from the delivery thread
        QTRY_COMPARE(alerts.size(), 1);
        QCOMPARE(alerts.first(), raised.first());
        QCOMPARE(received, QThread::currentThread());

        // Removed, it hears nothing more.
        engine.removeSink(&sink);
        QCOMPARE(engine.process({ofType(EventType::CodeReuse, now(), QStringLiteral("app2"))}).size(), 1);
        QCoreApplication::processEvents();
        QCOMPARE(alerts.size(), 1);
    }

    void signalSinkDropsPastItsBound()
    {
        SignalSink sink(nullptr, 3);
        QSignalSpy spy(&sink, &SignalSink::alertRaised);
        Alert alert;
        alert.rule = QStringLiteral("r");
        for (int i = 0; i < 10; ++i)
            sink.notify(alert);
        QCOMPARE(sink.dropped(), 7);
        QTRY_COMPARE(spy.size(), 3);
        // Once the queue has drained there is room again.
        sink.notify(alert);
        QTRY_COMPARE(spy.size(), 4);
        QCOMPARE(sink.dropped(), 7);
    }
};

QTEST_GUILESS_MAIN(TestAlerts)
#include "TestAlerts.moc"
