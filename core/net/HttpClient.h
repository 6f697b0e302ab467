#pragma once

#include <chrono>
#include <functional>

#include <QNetworkAccessManager>
#include <QObject>

#include "net/HttpExchange.h"

namespace portcullis::net {

// Sends HTTP requests for the client side of OAuth flows and records each as an HttpExchange. It never follows
// redirects (a token endpoint that redirects is a finding, not something to chase), keeps no cookies, bounds
// the response size and the total time of each request. Lives on one thread with an event loop.
class HttpClient : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        std::chrono::milliseconds timeout {15'000}; // per request, from sending to the last byte
        qint64 maxResponseBytes = 1024 * 1024;
    };

    using Handler = std::function<void(HttpExchange)>;

    explicit HttpClient(Options options, QObject *parent = nullptr);
    explicit HttpClient(QObject *parent = nullptr)
        : HttpClient(Options(), parent)
    { }
    ~HttpClient() override;

    // Sends `request`; `done` runs later on this thread, exactly once, with the exchange (a transport failure
    // is in HttpExchange::transportError), unless `context` is destroyed first. Never calls back synchronously.
    void send(HttpRequest request, QObject *context, Handler done);
    // Aborts every request in flight; their handlers run with "aborted".
    void abortAll();

    [[nodiscard]] const Options &options() const { return m_options; }

private:
    Options m_options;
    QNetworkAccessManager m_network;
};

} // namespace portcullis::net
