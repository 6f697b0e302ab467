#pragma once

#include <chrono>
#include <memory>

#include <QObject>
#include <QThread>
#include <QUrl>

#include "common/Result.h"
#include "crypto/SecretBytes.h"
#include "monitor/AlertSink.h"
#include "monitor/WebhookPayload.h"

namespace portcullis {
class Clock;
}

namespace portcullis::monitor {

class WebhookDelivery;
struct WebhookQueue;

// Sends alerts to a webhook: an HTTP POST of a JSON body (the generic shape of toJson(const Alert &), or Slack's
// {"text": …}), from a thread of its own, so notify() never waits for the network.
//
// Delivery: one alert at a time, in order. A network error, a time-out, HTTP 408, 429 or 5xx is retried after an
// exponential backoff with jitter (firstRetryDelay, doubled per attempt up to maxRetryDelay; a Retry-After header
// is honoured up to maxRetryAfter), until maxAttempts have failed; then the alert is given up and counted. Any other
// answer but 2xx (a 4xx, a redirect) gives it up at once: trying again would not change it. Alerts wait in a queue
// of queueCapacity; when it is full the oldest waiting alert is dropped and counted.
//
// The URL must be https, or http to this machine. It may hold a secret (Slack's webhook paths are bearer tokens),
// so it is never logged or shown whole: target() gives "https://hooks.slack.com/…", and errors use that.
//
// Signatures: with a signing secret (at least 16 bytes), each request carries
//     X-Portcullis-Timestamp: <unix seconds when the attempt was sent>
//     X-Portcullis-Signature: sha256=<lowercase hex HMAC-SHA256(secret, timestamp + "." + body)>
// A receiver recomputes the HMAC over the timestamp header, a '.', and the raw body bytes, compares it in constant
// time, and refuses timestamps more than a few minutes from its own clock (a replayed request). Each request also
// carries X-Portcullis-Alert-Id (the same for every attempt at one alert, for dropping duplicates) and
// X-Portcullis-Attempt (1, 2, …).
class WebhookSink : public QObject, public AlertSink
{
    Q_OBJECT

public:
    struct Options
    {
        QUrl url;
        WebhookFormat format = WebhookFormat::Generic;
        crypto::SecretBytes signingSecret; // empty: requests are not signed
        int maxAttempts = 5;
        std::chrono::milliseconds firstRetryDelay {1000};
        std::chrono::milliseconds maxRetryDelay {60'000};
        std::chrono::milliseconds maxRetryAfter {300'000};
        std::chrono::milliseconds requestTimeout {10'000};
        qsizetype queueCapacity = 100;
    };

    struct Stats
    {
        qint64 delivered = 0;
        qint64 attempts = 0; // requests sent
        qint64 retries = 0;
        qint64 gaveUp = 0; // alerts given up after their last attempt, or refused by the receiver
        qint64 dropped = 0; // alerts dropped from a full queue
        qsizetype queued = 0; // alerts waiting now (not counting one in flight)
    };

    static constexpr int MAX_ATTEMPTS = 20;
    static constexpr qsizetype MAX_QUEUE = 10'000;
    static constexpr std::size_t MIN_SECRET_BYTES = 16;
    static constexpr std::size_t MAX_SECRET_BYTES = 1024;

    // `clock` must outlive the sink; it dates signatures and reads Retry-After dates.
    [[nodiscard]] static Result<std::unique_ptr<WebhookSink>> create(const Clock &clock, Options options);
    ~WebhookSink() override;

    // Queues the alert and returns; safe from any thread.
    void notify(const Alert &alert) override;

    [[nodiscard]] const QString &target() const { return m_target; }
    [[nodiscard]] Stats stats() const;
    // Why the last alert given up was given up; empty if none was.
    [[nodiscard]] QString lastError() const;

signals:
    void delivered(const QString &alertId, int attempts);
    void gaveUp(const QString &alertId, const QString &error);

private:
    WebhookSink(std::shared_ptr<WebhookQueue> queue, QString target);

    std::shared_ptr<WebhookQueue> m_queue;
    QString m_target;
    QThread m_thread;
    WebhookDelivery *m_delivery = nullptr; // lives on m_thread; deleted when it finishes
};

} // namespace portcullis::monitor
