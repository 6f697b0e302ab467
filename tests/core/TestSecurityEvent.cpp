#include <QJsonDocument>
#include <QTest>

#include "apikeys/ApiKeyEvent.h"
#include "monitor/ApiKeyEvents.h"
#include "monitor/SecurityEvent.h"

using namespace portcullis;
using namespace portcullis::monitor;

class TestSecurityEvent : public QObject
{
    Q_OBJECT

private slots:
    void typeNamesRoundTrip()
    {
        for (int i = 0; i <= int(EventType::AlertRaised); ++i) {
            const auto type = EventType(i);
            const QString name = eventTypeName(type);
            QVERIFY(!name.isEmpty());
            QCOMPARE(eventTypeFromName(name), type);
        }
        QCOMPARE(eventTypeName(EventType::FailedAuth), QStringLiteral("failed_auth"));
        QCOMPARE(eventTypeName(EventType::StoreDegraded), QStringLiteral("store_degraded"));
        QVERIFY(!eventTypeFromName(u"no_such_type"));
        QCOMPARE(severityFromName(u"critical"), Severity::Critical);
        QVERIFY(!severityFromName(u"fatal"));
    }

    void normalizedEscapesControlCharactersAndBidiOverrides()
    {
        SecurityEvent event;
        event.user = QStringLiteral("alice\n2026-01-01 admin logged in\x1b[31m");
        event.sourceAddress = QString::fromUtf16(u"10.0.0.1\u202Egnp.exe");
        const SecurityEvent clean = normalized(event);
        QCOMPARE(clean.user, QStringLiteral("alice\\n2026-01-01 admin logged in\\x1b[31m"));
        QCOMPARE(clean.sourceAddress, QStringLiteral("10.0.0.1\\u202egnp.exe"));
        QCOMPARE(normalized(clean), clean);
    }

    void normalizedBoundsEveryField()
    {
        SecurityEvent event;
        event.user = QString(100'000, u'a');
        event.detail = QString(100'000, u'\n');
        event.reason = QString(1000, u'r');
        const SecurityEvent clean = normalized(event);
        QCOMPARE(clean.user.size(), 256);
        QVERIFY(clean.user.endsWith(u'…'));
        QVERIFY(clean.detail.size() <= 1024);
        QCOMPARE(clean.reason.size(), 64);
        QCOMPARE(normalized(clean), clean);
    }

    void normalizedMasksCredentialsInRouteAndDetail()
    {
        SecurityEvent event;
        event.route = QStringLiteral("GET /callback?code=SplxlOBeZQQYbYS6WxSbIA&state=xyz");
        event.detail = QStringLiteral("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlc2ln");
        const SecurityEvent clean = normalized(event);
        QVERIFY2(!clean.route.contains(u"SplxlOBeZQQYbYS6WxSbIA"), qPrintable(clean.route));
        QVERIFY(clean.route.contains(u"state=xyz"));
        QVERIFY2(!clean.detail.contains(u"eyJzdWIiOiIxIn0"), qPrintable(clean.detail));
        QCOMPARE(normalized(clean), clean);
    }

    void jsonRoundTrip()
    {
        SecurityEvent event;
        event.timeMs = 1'795'000'000'123;
        event.type = EventType::RateLimited;
        event.severity = Severity::Warning;
        event.sourceAddress = QStringLiteral("203.0.113.7");
        event.keyId = QStringLiteral("key_01");
        event.reason = QStringLiteral("limit_exceeded");
        event.route = QStringLiteral("POST /register");
        event.detail = QStringLiteral("10 per hour");
        event.instanceId = QStringLiteral("node-a");
        const QJsonObject json = toJson(event);
        QCOMPARE(json.value(u"time").toString(), QStringLiteral("2026-11-18T11:06:40.123Z"));
        QCOMPARE(json.value(u"type").toString(), QStringLiteral("rate_limited"));
        QVERIFY(!json.contains(u"user"));
        QCOMPARE(fromJson(json), event);
    }

    void fromJsonRefusesWhatIsNotAnEvent()
    {
        QVERIFY(!fromJson(QJsonObject()));
        QJsonObject json = toJson(SecurityEvent {});
        json.insert(QStringLiteral("type"), QStringLiteral("from_the_future"));
        QVERIFY(!fromJson(json));
        json = toJson(SecurityEvent {});
        json.insert(QStringLiteral("time"), QStringLiteral("yesterday"));
        QVERIFY(!fromJson(json));
        json = toJson(SecurityEvent {});
        json.insert(QStringLiteral("user"), QStringLiteral("bob\r\nforged"));
        QCOMPARE(fromJson(json)->user, QStringLiteral("bob\\r\\nforged"));
    }

    void subjects()
    {
        SecurityEvent event;
        event.sourceAddress = QStringLiteral("198.51.100.2");
        event.user = QStringLiteral("alice");
        QVERIFY(event.hasSubject(u"alice"));
        QVERIFY(event.hasSubject(u"198.51.100.2"));
        QVERIFY(!event.hasSubject(u"bob"));
        QVERIFY(!event.hasSubject(u""));
        QCOMPARE(event.mainSubject(), QStringLiteral("alice"));
    }

    void apiKeyEventsBecomeSecurityEvents()
    {
        apikeys::ApiKeyEvent refused;
        refused.type = apikeys::ApiKeyEvent::Type::ValidationFailed;
        refused.at = QDateTime::fromMSecsSinceEpoch(1'000, Qt::UTC);
        refused.reason = QStringLiteral("revoked");
        refused.keyId = QStringLiteral("k1");
        refused.source = QStringLiteral("192.0.2.1");
        const SecurityEvent event = fromApiKeyEvent(refused, QStringLiteral("node-a"));
        QCOMPARE(event.type, EventType::FailedAuth);
        QCOMPARE(event.severity, Severity::Notice);
        QCOMPARE(event.timeMs, 1'000);
        QCOMPARE(event.reason, QStringLiteral("revoked"));
        QCOMPARE(event.keyId, QStringLiteral("k1"));
        QCOMPARE(event.sourceAddress, QStringLiteral("192.0.2.1"));
        QCOMPARE(event.instanceId, QStringLiteral("node-a"));

        apikeys::ApiKeyEvent rotated = refused;
        rotated.type = apikeys::ApiKeyEvent::Type::KeyRotated;
        QCOMPARE(fromApiKeyEvent(rotated, {}).type, EventType::KeyRotated);
    }
};

QTEST_GUILESS_MAIN(TestSecurityEvent)
#include "TestSecurityEvent.moc"
