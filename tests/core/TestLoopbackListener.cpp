// The RFC 8252 loopback redirect listener against scripted clients: the right callback wins and closes the port,
// wrong paths, methods and states are refused while the flow keeps waiting, garbage, oversized and silent
// connections do not block it, nothing but loopback is bound, and nothing from the query is echoed unescaped.

#include <atomic>
#include <thread>

#include <QNetworkInterface>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>

#include "ResultText.h"
#include "oauth/LoopbackListener.h"

using namespace portcullis;
using oauth::LoopbackListener;
using namespace std::chrono_literals;

namespace {

const QByteArray STATE = "s7aTe-0f-th1s-fl0w_Xq3";

// Sends `request` and returns the whole answer (empty when the connection was refused or closed unanswered).
QByteArray exchange(quint16 port, const QByteArray &request)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(2000))
        return {};
    socket.write(request);
    QByteArray answer;
    while (socket.waitForReadyRead(3000))
        answer += socket.readAll();
    return answer;
}

QByteArray get(const QByteArray &target)
{
    return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
}

} // namespace

class TestLoopbackListener : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<LoopbackListener> arm(LoopbackListener::Options options = {})
    {
        auto listener = LoopbackListener::arm(STATE, options);
        if (!listener)
            qWarning("%s", qPrintable(listener.error().toString()));
        return listener ? std::move(*listener) : nullptr;
    }

    // The exchange runs on a thread of its own, so the listener's event loop here can answer it.
    QByteArray send(quint16 port, const QByteArray &request)
    {
        QByteArray answer;
        std::atomic<bool> done = false;
        std::thread client([&] {
            answer = exchange(port, request);
            done = true;
        });
        for (int waited = 0; !done && waited < 20000; waited += 10)
            QTest::qWait(10);
        client.join();
        return answer;
    }

private Q_SLOTS:
    void initTestCase() { qRegisterMetaType<LoopbackListener::Callback>(); }

    void theRightCallbackWinsAndClosesThePort()
    {
        auto listener = arm();
        QVERIFY(listener);
        const QUrl redirect = listener->redirectUri();
        QCOMPARE(redirect.host(), QStringLiteral("127.0.0.1"));
        QCOMPARE(redirect.path(), QStringLiteral("/callback"));
        QVERIFY(redirect.port() > 0);
        QSignalSpy received(listener.get(), &LoopbackListener::callbackReceived);
        const auto port = quint16(redirect.port());

        const QByteArray answer
            = send(port, get("/callback?code=SplxlOBeZQQYbYS6WxSbIA&state=" + STATE + "&iss=https%3A%2F%2Fas.example"));
        QVERIFY2(answer.startsWith("HTTP/1.1 200 OK\r\n"), answer.constData());
        QVERIFY(answer.contains("Referrer-Policy: no-referrer"));
        QVERIFY(!answer.contains("SplxlOBeZQQYbYS6WxSbIA")); // the page never shows the code
        QCOMPARE(received.size(), 1);
        const auto callback = received[0][0].value<LoopbackListener::Callback>();
        QCOMPARE(callback.query.queryItemValue(QStringLiteral("code")), QStringLiteral("SplxlOBeZQQYbYS6WxSbIA"));
        QCOMPARE(callback.query.queryItemValue(QStringLiteral("iss"), QUrl::FullyDecoded),
                 QStringLiteral("https://as.example"));

        QVERIFY(!listener->isListening());
        QVERIFY(send(port, get("/callback?code=again&state=" + STATE)).isEmpty()); // nobody answers any more
        QCOMPARE(received.size(), 1);
    }

    void wrongRequestsAreRefusedAndTheFlowKeepsWaiting_data()
    {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<QByteArray>("status");
        QTest::newRow("wrong path") << get("/favicon.ico") << QByteArray("404");
        QTest::newRow("post") << QByteArray("POST /callback?state=" + STATE + " HTTP/1.1\r\n\r\n") << QByteArray("405");
        QTest::newRow("no state") << get("/callback?code=x") << QByteArray("400");
        QTest::newRow("wrong state") << get("/callback?code=x&state=forged") << QByteArray("400");
        QTest::newRow("two states") << get("/callback?code=x&state=" + STATE + "&state=" + STATE) << QByteArray("400");
        QTest::newRow("not http") << QByteArray("HELLO\r\n\r\n") << QByteArray("400");
        QTest::newRow("too large") << QByteArray("GET /callback?x=" + QByteArray(10000, 'a') + " HTTP/1.1\r\n\r\n")
                                   << QByteArray("431");
    }

    void wrongRequestsAreRefusedAndTheFlowKeepsWaiting()
    {
        QFETCH(QByteArray, request);
        QFETCH(QByteArray, status);
        auto listener = arm();
        QVERIFY(listener);
        QSignalSpy received(listener.get(), &LoopbackListener::callbackReceived);
        QSignalSpy rejected(listener.get(), &LoopbackListener::rejected);
        const auto port = quint16(listener->redirectUri().port());
        const QByteArray answer = send(port, request);
        QVERIFY2(answer.startsWith(QByteArray("HTTP/1.1 " + status)), answer.constData());
        QCOMPARE(rejected.size(), 1);
        QVERIFY(listener->isListening());
        QVERIFY(send(port, get("/callback?code=c&state=" + STATE)).startsWith("HTTP/1.1 200"));
        QCOMPARE(received.size(), 1);
    }

    void silentGarbageAndSlowClientsDoNotBlockTheCallback()
    {
        LoopbackListener::Options options;
        options.connectionTimeout = 500ms;
        auto listener = arm(options);
        QVERIFY(listener);
        QSignalSpy received(listener.get(), &LoopbackListener::callbackReceived);
        const auto port = quint16(listener->redirectUri().port());
        QTcpSocket preconnect; // a browser's speculative connection that never sends anything
        preconnect.connectToHost(QHostAddress::LocalHost, port);
        QTcpSocket slowloris; // a head that never ends
        slowloris.connectToHost(QHostAddress::LocalHost, port);
        QTRY_VERIFY(preconnect.state() == QAbstractSocket::ConnectedState
                    && slowloris.state() == QAbstractSocket::ConnectedState);
        slowloris.write("GET /callback?state=" + STATE + " HTTP/1.1\r\nX-Slow: ");
        QByteArray noise(4096, Qt::Uninitialized);
        for (char &c : noise)
            c = char(QRandomGenerator::global()->bounded(256));
        QVERIFY(send(port, noise + "\r\n\r\n").startsWith("HTTP/1.1 4")); // random bytes: refused, not a crash
        QVERIFY(send(port, noise.left(100)).isEmpty()); // an unfinished head: dropped at the connection's deadline

        QVERIFY(send(port, get("/callback?code=c&state=" + STATE)).startsWith("HTTP/1.1 200"));
        QCOMPARE(received.size(), 1);
        QTRY_COMPARE(slowloris.state(), QAbstractSocket::UnconnectedState); // stray connections go with the port
        QTRY_COMPARE(preconnect.state(), QAbstractSocket::UnconnectedState);
    }

    void anEchoedErrorIsEscaped()
    {
        auto listener = arm();
        QVERIFY(listener);
        const auto port = quint16(listener->redirectUri().port());
        const QByteArray answer = send(port, get("/callback?error=%3Cscript%3Ealert(1)%3C%2Fscript%3E&state=" + STATE));
        QVERIFY2(answer.startsWith("HTTP/1.1 200"), answer.constData());
        QVERIFY(!answer.contains("<script>"));
        QVERIFY(answer.contains("&lt;script&gt;"));
    }

    void timesOutAndCancels()
    {
        LoopbackListener::Options options;
        options.flowTimeout = 300ms;
        auto listener = arm(options);
        QVERIFY(listener);
        QSignalSpy failed(listener.get(), &LoopbackListener::failed);
        QTRY_COMPARE(failed.size(), 1);
        QVERIFY(failed[0][0].toString().contains(u"No callback arrived in time"));
        QVERIFY(!listener->isListening());

        auto other = arm();
        QVERIFY(other);
        QSignalSpy cancelled(other.get(), &LoopbackListener::failed);
        other->cancel();
        QCOMPARE(cancelled.size(), 1);
        QVERIFY(!other->isListening());
    }

    void bindsOnlyLoopbackAndRefusesBadSettings()
    {
        auto listener = arm();
        QVERIFY(listener);
        QTcpSocket outside; // the machine's other addresses do not reach it
        bool reachable = false;
        for (const QHostAddress &address : QNetworkInterface::allAddresses()) {
            if (address.isLoopback() || address.protocol() != QAbstractSocket::IPv4Protocol)
                continue;
            outside.connectToHost(address, quint16(listener->redirectUri().port()));
            reachable = reachable || outside.waitForConnected(500);
            outside.abort();
        }
        QVERIFY(!reachable);

        QVERIFY(!LoopbackListener::arm({}, {}));
        LoopbackListener::Options badPath;
        badPath.path = QStringLiteral("callback?x");
        QVERIFY(!LoopbackListener::arm(STATE, badPath));
        LoopbackListener::Options taken;
        taken.port = quint16(listener->redirectUri().port());
        const auto busy = LoopbackListener::arm(STATE, taken);
        QVERIFY(!busy);
        QVERIFY2(busy.error().detail().contains(u"choose one that is free"), qPrintable(busy.error().detail()));
    }
};

QTEST_GUILESS_MAIN(TestLoopbackListener)
#include "TestLoopbackListener.moc"
