#pragma once

#include <functional>

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QObject>
#include <QTcpServer>
#include <QUrl>
#include <QUrlQuery>

namespace portcullis::test {

struct ScriptedRequest
{
    QByteArray method;
    QByteArray target; // path and query, as sent
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;

    [[nodiscard]] QString path() const;
    [[nodiscard]] QUrlQuery query() const;
    [[nodiscard]] QUrlQuery form() const; // the body as application/x-www-form-urlencoded
    [[nodiscard]] QByteArray header(QByteArrayView name) const;
};

struct ScriptedResponse
{
    int status = 200;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;

    [[nodiscard]] static ScriptedResponse json(int status, QByteArray body);
    [[nodiscard]] static ScriptedResponse redirect(const QUrl &location);
};

// A small HTTP/1.1 server on 127.0.0.1 for tests that need a provider to behave in a scripted (possibly
// malicious) way: one request per connection, routes by method and path, every request recorded.
class ScriptedHttpServer : public QObject
{
    Q_OBJECT

public:
    using Handler = std::function<ScriptedResponse(const ScriptedRequest &)>;

    ScriptedHttpServer();
    [[nodiscard]] bool listen();
    // http://127.0.0.1:PORT
    [[nodiscard]] QUrl baseUrl() const;
    [[nodiscard]] QUrl url(const QString &path) const;

    void route(const QByteArray &method, const QString &path, Handler handler);
    [[nodiscard]] const QList<ScriptedRequest> &requests() const { return m_requests; }
    [[nodiscard]] int count(const QString &path) const;

private:
    void serve(class QTcpSocket *socket);

    QTcpServer m_server;
    QHash<QByteArray, Handler> m_routes; // "METHOD /path"
    QList<ScriptedRequest> m_requests;
};

} // namespace portcullis::test
