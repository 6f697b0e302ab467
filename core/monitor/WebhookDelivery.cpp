#include "monitor/WebhookDelivery.h"

#include <algorithm>

#include <QDateTime>
#include <QLoggingCategory>
#include <QMetaEnum>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimeZone>
#include <QTimer>

#include "common/Clock.h"
#include "crypto/Random.h"
#include "monitor/AlertRule.h"

namespace portcullis::monitor {

namespace {

Q_LOGGING_CATEGORY(lcWebhook, "portcullis.core.monitor")

using std::chrono::milliseconds;

// Plain words for the network errors a webhook meets; never QNetworkReply::errorString(), which quotes the full URL.
QString networkErrorText(QNetworkReply::NetworkError error)
{
    switch (error) {
    case QNetworkReply::ConnectionRefusedError:
        return QStringLiteral("the connection was refused");
    case QNetworkReply::RemoteHostClosedError:
        return QStringLiteral("the receiver closed the connection without answering");
    case QNetworkReply::HostNotFoundError:
        return QStringLiteral("the host name was not found");
    case QNetworkReply::TimeoutError:
        return QStringLiteral("the connection timed out");
    case QNetworkReply::SslHandshakeFailedError:
        return QStringLiteral("the TLS handshake failed (check the receiver's certificate)");
    case QNetworkReply::TemporaryNetworkFailureError:
    case QNetworkReply::NetworkSessionFailedError:
        return QStringLiteral("the network is not available");
    default:
        break;
    }
    const char *key = QMetaEnum::fromType<QNetworkReply::NetworkError>().valueToKey(error);
    return QStringLiteral("network error %1").arg(key ? QLatin1String(key) : QLatin1String("(unknown)"));
}

} // namespace

WebhookDelivery::WebhookDelivery(Settings settings, std::shared_ptr<WebhookQueue> queue)
    : m_settings(std::move(settings))
    , m_queue(std::move(queue))
    , m_retryTimer(new QTimer(this))
    , m_attemptTimer(new QTimer(this))
{
    m_retryTimer->setSingleShot(true);
    m_retryTimer->setTimerType(Qt::PreciseTimer);
    connect(m_retryTimer, &QTimer::timeout, this, &WebhookDelivery::send);
    m_attemptTimer->setSingleShot(true);
    connect(m_attemptTimer, &QTimer::timeout, this, [this] {
        m_timedOut = true;
        if (m_reply)
            m_reply->abort(); // finishes the reply, which reports the time-out
    });
}

WebhookDelivery::~WebhookDelivery()
{
    if (m_reply) {
        m_reply->disconnect(this); // no answered(), and so no next request, from inside the destructor
        m_reply->abort();
    }
}

void WebhookDelivery::pump()
{
    m_queue->wakePending = false; // before looking at the queue, so an alert queued meanwhile posts another pump
    next();
}

void WebhookDelivery::next()
{
    if (m_job)
        return;
    Alert alert;
    {
        const std::lock_guard lock(m_queue->mutex);
        if (m_queue->alerts.empty())
            return;
        alert = std::move(m_queue->alerts.front());
        m_queue->alerts.pop_front();
    }
    m_job = Job {alert.id, webhookBody(alert, m_settings.format), 0};
    send();
}

void WebhookDelivery::send()
{
    if (!m_job)
        return;
    if (!m_network) {
        m_network = new QNetworkAccessManager(this);
        // A redirect would carry the alert (and the signature) to a URL nobody configured.
        m_network->setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
    }
    ++m_job->attempts;
    ++m_queue->attempts;

    QNetworkRequest request(m_settings.url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    request.setHeader(QNetworkRequest::UserAgentHeader, QByteArrayLiteral("Portcullis-Alerts/1"));
    request.setRawHeader("X-Portcullis-Alert-Id", m_job->id.toUtf8());
    request.setRawHeader("X-Portcullis-Attempt", QByteArray::number(m_job->attempts));
    if (m_settings.key) {
        // Signed again for each attempt, so the timestamp is fresh and a receiver can refuse old ones.
        const QByteArray timestamp = QByteArray::number(m_settings.clock->unixSeconds());
        request.setRawHeader("X-Portcullis-Timestamp", timestamp);
        request.setRawHeader("X-Portcullis-Signature", webhookSignature(*m_settings.key, timestamp, m_job->body));
    }
    m_timedOut = false;
    m_answerBytes = 0;
    QNetworkReply *reply = m_network->post(request, m_job->body);
    m_reply = reply;
    connect(reply, &QNetworkReply::finished, this, [this, reply] { answered(reply); });
    connect(reply, &QIODevice::readyRead, this, [this, reply] {
        // The answer does not matter; read it away so it is never buffered whole, and stop a flood.
        m_answerBytes += reply->skip(reply->bytesAvailable());
        if (m_answerBytes > MAX_ANSWER_BYTES)
            reply->abort();
    });
    m_attemptTimer->start(m_settings.requestTimeout);
}

void WebhookDelivery::answered(QNetworkReply *reply)
{
    if (reply != m_reply)
        return;
    m_attemptTimer->stop();
    m_reply = nullptr;
    reply->deleteLater();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QNetworkReply::NetworkError error = reply->error();

    if (status >= 200 && status < 300) {
        finish(true, {});
    } else if (status == 408 || status == 429 || status >= 500) {
        retryOrGiveUp(QStringLiteral("the receiver answered HTTP %1").arg(status),
                      parseRetryAfter(reply->rawHeader("Retry-After")));
    } else if (status >= 300 && status < 400) {
        finish(false,
               QStringLiteral("the receiver answered HTTP %1, a redirect; webhook deliveries do not follow "
                              "redirects. Configure the final URL.")
                   .arg(status));
    } else if (status >= 100) {
        finish(false,
               QStringLiteral("the receiver refused the alert with HTTP %1; check the webhook URL and the "
                              "receiver's settings (and the signing secret, if it checks signatures).")
                   .arg(status));
    } else if (m_timedOut) {
        retryOrGiveUp(QStringLiteral("no answer within %1").arg(durationText(m_settings.requestTimeout)), std::nullopt);
    } else {
        retryOrGiveUp(networkErrorText(error), std::nullopt);
    }
}

void WebhookDelivery::retryOrGiveUp(const QString &why, std::optional<milliseconds> retryAfter)
{
    if (m_job->attempts >= m_settings.maxAttempts) {
        finish(false, QStringLiteral("%1 attempts failed; the last: %2.").arg(m_job->attempts).arg(why));
        return;
    }
    milliseconds delay = backoff(m_job->attempts);
    if (retryAfter)
        delay = std::max(delay, std::min(*retryAfter, m_settings.maxRetryAfter));
    ++m_queue->retries;
    qCDebug(lcWebhook).noquote() << "Webhook" << m_settings.target << "alert" << m_job->id << "attempt"
                                 << m_job->attempts << "failed:" << why << "- retrying in" << durationText(delay);
    m_retryTimer->start(delay);
}

void WebhookDelivery::finish(bool ok, const QString &why)
{
    const Job job = std::move(*m_job);
    m_job.reset();
    if (ok) {
        ++m_queue->delivered;
        emit delivered(job.id, job.attempts);
    } else {
        ++m_queue->gaveUp;
        {
            const std::lock_guard lock(m_queue->mutex);
            m_queue->lastError = why;
        }
        qCWarning(lcWebhook).noquote() << "Webhook" << m_settings.target << "gave up on alert" << job.id << "-" << why;
        emit gaveUp(job.id, why);
    }
    next();
}

milliseconds WebhookDelivery::backoff(int failedAttempts) const
{
    // Exponential, capped, with "equal jitter": half the step fixed, half random. Each wait is at least as long as
    // the longest the one before could have been, and receivers are not hit by every sender in step.
    qint64 step = m_settings.firstRetryDelay.count();
    for (int i = 1; i < failedAttempts && step < m_settings.maxRetryDelay.count(); ++i)
        step *= 2;
    step = std::min(step, qint64(m_settings.maxRetryDelay.count()));
    const qint64 half = step / 2;
    const auto jitter = crypto::random::uniform(quint32(step - half + 1));
    return milliseconds(half + (jitter ? qint64(*jitter) : step - half));
}

std::optional<milliseconds> WebhookDelivery::parseRetryAfter(const QByteArray &value) const
{
    // RFC 9110 §10.2.3: delay-seconds or an HTTP-date.
    const QByteArray text = value.trimmed();
    if (text.isEmpty() || text.size() > 64)
        return std::nullopt;
    if (std::all_of(text.cbegin(), text.cend(), [](char c) { return c >= '0' && c <= '9'; }))
        return text.size() > 9 ? m_settings.maxRetryAfter : milliseconds(text.toLongLong() * 1000);
    // The IMF-fixdate form ("Sun, 06 Nov 1994 08:49:37 GMT") first; Qt's RFC 2822 parser for the rest.
    QDateTime date
        = QDateTime::fromString(QString::fromLatin1(text), QStringLiteral("ddd, dd MMM yyyy HH:mm:ss 'GMT'"));
    if (date.isValid())
        date.setTimeZone(QTimeZone::utc());
    else
        date = QDateTime::fromString(QString::fromLatin1(text), Qt::RFC2822Date);
    if (!date.isValid())
        return std::nullopt;
    return milliseconds(std::max<qint64>(0, date.toMSecsSinceEpoch() - m_settings.clock->unixMillis()));
}

} // namespace portcullis::monitor
