#include "net/HttpClient.h"

#include <memory>

#include <QElapsedTimer>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPointer>
#include <QTimer>

#include "common/BuildInfo.h"

namespace portcullis::net {

namespace {

// What goes wrong for one reply, decided before finished() arrives (QNAM reports both as OperationCanceled).
enum class Abort
{
    None,
    TimedOut,
    TooLarge,
};

struct Pending
{
    HttpExchange exchange;
    QElapsedTimer clock;
    Abort abort = Abort::None;
};

QString transportText(const QNetworkReply &reply, Abort abort, const HttpClient::Options &options)
{
    switch (abort) {
    case Abort::TimedOut:
        return QStringLiteral("no complete answer within %1 s; the provider is slow or unreachable")
            .arg(options.timeout.count() / 1000.0);
    case Abort::TooLarge:
        return QStringLiteral("the answer is larger than %1 KiB, more than any OAuth response needs")
            .arg(options.maxResponseBytes / 1024);
    case Abort::None:
        break;
    }
    return reply.errorString();
}

} // namespace

HttpClient::HttpClient(Options options, QObject *parent)
    : QObject(parent)
    , m_options(options)
{
    m_network.setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
    m_network.setCookieJar(nullptr);
}

HttpClient::~HttpClient()
{
    // No handler runs during destruction: whoever it would call back may be going away too.
    const auto replies = m_network.findChildren<QNetworkReply *>();
    for (QNetworkReply *reply : replies) {
        reply->disconnect(this);
        reply->abort();
    }
}

void HttpClient::send(HttpRequest request, QObject *context, Handler done)
{
    QNetworkRequest networkRequest(request.url);
    networkRequest.setAttribute(QNetworkRequest::CookieLoadControlAttribute, QNetworkRequest::Manual);
    networkRequest.setAttribute(QNetworkRequest::CookieSaveControlAttribute, QNetworkRequest::Manual);
    networkRequest.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    networkRequest.setAttribute(QNetworkRequest::CacheSaveControlAttribute, false);
    bool hasAgent = false;
    for (const HttpHeader &header : std::as_const(request.headers)) {
        networkRequest.setRawHeader(header.name, header.value);
        hasAgent = hasAgent || QByteArrayView(header.name).compare("User-Agent", Qt::CaseInsensitive) == 0;
    }
    if (!hasAgent) {
        const HttpHeader agent {"User-Agent", "Portcullis/" + buildinfo::version().toLatin1()};
        networkRequest.setRawHeader(agent.name, agent.value);
        request.headers.append(agent);
    }

    auto pending = std::make_shared<Pending>();
    pending->exchange.request = std::move(request);
    pending->exchange.startedAt = QDateTime::currentDateTimeUtc();
    pending->clock.start();
    const HttpRequest &sent = pending->exchange.request;
    QNetworkReply *reply = sent.body.isEmpty() && sent.method == "GET"
        ? m_network.get(networkRequest)
        : m_network.sendCustomRequest(networkRequest, sent.method, sent.body);

    auto *deadline = new QTimer(reply);
    deadline->setSingleShot(true);
    connect(deadline, &QTimer::timeout, reply, [reply, pending] {
        pending->abort = Abort::TimedOut;
        reply->abort();
    });
    deadline->start(m_options.timeout);

    const qint64 limit = m_options.maxResponseBytes;
    connect(reply, &QNetworkReply::readyRead, reply, [reply, pending, limit] {
        if (pending->abort != Abort::None)
            return;
        if (pending->exchange.responseBody.size() + reply->bytesAvailable() > limit) {
            pending->abort = Abort::TooLarge;
            reply->abort();
            return;
        }
        pending->exchange.responseBody += reply->readAll();
    });

    QPointer<QObject> guard(context);
    const Options options = m_options;
    connect(reply, &QNetworkReply::finished, this, [reply, pending, guard, options, done = std::move(done)] {
        reply->deleteLater();
        HttpExchange &exchange = pending->exchange;
        exchange.elapsed = std::chrono::milliseconds(pending->clock.elapsed());
        if (pending->abort == Abort::None
            && exchange.responseBody.size() + reply->bytesAvailable() <= options.maxResponseBytes)
            exchange.responseBody += reply->readAll();
        else if (pending->abort == Abort::None)
            pending->abort = Abort::TooLarge;
        const QVariant status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
        if (pending->abort == Abort::None && status.isValid()) {
            exchange.status = status.toInt();
            for (const auto &pair : reply->rawHeaderPairs())
                exchange.responseHeaders.append(HttpHeader {pair.first, pair.second});
        } else {
            exchange.status = 0;
            exchange.responseBody.clear();
            exchange.transportError = transportText(*reply, pending->abort, options);
        }
        if (guard)
            done(std::move(exchange));
    });
}

void HttpClient::abortAll()
{
    const auto replies = m_network.findChildren<QNetworkReply *>();
    for (QNetworkReply *reply : replies)
        reply->abort();
}

} // namespace portcullis::net
