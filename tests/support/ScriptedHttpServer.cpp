#include "ScriptedHttpServer.h"

#include <QTcpSocket>

namespace portcullis::test {

namespace {

constexpr qsizetype MAX_REQUEST_BYTES = 1024 * 1024;

QByteArray reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 302:
        return "Found";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 404:
        return "Not Found";
    default:
        return "Status";
    }
}

} // namespace

QString ScriptedRequest::path() const
{
    return QUrl(QString::fromLatin1(target)).path();
}

QUrlQuery ScriptedRequest::query() const
{
    return QUrlQuery(QUrl(QString::fromLatin1(target)));
}

QUrlQuery ScriptedRequest::form() const
{
    return QUrlQuery(QString::fromLatin1(QByteArray(body).replace('+', ' ')));
}

QByteArray ScriptedRequest::header(QByteArrayView name) const
{
    for (const auto &header : headers) {
        if (QByteArrayView(header.first).compare(name, Qt::CaseInsensitive) == 0)
            return header.second;
    }
    return {};
}

ScriptedResponse ScriptedResponse::json(int status, QByteArray body)
{
    return ScriptedResponse {status, {{"Content-Type", "application/json"}}, std::move(body)};
}

ScriptedResponse ScriptedResponse::redirect(const QUrl &location)
{
    return ScriptedResponse {302, {{"Location", location.toEncoded()}}, {}};
}

ScriptedHttpServer::ScriptedHttpServer()
{
    connect(&m_server, &QTcpServer::newConnection, this, [this] {
        while (QTcpSocket *socket = m_server.nextPendingConnection())
            serve(socket);
    });
}

bool ScriptedHttpServer::listen()
{
    return m_server.listen(QHostAddress::LocalHost, 0);
}

QUrl ScriptedHttpServer::baseUrl() const
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_server.serverPort()));
}

QUrl ScriptedHttpServer::url(const QString &path) const
{
    return QUrl(baseUrl().toString() + path);
}

void ScriptedHttpServer::route(const QByteArray &method, const QString &path, Handler handler)
{
    m_routes.insert(method + ' ' + path.toUtf8(), std::move(handler));
}

int ScriptedHttpServer::count(const QString &path) const
{
    return static_cast<int>(
        std::count_if(m_requests.cbegin(), m_requests.cend(), [&](const auto &r) { return r.path() == path; }));
}

void ScriptedHttpServer::serve(QTcpSocket *socket)
{
    connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    connect(socket, &QTcpSocket::readyRead, this, [this, socket] {
        if (socket->property("answered").toBool())
            return;
        QByteArray buffer = socket->property("buffer").toByteArray() + socket->readAll();
        if (buffer.size() > MAX_REQUEST_BYTES) {
            socket->abort();
            return;
        }
        socket->setProperty("buffer", buffer);
        const qsizetype headEnd = buffer.indexOf("\r\n\r\n");
        if (headEnd < 0)
            return;
        ScriptedRequest request;
        const QByteArrayList lines = buffer.first(headEnd).split('\n');
        const QByteArrayList first = lines.value(0).trimmed().split(' ');
        request.method = first.value(0);
        request.target = first.value(1);
        qsizetype length = 0;
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const qsizetype colon = lines[i].indexOf(':');
            if (colon <= 0)
                continue;
            const QByteArray name = lines[i].first(colon).trimmed();
            const QByteArray value = lines[i].sliced(colon + 1).trimmed();
            request.headers.append({name, value});
            if (name.compare("Content-Length", Qt::CaseInsensitive) == 0)
                length = value.toLongLong();
        }
        if (buffer.size() - headEnd - 4 < length)
            return;
        request.body = buffer.sliced(headEnd + 4, length);
        socket->setProperty("answered", true);
        m_requests.append(request);

        const auto handler = m_routes.constFind(request.method + ' ' + request.path().toUtf8());
        const ScriptedResponse response = handler == m_routes.cend()
            ? ScriptedResponse::json(404, R"({"error":"not_found"})")
            : (*handler)(request);
        QByteArray out = "HTTP/1.1 " + QByteArray::number(response.status) + ' ' + reason(response.status) + "\r\n";
        for (const auto &header : response.headers)
            out += header.first + ": " + header.second + "\r\n";
        out += "Content-Length: " + QByteArray::number(response.body.size()) + "\r\nConnection: close\r\n\r\n";
        out += response.body;
        socket->write(out);
        socket->disconnectFromHost();
    });
}

} // namespace portcullis::test
