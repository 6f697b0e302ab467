#pragma once

#include <chrono>
#include <memory>

#include <QByteArray>
#include <QHostAddress>
#include <QObject>
#include <QString>
#include <QTimer>
#include <QUrl>
#include <QUrlQuery>

#include "common/Result.h"

class QTcpServer;
class QTcpSocket;

namespace portcullis::oauth {

// The RFC 8252 loopback redirect listener of an authorization-code flow. It listens on 127.0.0.1 (or [::1]) only,
// on an ephemeral port unless the operator asks for a fixed one, and only while the flow waits:
//  - it answers GET on its path only: 404 elsewhere, 405 for other methods, 400 for a request whose `state` is
//    missing or wrong (the flow keeps waiting, and rejected() says why);
//  - the first request with the right state wins: it gets a page that holds no code or token, callbackReceived()
//    carries its query, and the port closes, so a second request finds nothing listening;
//  - a request's head is limited in size, each connection has a deadline (a slow or silent client is dropped
//    without holding up the others), the whole wait has a deadline, and cancel() ends it.
// Every value echoed on a page is HTML-escaped. Lives on the thread that arms it (it needs an event loop).
class LoopbackListener : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        QString path = QStringLiteral("/callback");
        quint16 port = 0; // 0: an ephemeral port
        bool ipv6 = false; // [::1] instead of 127.0.0.1
        std::chrono::milliseconds connectionTimeout {10'000};
        std::chrono::milliseconds flowTimeout {5 * 60 * 1000};
        qsizetype maxHeadBytes = 8192;
        int maxConnections = 16; // at once; more are closed at once
    };

    // What the browser brought back: the query of the winning request (code, state, iss, or error, …).
    struct Callback
    {
        QUrlQuery query;
    };

    // Starts listening for a callback carrying `expectedState`.
    [[nodiscard]] static Result<std::unique_ptr<LoopbackListener>> arm(QByteArray expectedState, Options options);
    ~LoopbackListener() override;

    // http://127.0.0.1:<port>/callback (or http://[::1]:…), for the authorization request's redirect_uri.
    [[nodiscard]] QUrl redirectUri() const;
    [[nodiscard]] bool isListening() const;
    // Stops waiting; failed("cancelled") follows.
    void cancel();

Q_SIGNALS:
    void callbackReceived(const portcullis::oauth::LoopbackListener::Callback &callback);
    // A request that did not count (wrong path, method or state; malformed; too large): the flow keeps waiting.
    void rejected(const QString &why);
    // The wait ended without a callback: timed out or cancelled.
    void failed(const QString &why);

private:
    LoopbackListener(QByteArray expectedState, Options options);
    void accept();
    void read(QTcpSocket *socket);
    void handle(QTcpSocket *socket, const QByteArray &head);
    void answer(QTcpSocket *socket, int status, const QString &title, const QString &text);
    void finish();

    QByteArray m_expectedState;
    Options m_options;
    std::unique_ptr<QTcpServer> m_server;
    QTimer m_flowTimer;
    bool m_done = false;
};

} // namespace portcullis::oauth

Q_DECLARE_METATYPE(portcullis::oauth::LoopbackListener::Callback)
