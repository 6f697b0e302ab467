#include "oauth/LoopbackListener.h"

#include <QStringBuilder>
#include <QTcpServer>
#include <QTcpSocket>

#include "crypto/ConstantTime.h"

namespace portcullis::oauth {

namespace {

const char *reasonPhrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 431:
        return "Request Header Fields Too Large";
    default:
        return "Error";
    }
}

const char *const BUFFER = "portcullis.head";

} // namespace

LoopbackListener::LoopbackListener(QByteArray expectedState, Options options)
    : m_expectedState(std::move(expectedState))
    , m_options(std::move(options))
    , m_server(std::make_unique<QTcpServer>())
{ }

LoopbackListener::~LoopbackListener() = default;

Result<std::unique_ptr<LoopbackListener>> LoopbackListener::arm(QByteArray expectedState, Options options)
{
    if (expectedState.isEmpty())
        return Error(CommonError::InvalidArgument,
                     QStringLiteral("The loopback listener needs the flow's state to recognise its callback."));
    if (!options.path.startsWith(u'/') || options.path.contains(u'?') || options.path.contains(u'#'))
        return Error(CommonError::InvalidArgument,
                     u"The callback path must start with '/' and hold no '?' or '#' (it is '" % options.path.left(64)
                         % u"').");
    std::unique_ptr<LoopbackListener> listener(new LoopbackListener(std::move(expectedState), std::move(options)));
    const QHostAddress address
        = listener->m_options.ipv6 ? QHostAddress(QHostAddress::LocalHostIPv6) : QHostAddress(QHostAddress::LocalHost);
    if (!listener->m_server->listen(address, listener->m_options.port))
        return Error(CommonError::IoError,
                     u"Cannot listen on " % address.toString() % u':' % QString::number(listener->m_options.port)
                         % u" for the redirect (" % listener->m_server->errorString()
                         % u"). Leave the port to the system, or choose one that is free.");
    listener->m_options.port = listener->m_server->serverPort(); // the redirect URI stays valid after the port closes
    LoopbackListener *self = listener.get();
    connect(listener->m_server.get(), &QTcpServer::newConnection, self, &LoopbackListener::accept);
    listener->m_flowTimer.setSingleShot(true);
    connect(&listener->m_flowTimer, &QTimer::timeout, self, [self] {
        self->finish();
        Q_EMIT self->failed(QStringLiteral("No callback arrived in time: the sign-in was not completed in the browser, "
                                           "or the browser could not reach %1.")
                                .arg(self->redirectUri().toString()));
    });
    listener->m_flowTimer.start(listener->m_options.flowTimeout);
    return listener;
}

QUrl LoopbackListener::redirectUri() const
{
    QUrl uri;
    uri.setScheme(QStringLiteral("http"));
    uri.setHost(m_options.ipv6 ? QStringLiteral("::1") : QStringLiteral("127.0.0.1"));
    uri.setPort(m_options.port);
    uri.setPath(m_options.path);
    return uri;
}

bool LoopbackListener::isListening() const
{
    return m_server->isListening();
}

void LoopbackListener::cancel()
{
    if (m_done)
        return;
    finish();
    Q_EMIT failed(QStringLiteral("cancelled"));
}

void LoopbackListener::accept()
{
    while (m_server->hasPendingConnections()) {
        QTcpSocket *socket = m_server->nextPendingConnection();
        if (m_done
            || findChildren<QTcpSocket *>(QString(), Qt::FindDirectChildrenOnly).size() > m_options.maxConnections) {
            socket->abort();
            socket->deleteLater();
            continue;
        }
        socket->setParent(this);
        // A connection that says nothing (a browser's preconnect) or dribbles (slowloris) is dropped at its deadline;
        // it never holds up the real callback, which arrives on a connection of its own.
        auto *deadline = new QTimer(socket);
        deadline->setSingleShot(true);
        connect(deadline, &QTimer::timeout, socket, [socket] {
            socket->abort();
            socket->deleteLater();
        });
        deadline->start(m_options.connectionTimeout);
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] { read(socket); });
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    }
}

void LoopbackListener::read(QTcpSocket *socket)
{
    QByteArray head = socket->property(BUFFER).toByteArray() + socket->readAll();
    if (head.isEmpty() || socket->property("portcullis.answered").toBool())
        return;
    const qsizetype end = head.indexOf("\r\n\r\n");
    if (end < 0 && head.size() <= m_options.maxHeadBytes) {
        socket->setProperty(BUFFER, head);
        return;
    }
    if (end < 0 || end + 4 > m_options.maxHeadBytes) {
        Q_EMIT rejected(
            QStringLiteral("A request to the listener was larger than %1 bytes.").arg(m_options.maxHeadBytes));
        answer(socket, 431, QStringLiteral("Request too large"), QStringLiteral("This request was too large."));
        return;
    }
    handle(socket, head.left(end));
}

void LoopbackListener::handle(QTcpSocket *socket, const QByteArray &head)
{
    const QByteArray requestLine = head.left(head.indexOf("\r\n") < 0 ? head.size() : head.indexOf("\r\n"));
    const QList<QByteArray> parts = requestLine.split(' ');
    if (parts.size() != 3 || !parts[2].startsWith("HTTP/1.") || !parts[1].startsWith('/')) {
        Q_EMIT rejected(QStringLiteral("A malformed request reached the listener."));
        answer(socket, 400, QStringLiteral("Bad request"), QStringLiteral("This is not a request this page can read."));
        return;
    }
    const QUrl target = QUrl::fromEncoded(parts[1], QUrl::StrictMode);
    if (!target.isValid() || target.path() != m_options.path) {
        Q_EMIT rejected(QStringLiteral("A request for another path than %1 reached the listener.").arg(m_options.path));
        answer(socket, 404, QStringLiteral("Not found"), QStringLiteral("There is nothing here."));
        return;
    }
    if (parts[0] != "GET") {
        Q_EMIT rejected(QStringLiteral("A %1 request reached the callback; only GET is answered.")
                            .arg(QString::fromLatin1(parts[0].left(16)).toHtmlEscaped()));
        answer(socket, 405, QStringLiteral("Method not allowed"), QStringLiteral("Only GET is answered here."));
        return;
    }
    const QUrlQuery query(target);
    const QStringList states = query.allQueryItemValues(QStringLiteral("state"), QUrl::FullyDecoded);
    if (states.size() != 1 || !crypto::constantTimeEqual(states.first().toUtf8(), m_expectedState)) {
        Q_EMIT rejected(states.isEmpty() ? QStringLiteral("A callback without a state was refused; still waiting.")
                                         : QStringLiteral("A callback with a wrong or repeated state was refused "
                                                          "(not this flow's, or forged); still waiting."));
        answer(socket, 400, QStringLiteral("Not this sign-in"),
               QStringLiteral("This response does not belong to the sign-in Portcullis is waiting for."));
        return;
    }
    // The one callback of this flow: its error (if any) is echoed escaped; a code or token never is.
    const QString error = query.queryItemValue(QStringLiteral("error"), QUrl::FullyDecoded);
    if (error.isEmpty())
        answer(socket, 200, QStringLiteral("Signed in"),
               QStringLiteral("Portcullis received the authorization response. You can close this tab and return to "
                              "Portcullis."));
    else
        answer(socket, 200, QStringLiteral("Authorization refused"),
               u"The authorization server answered with the error \u201c" % error.left(200).toHtmlEscaped()
                   % u"\u201d. Return to Portcullis for the details.");
    finish();
    Q_EMIT callbackReceived(Callback {query});
}

void LoopbackListener::answer(QTcpSocket *socket, int status, const QString &title, const QString &text)
{
    socket->setProperty("portcullis.answered", true);
    const QByteArray body
        = (u"<!doctype html><html><head><meta charset=\"utf-8\"><title>" % title.toHtmlEscaped()
           % u"</title></head><body><h1>" % title.toHtmlEscaped() % u"</h1><p>" % text % u"</p></body></html>\n")
              .toUtf8();
    QByteArray response = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status) + "\r\n";
    if (status == 405)
        response += "Allow: GET\r\n";
    response += "Content-Type: text/html; charset=utf-8\r\n"
                "Content-Length: "
        + QByteArray::number(body.size())
        + "\r\n"
          "Cache-Control: no-store\r\n"
          "Referrer-Policy: no-referrer\r\n"
          "X-Content-Type-Options: nosniff\r\n"
          "Content-Security-Policy: default-src 'none'\r\n"
          "Connection: close\r\n\r\n"
        + body;
    socket->write(response);
    socket->disconnectFromHost();
}

void LoopbackListener::finish()
{
    m_done = true;
    m_flowTimer.stop();
    m_server->close();
    // Stray connections (preconnects, other tabs) go with the port; the winning one closes after its answer.
    for (QTcpSocket *socket : findChildren<QTcpSocket *>(QString(), Qt::FindDirectChildrenOnly)) {
        if (!socket->property("portcullis.answered").toBool()) {
            socket->abort();
            socket->deleteLater();
        }
    }
}

} // namespace portcullis::oauth
