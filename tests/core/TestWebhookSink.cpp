#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QPointer>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <mutex>

#include "FakeClock.h"
#include "ResultText.h"
#include "crypto/Hmac.h"
#include "monitor/AlertError.h"
#include "monitor/WebhookSink.h"

using namespace portcullis;
using namespace portcullis::monitor;
using namespace std::chrono_literals;

namespace {

const QByteArray SECRET = QByteArrayLiteral("0123456789abcdef0123456789abcdef");

// A small HTTP/1.1 receiver on 127.0.0.1:<ephemeral>: it records every request and answers from a script (a status
// and extra header lines, or no answer at all), then 200 once the script is used up.
class Receiver
{
public:
    struct Request
    {
        QByteArray method;
        QByteArray path;
        QHash<QByteArray, QByteArray> headers; // names in lower case
        QByteArray body;
        qint64 atMs = 0; // when it was complete, from the receiver's start
    };
    struct Answer
    {
        int status = 200;
        QByteArray headers; // "Name: value\r\n" lines
        bool hang = false;
    };

    Receiver()
    {
        QVERIFY(m_server.listen(QHostAddress::LocalHost, 0));
        QObject::connect(&m_server, &QTcpServer::newConnection, &m_server, [this] { accept(); });
        m_started.start();
    }

    QUrl url(const QString &path = QStringLiteral("/hook")) const
    {
        return QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(m_server.serverPort()).arg(path));
    }
    quint16 port() const { return m_server.serverPort(); }
    void close() { m_server.close(); }

    QList<Answer> script;
    QList<Request> requests;

private:
    void accept()
    {
        while (QTcpSocket *socket = m_server.nextPendingConnection()) {
            socket->setParent(&m_server);
            auto buffer = std::make_shared<QByteArray>();
            QObject::connect(socket, &QTcpSocket::readyRead, socket, [this, socket, buffer] {
                *buffer += socket->readAll();
                read(socket, *buffer);
            });
        }
    }

    void read(QTcpSocket *socket, QByteArray &buffer)
    {
        const qsizetype end = buffer.indexOf("\r\n\r\n");
        if (end < 0)
            return;
        Request request;
        const QList<QByteArray> lines = buffer.left(end).split('\n');
        const QList<QByteArray> first = lines.first().trimmed().split(' ');
        request.method = first.value(0);
        request.path = first.value(1);
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const qsizetype colon = lines[i].indexOf(':');
            if (colon > 0)
                request.headers.insert(lines[i].left(colon).trimmed().toLower(), lines[i].mid(colon + 1).trimmed());
        }
        const qsizetype length = request.headers.value("content-length").toLongLong();
        if (buffer.size() < end + 4 + length)
            return;
        request.body = buffer.mid(end + 4, length);
        buffer.remove(0, end + 4 + length);
        request.atMs = m_started.elapsed();
        requests += request;
        const Answer answer = script.isEmpty() ? Answer {} : script.takeFirst();
        if (answer.hang)
            return;
        socket->write("HTTP/1.1 " + QByteArray::number(answer.status) + " Scripted\r\nContent-Length: 2\r\n"
                      + answer.headers + "Connection: close\r\n\r\nok");
        socket->disconnectFromHost();
    }

    QTcpServer m_server;
    QElapsedTimer m_started;
};

Alert sampleAlert(const QString &subject = QStringLiteral("alice"))
{
    SecurityEvent event;
    event.timeMs = test::FakeClock::DEFAULT_START_MS;
    event.type = EventType::FailedAuth;
    event.severity = Severity::Notice;
    event.user = subject;
    event.reason = QStringLiteral("bad_password");
    Alert alert;
    alert.id = QStringLiteral("AAAAbbbbCCCCdddd");
    alert.rule = QStringLiteral("failed-auth-burst");
    alert.severity = Severity::Warning;
    alert.type = EventType::FailedAuth;
    alert.per = AlertGrouping::Identifier;
    alert.subject = subject;
    alert.count = 5;
    alert.threshold = 5;
    alert.window = 1h;
    alert.firstEventMs = event.timeMs - 60000;
    alert.lastEventMs = event.timeMs;
    alert.raisedAtMs = event.timeMs;
    alert.summary = QStringLiteral("5 failed_auth events for identifier '%1' within 1 min.").arg(subject);
    alert.samples = {event};
    return alert;
}

// Every message logged while it lives, from any thread.
class LogCapture
{
public:
    LogCapture()
    {
        s_capture = this;
        QLoggingCategory::setFilterRules(QStringLiteral("portcullis.*=true"));
        m_previous = qInstallMessageHandler([](QtMsgType, const QMessageLogContext &, const QString &message) {
            const std::lock_guard lock(s_capture->m_mutex);
            s_capture->m_messages += message;
        });
    }
    ~LogCapture()
    {
        qInstallMessageHandler(m_previous);
        QLoggingCategory::setFilterRules({});
        s_capture = nullptr;
    }
    QStringList messages() const
    {
        const std::lock_guard lock(m_mutex);
        return m_messages;
    }

private:
    static inline LogCapture *s_capture = nullptr;
    mutable std::mutex m_mutex;
    QStringList m_messages;
    QtMessageHandler m_previous = nullptr;
};

} // namespace

class TestWebhookSink : public QObject
{
    Q_OBJECT

private:
    test::FakeClock m_clock;

    WebhookSink::Options options(const QUrl &url) const
    {
        WebhookSink::Options options;
        options.url = url;
        options.firstRetryDelay = 10ms;
        options.maxRetryDelay = 1s;
        options.requestTimeout = 2s;
        return options;
    }

    std::unique_ptr<WebhookSink> make(WebhookSink::Options options)
    {
        auto sink = WebhookSink::create(m_clock, std::move(options));
        if (!sink)
            qWarning("%s", test::why(sink).constData());
        return sink ? std::move(sink).value() : nullptr;
    }

private slots:
    void postsTheGenericShapeSigned()
    {
        Receiver receiver;
        auto opts = options(receiver.url());
        opts.signingSecret = crypto::SecretBytes(SECRET);
        auto sink = make(std::move(opts));
        QVERIFY(sink);
        QSignalSpy delivered(sink.get(), &WebhookSink::delivered);
        sink->notify(sampleAlert());
        QTRY_COMPARE(delivered.size(), 1);
        QCOMPARE(delivered.first().value(0).toString(), QStringLiteral("AAAAbbbbCCCCdddd"));
        QCOMPARE(delivered.first().value(1).toInt(), 1);
        QCOMPARE(receiver.requests.size(), 1);
        const Receiver::Request &request = receiver.requests.first();
        QCOMPARE(request.method, QByteArray("POST"));
        QCOMPARE(request.path, QByteArray("/hook"));
        QCOMPARE(request.headers.value("content-type"), QByteArray("application/json"));
        QCOMPARE(request.headers.value("x-portcullis-alert-id"), QByteArray("AAAAbbbbCCCCdddd"));
        QCOMPARE(request.headers.value("x-portcullis-attempt"), QByteArray("1"));

        const QJsonObject body = QJsonDocument::fromJson(request.body).object();
        QCOMPARE(body.value(QStringLiteral("version")).toInt(), 1);
        QCOMPARE(body.value(QStringLiteral("id")).toString(), QStringLiteral("AAAAbbbbCCCCdddd"));
        QCOMPARE(body.value(QStringLiteral("rule")).toString(), QStringLiteral("failed-auth-burst"));
        QCOMPARE(body.value(QStringLiteral("severity")).toString(), QStringLiteral("warning"));
        QCOMPARE(body.value(QStringLiteral("type")).toString(), QStringLiteral("failed_auth"));
        QCOMPARE(body.value(QStringLiteral("per")).toString(), QStringLiteral("identifier"));
        QCOMPARE(body.value(QStringLiteral("subject")).toString(), QStringLiteral("alice"));
        QCOMPARE(body.value(QStringLiteral("count")).toInt(), 5);
        QCOMPARE(body.value(QStringLiteral("window_seconds")).toInt(), 3600);
        QCOMPARE(body.value(QStringLiteral("last_event")).toString(), QStringLiteral("2026-01-01T00:00:00.000Z"));
        QCOMPARE(body.value(QStringLiteral("samples")).toArray().size(), 1);
        QCOMPARE(body.value(QStringLiteral("samples")).toArray().first().toObject().value(QStringLiteral("user")),
                 QStringLiteral("alice"));

        // The receiver's side: HMAC-SHA256 over "<timestamp>.<body>" with the shared secret.
        const QByteArray timestamp = request.headers.value("x-portcullis-timestamp");
        QCOMPARE(timestamp, QByteArray::number(m_clock.unixSeconds()));
        const QByteArray signature = request.headers.value("x-portcullis-signature");
        QVERIFY(signature.startsWith("sha256="));
        const QByteArray mac = QByteArray::fromHex(signature.mid(7));
        auto key = crypto::HmacKey::create(crypto::DigestAlgorithm::Sha256, crypto::SecretBytes(SECRET));
        QVERIFY(key);
        QVERIFY(key->verify(QByteArray(timestamp + '.' + request.body), mac));
        QVERIFY(!key->verify(QByteArray(timestamp + '.' + request.body + ' '), mac));
        QVERIFY(!key->verify(QByteArray(QByteArray::number(m_clock.unixSeconds() + 1) + '.' + request.body), mac));
    }

    void postsTheSlackShapeEscaped()
    {
        Receiver receiver;
        auto opts = options(receiver.url());
        opts.format = WebhookFormat::Slack;
        auto sink = make(std::move(opts));
        QVERIFY(sink);
        Alert alert = sampleAlert(QStringLiteral("<!channel> & <https://evil.example|click>"));
        alert.severity = Severity::Critical;
        alert.rule = QStringLiteral("refresh-reuse");
        sink->notify(alert);
        QTRY_COMPARE(sink->stats().delivered, 1);
        const Receiver::Request &request = receiver.requests.first();
        QVERIFY(!request.headers.contains("x-portcullis-signature")); // no secret, no signature
        const QJsonObject body = QJsonDocument::fromJson(request.body).object();
        QCOMPARE(body.keys(), QStringList {QStringLiteral("text")});
        const QString text = body.value(QStringLiteral("text")).toString();
        QVERIFY2(text.startsWith(QStringLiteral("*[CRITICAL] Portcullis alert: refresh-reuse*\n")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("'&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;'")),
                 qPrintable(text));
        QVERIFY(!text.contains(u'<'));
    }

    void retriesServerErrorsWithGrowingDelays()
    {
        Receiver receiver;
        receiver.script = {{500, {}, false}, {503, {}, false}, {200, {}, false}};
        auto opts = options(receiver.url());
        opts.firstRetryDelay = 100ms;
        auto sink = make(std::move(opts));
        QVERIFY(sink);
        QSignalSpy delivered(sink.get(), &WebhookSink::delivered);
        sink->notify(sampleAlert());
        QTRY_COMPARE(delivered.size(), 1);
        QCOMPARE(delivered.first().value(1).toInt(), 3);
        QCOMPARE(receiver.requests.size(), 3);
        const WebhookSink::Stats stats = sink->stats();
        QCOMPARE(stats.attempts, 3);
        QCOMPARE(stats.retries, 2);
        QCOMPARE(stats.delivered, 1);
        QCOMPARE(stats.gaveUp, 0);
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(receiver.requests[i].headers.value("x-portcullis-alert-id"), QByteArray("AAAAbbbbCCCCdddd"));
            QCOMPARE(receiver.requests[i].headers.value("x-portcullis-attempt"), QByteArray::number(i + 1));
            QCOMPARE(receiver.requests[i].body, receiver.requests[0].body);
        }
        // The first wait is 50..100 ms (half fixed, half jitter), the second 100..200 ms: at least the longest the
        // first could have been.
        const qint64 first = receiver.requests[1].atMs - receiver.requests[0].atMs;
        const qint64 second = receiver.requests[2].atMs - receiver.requests[1].atMs;
        QVERIFY2(first >= 50, QByteArray::number(first).constData());
        QVERIFY2(second >= 100, QByteArray::number(second).constData());
    }

    void honoursRetryAfter_data()
    {
        QTest::addColumn<QByteArray>("retryAfter");
        QTest::addColumn<qint64>("cap");
        QTest::addColumn<qint64>("atLeast");
        QTest::addColumn<qint64>("below");
        QTest::newRow("seconds") << QByteArray("1") << 300000LL << 1000LL << 10000LL;
        // The FakeClock stands at 2026-01-01T00:00:00Z, so this date is one second ahead.
        QTest::newRow("HTTP-date") << QByteArray("Thu, 01 Jan 2026 00:00:01 GMT") << 300000LL << 1000LL << 10000LL;
        QTest::newRow("capped") << QByteArray("3600") << 300LL << 300LL << 10000LL;
    }

    void honoursRetryAfter()
    {
        QFETCH(QByteArray, retryAfter);
        QFETCH(qint64, cap);
        QFETCH(qint64, atLeast);
        QFETCH(qint64, below);
        Receiver receiver;
        receiver.script = {{429, "Retry-After: " + retryAfter + "\r\n", false}};
        auto opts = options(receiver.url());
        opts.maxRetryAfter = std::chrono::milliseconds(cap);
        auto sink = make(std::move(opts));
        QVERIFY(sink);
        sink->notify(sampleAlert());
        QTRY_COMPARE_WITH_TIMEOUT(sink->stats().delivered, 1, 15000);
        QCOMPARE(receiver.requests.size(), 2);
        const qint64 waited = receiver.requests[1].atMs - receiver.requests[0].atMs;
        QVERIFY2(waited >= atLeast && waited < below, QByteArray::number(waited).constData());
    }

    void timesOutRetriesAndGivesUp()
    {
        Receiver receiver;
        receiver.script = {{0, {}, true}, {0, {}, true}};
        auto opts = options(receiver.url());
        opts.requestTimeout = 200ms;
        opts.maxAttempts = 2;
        auto sink = make(std::move(opts));
        QVERIFY(sink);
        QSignalSpy gaveUp(sink.get(), &WebhookSink::gaveUp);
        sink->notify(sampleAlert());
        QTRY_COMPARE(gaveUp.size(), 1);
        QCOMPARE(receiver.requests.size(), 2);
        const QString error = gaveUp.first().value(1).toString();
        QCOMPARE(error, QStringLiteral("2 attempts failed; the last: no answer within 200 ms."));
        QCOMPARE(sink->lastError(), error);
        const WebhookSink::Stats stats = sink->stats();
        QCOMPARE(stats.gaveUp, 1);
        QCOMPARE(stats.delivered, 0);
        QCOMPARE(stats.attempts, 2);
    }

    void givesUpAtOnceOnRefusalsAndRedirects_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("says");
        QTest::newRow("400") << 400 << QStringLiteral("refused the alert with HTTP 400");
        QTest::newRow("403") << 403 << QStringLiteral("refused the alert with HTTP 403");
        QTest::newRow("302") << 302 << QStringLiteral("HTTP 302, a redirect");
    }

    void givesUpAtOnceOnRefusalsAndRedirects()
    {
        QFETCH(int, status);
        QFETCH(QString, says);
        Receiver receiver;
        receiver.script = {{status, "Location: http://127.0.0.1:1/elsewhere\r\n", false}};
        auto sink = make(options(receiver.url()));
        QVERIFY(sink);
        QSignalSpy gaveUp(sink.get(), &WebhookSink::gaveUp);
        sink->notify(sampleAlert());
        QTRY_COMPARE(gaveUp.size(), 1);
        QVERIFY2(gaveUp.first().value(1).toString().contains(says), qPrintable(gaveUp.first().value(1).toString()));
        QCOMPARE(sink->stats().attempts, 1);
        QCOMPARE(receiver.requests.size(), 1);
    }

    void notifyNeverWaitsForTheReceiver()
    {
        Receiver receiver;
        for (int i = 0; i < 5; ++i)
            receiver.script += Receiver::Answer {0, {}, true};
        auto opts = options(receiver.url());
        opts.queueCapacity = 10;
        opts.requestTimeout = std::chrono::minutes(1);
        opts.maxAttempts = 1;
        auto sink = make(std::move(opts));
        QVERIFY(sink);
        sink->notify(sampleAlert());
        QTRY_COMPARE(receiver.requests.size(), 1); // the first alert is in flight, and the receiver says nothing

        QElapsedTimer timer;
        timer.start();
        for (int i = 0; i < 1000; ++i)
            sink->notify(sampleAlert());
        const qint64 elapsed = timer.elapsed();
        QVERIFY2(elapsed < 250, QByteArray::number(elapsed).constData());
        const WebhookSink::Stats stats = sink->stats();
        QCOMPARE(stats.queued, 10);
        QCOMPARE(stats.dropped, 990);

        // Going away does not wait for the hanging request either.
        timer.restart();
        sink.reset();
        QVERIFY2(timer.elapsed() < 2000, QByteArray::number(timer.elapsed()).constData());
    }

    void neverShowsTheUrlsSecret()
    {
        const QString secretPath = QStringLiteral("/services/T0001/B0002/SuperSecretToken42");
        LogCapture logs;
        Receiver receiver;
        receiver.script = {{500, {}, false}};
        auto opts = options(receiver.url(secretPath));
        opts.maxAttempts = 2;
        opts.firstRetryDelay = 300ms;
        auto sink = make(std::move(opts));
        QVERIFY(sink);
        const QString target = QStringLiteral("http://127.0.0.1:%1/…").arg(receiver.port());
        QCOMPARE(sink->target(), target);
        QSignalSpy gaveUp(sink.get(), &WebhookSink::gaveUp);
        sink->notify(sampleAlert());
        QTRY_COMPARE(receiver.requests.size(), 1);
        QCOMPARE(receiver.requests.first().path, secretPath.toUtf8()); // the receiver does get the whole URL
        receiver.close(); // the retry meets a refused connection
        QTRY_COMPARE(gaveUp.size(), 1);
        const QString error = gaveUp.first().value(1).toString();
        QVERIFY2(error.contains(QStringLiteral("the connection was refused")), qPrintable(error));

        const QStringList messages = logs.messages();
        const QString all = messages.join(u'\n') + u'\n' + error + u'\n' + sink->lastError();
        QVERIFY2(messages.size() >= 2, qPrintable(all)); // the retry and the give-up were logged …
        QVERIFY2(all.contains(target), qPrintable(all)); // … by the redacted URL,
        QVERIFY2(!all.contains(QStringLiteral("SuperSecretToken42")), qPrintable(all)); // never the whole one
        QVERIFY2(!all.contains(QStringLiteral("/services")), qPrintable(all));
    }

    void checksUrlsAndOptions_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("target"); // empty when the URL must be refused
        QTest::addColumn<QString>("says");
        QTest::newRow("https") << QStringLiteral("https://hooks.slack.com/services/T/B/SECRET")
                               << QStringLiteral("https://hooks.slack.com/…") << QString();
        QTest::newRow("https bare") << QStringLiteral("https://alerts.example.com")
                                    << QStringLiteral("https://alerts.example.com/") << QString();
        QTest::newRow("http loopback") << QStringLiteral("http://127.0.0.2:9000/x?token=SECRET")
                                       << QStringLiteral("http://127.0.0.2:9000/…") << QString();
        QTest::newRow("http ipv6 loopback")
            << QStringLiteral("http://[::1]:8080/SECRET") << QStringLiteral("http://[::1]:8080/…") << QString();
        QTest::newRow("http localhost") << QStringLiteral("http://localhost/SECRET")
                                        << QStringLiteral("http://localhost/…") << QString();
        QTest::newRow("http elsewhere") << QStringLiteral("http://hooks.example.com/services/SECRET") << QString()
                                        << QStringLiteral("http://hooks.example.com/… uses plain http to another "
                                                          "machine");
        QTest::newRow("http private address")
            << QStringLiteral("http://10.0.0.5/SECRET") << QString() << QStringLiteral("Use https");
        QTest::newRow("ftp") << QStringLiteral("ftp://example.com/SECRET") << QString()
                             << QStringLiteral("scheme 'ftp'; use https");
        QTest::newRow("credentials") << QStringLiteral("https://user:SECRET@example.com/x") << QString()
                                     << QStringLiteral("carries a user name or password");
        QTest::newRow("relative") << QStringLiteral("/hooks/SECRET") << QString()
                                  << QStringLiteral("not an absolute URL");
    }

    void checksUrlsAndOptions()
    {
        QFETCH(QString, url);
        QFETCH(QString, target);
        QFETCH(QString, says);
        auto sink = WebhookSink::create(m_clock, options(QUrl(url)));
        if (target.isEmpty()) {
            QVERIFY(!sink);
            QVERIFY(sink.error().is(AlertError::InvalidUrl));
            QVERIFY2(sink.error().detail().contains(says), qPrintable(sink.error().detail()));
            QVERIFY2(!sink.error().detail().contains(QStringLiteral("SECRET")), qPrintable(sink.error().detail()));
        } else {
            QVERIFY2(sink, test::why(sink).constData());
            QCOMPARE((*sink)->target(), target);
        }
    }

    void refusesBadOptions()
    {
        const QUrl url(QStringLiteral("https://alerts.example.com/hook"));
        auto opts = options(url);
        opts.maxAttempts = 0;
        auto sink = WebhookSink::create(m_clock, std::move(opts));
        QVERIFY(!sink && sink.error().is(AlertError::InvalidOption));
        opts = options(url);
        opts.signingSecret = crypto::SecretBytes(QByteArrayView("short"));
        sink = WebhookSink::create(m_clock, std::move(opts));
        QVERIFY(!sink && sink.error().is(AlertError::InvalidOption));
        QVERIFY(!sink.error().detail().contains(QStringLiteral("short")));
        opts = options(url);
        opts.queueCapacity = 0;
        sink = WebhookSink::create(m_clock, std::move(opts));
        QVERIFY(!sink && sink.error().is(AlertError::InvalidOption));
        opts = options(url);
        opts.maxRetryDelay = 1ms; // shorter than the first
        sink = WebhookSink::create(m_clock, std::move(opts));
        QVERIFY(!sink && sink.error().is(AlertError::InvalidOption));
    }
};

QTEST_GUILESS_MAIN(TestWebhookSink)
#include "TestWebhookSink.moc"
