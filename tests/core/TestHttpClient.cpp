// The HTTP client the flow session records its legs with: real exchanges against a local scripted server, its
// bounds (time, size, no redirects, no cookies) and the masking of every credential for display and export.

#include <QJsonDocument>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>

#include "ScriptedHttpServer.h"
#include "net/HttpClient.h"
#include "net/HttpRedaction.h"

using namespace portcullis;
using namespace portcullis::net;
using portcullis::test::ScriptedHttpServer;
using portcullis::test::ScriptedRequest;
using portcullis::test::ScriptedResponse;

namespace {

// Sends one request and waits for its exchange.
HttpExchange exchange(HttpClient &client, HttpRequest request)
{
    std::optional<HttpExchange> result;
    QObject context;
    client.send(std::move(request), &context, [&](HttpExchange done) { result = std::move(done); });
    if (!QTest::qWaitFor([&] { return result.has_value(); }, 20000))
        return HttpExchange {};
    return *result;
}

} // namespace

class TestHttpClient : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void recordsBothSidesOfAnExchange()
    {
        ScriptedHttpServer server;
        QVERIFY(server.listen());
        server.route("POST", QStringLiteral("/token"), [](const ScriptedRequest &request) {
            return ScriptedResponse::json(400,
                                          "{\"error\":\"invalid_grant\",\"got\":\""
                                              + request.form().queryItemValue(QStringLiteral("grant_type")).toUtf8()
                                              + "\"}");
        });
        HttpClient client;
        HttpRequest request;
        request.method = "POST";
        request.url = server.url(QStringLiteral("/token"));
        request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}};
        request.body = "grant_type=authorization_code&code=abc";
        const HttpExchange result = exchange(client, request);
        QVERIFY2(result.hasResponse(), qPrintable(result.transportError));
        QCOMPARE(result.status, 400);
        QVERIFY(result.isJsonResponse());
        QCOMPARE(result.responseBody, QByteArray(R"({"error":"invalid_grant","got":"authorization_code"})"));
        QVERIFY(result.startedAt.isValid());
        QVERIFY(result.request.headers.size() == 3); // ours plus the User-Agent the client names itself with
        QVERIFY(result.request.headers.last().value.startsWith("Portcullis/"));
        QCOMPARE(server.requests().size(), 1);
        QCOMPARE(server.requests().first().header("User-Agent"), result.request.headers.last().value);
        QCOMPARE(server.requests().first().body, request.body);
    }

    void neverFollowsRedirectsNorKeepsCookies()
    {
        ScriptedHttpServer server;
        QVERIFY(server.listen());
        server.route("GET", QStringLiteral("/moved"), [&](const ScriptedRequest &) {
            ScriptedResponse response = ScriptedResponse::redirect(server.url(QStringLiteral("/elsewhere")));
            response.headers.append(qMakePair(QByteArray("Set-Cookie"), QByteArray("session=s3cr3t; Path=/")));
            return response;
        });
        HttpClient client;
        const HttpExchange first = exchange(client, HttpRequest {"GET", server.url(QStringLiteral("/moved")), {}, {}});
        QCOMPARE(first.status, 302);
        QCOMPARE(server.count(QStringLiteral("/elsewhere")), 0);
        const HttpExchange second = exchange(client, HttpRequest {"GET", server.url(QStringLiteral("/moved")), {}, {}});
        QCOMPARE(second.status, 302);
        QVERIFY(server.requests().last().header("Cookie").isNull());
    }

    void aSilentServerTimesOut()
    {
        QTcpServer silent;
        QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
        HttpClient client(HttpClient::Options {std::chrono::milliseconds(300), 1024});
        const HttpExchange result = exchange(
            client,
            HttpRequest {"GET", QUrl(QStringLiteral("http://127.0.0.1:%1/x").arg(silent.serverPort())), {}, {}});
        QVERIFY(!result.hasResponse());
        QVERIFY2(result.transportError.contains(QStringLiteral("within 0.3 s")), qPrintable(result.transportError));
        QVERIFY(result.elapsed >= std::chrono::milliseconds(250));
    }

    void anOversizedAnswerIsRefused()
    {
        ScriptedHttpServer server;
        QVERIFY(server.listen());
        server.route("GET", QStringLiteral("/big"),
                     [](const ScriptedRequest &) { return ScriptedResponse::json(200, QByteArray(64 * 1024, 'x')); });
        HttpClient client(HttpClient::Options {std::chrono::milliseconds(5000), 16 * 1024});
        const HttpExchange result = exchange(client, HttpRequest {"GET", server.url(QStringLiteral("/big")), {}, {}});
        QVERIFY(!result.hasResponse());
        QVERIFY(result.responseBody.isEmpty());
        QVERIFY2(result.transportError.contains(QStringLiteral("larger than 16 KiB")),
                 qPrintable(result.transportError));
    }

    void aConnectionRefusedIsATransportError()
    {
        QTcpServer closed;
        QVERIFY(closed.listen(QHostAddress::LocalHost, 0));
        const quint16 port = closed.serverPort();
        closed.close();
        HttpClient client;
        const HttpExchange result
            = exchange(client, HttpRequest {"GET", QUrl(QStringLiteral("http://127.0.0.1:%1/").arg(port)), {}, {}});
        QVERIFY(!result.hasResponse());
        QCOMPARE(result.status, 0);
        QVERIFY(!result.transportError.isEmpty());
    }

    void noCallbackOnceTheContextIsGone()
    {
        ScriptedHttpServer server;
        QVERIFY(server.listen());
        server.route("GET", QStringLiteral("/"),
                     [](const ScriptedRequest &) { return ScriptedResponse::json(200, "{}"); });
        HttpClient client;
        bool called = false;
        {
            QObject context;
            client.send(HttpRequest {"GET", server.url(QStringLiteral("/")), {}, {}}, &context,
                        [&](HttpExchange) { called = true; });
        }
        QTRY_COMPARE(server.requests().size(), 1);
        QTest::qWait(100);
        QVERIFY(!called);
    }

    void masksEveryCredential()
    {
        HttpExchange raw;
        raw.request.method = "POST";
        raw.request.url = QUrl(QStringLiteral("http://127.0.0.1:1/cb?code=SplxlOBeZQQYbYS6WxSbIA&state=xyz"));
        raw.request.headers = {{"Authorization", "Basic ZGVza3RvcDpzM2NyM3Q="},
                               {"Content-Type", "application/x-www-form-urlencoded"},
                               {"Cookie", "sid=abc"}};
        raw.request.body = "grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA&code_verifier=dBjftJeZ4CVP"
                           "&client_secret=hunter2hunter2&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb";
        raw.status = 200;
        raw.responseHeaders = {{"Content-Type", "application/json"}, {"Set-Cookie", "a=b"}};
        raw.responseBody
            = "{\n  \"access_token\": \"2YotnFZFEjr1zCsicMWpAA\",\"token_type\":\"Bearer\","
              "\"refresh_token\":\"tGzv3JOkF0XG5Qx2TlKWIA\",\"id_token\":\"eyJh.eyJz.c2ln\",\"scope\":\"openid\"}";

        const HttpExchange shown = raw.masked();
        const QByteArray all = shown.request.url.toEncoded() + shown.request.body + shown.responseBody
            + shown.request.headers[0].value + shown.request.headers[2].value + shown.responseHeaders[1].value;
        for (const char *secret : {"SplxlOBeZQQYbYS6WxSbIA", "dBjftJeZ4CVP", "hunter2hunter2", "ZGVza3RvcDpzM2NyM3Q=",
                                   "2YotnFZFEjr1zCsicMWpAA", "tGzv3JOkF0XG5Qx2TlKWIA", "eyJh.eyJz.c2ln", "sid=abc"}) {
            QVERIFY2(!all.contains(secret), secret);
        }
        QCOMPARE(shown.request.headers[0].value, QByteArray("Basic [20 chars hidden]"));
        QVERIFY(shown.request.body.contains("grant_type=authorization_code"));
        QVERIFY(shown.request.body.contains("redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb"));
        QVERIFY(shown.request.body.contains("client_secret=[14 chars hidden]"));
        QVERIFY(shown.responseBody.contains("\"token_type\":\"Bearer\""));
        QVERIFY(shown.responseBody.contains("\"access_token\": \"[22 chars hidden]\""));
        QCOMPARE(QUrlQuery(shown.request.url).queryItemValue(QStringLiteral("state")), QStringLiteral("xyz"));

        const QByteArray exported = QJsonDocument(raw.toJson()).toJson();
        QVERIFY(!exported.contains("2YotnFZFEjr1zCsicMWpAA"));
        QVERIFY(!exported.contains("hunter2hunter2"));
        QVERIFY(exported.contains("\"secrets\": \"masked\""));
        QVERIFY(QJsonDocument(raw.toJson(true)).toJson().contains("hunter2hunter2"));
    }

    void masksABareJwtBody()
    {
        QCOMPARE(redact::jsonBody("eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl"), QByteArray("[34 chars hidden]"));
        QCOMPARE(redact::jsonBody("{\"sub\":\"alice\"}"), QByteArray("{\"sub\":\"alice\"}"));
        QCOMPARE(redact::headerValue("Authorization", "Bearer abc.def.ghi"), QByteArray("Bearer [11 chars hidden]"));
        QCOMPARE(redact::headerValue("Accept", "application/json"), QByteArray("application/json"));
    }
};

QTEST_GUILESS_MAIN(TestHttpClient)
#include "TestHttpClient.moc"
