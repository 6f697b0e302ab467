#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>

#include <QObject>
#include <QPointer>
#include <QUrl>

#include "crypto/Hmac.h"
#include "monitor/Alert.h"
#include "monitor/WebhookPayload.h"

class QNetworkAccessManager;
class QNetworkReply;
class QTimer;

namespace portcullis {
class Clock;
}

namespace portcullis::monitor {

// What WebhookSink::notify() and the delivery thread share: the bounded queue and the counters.
struct WebhookQueue
{
    explicit WebhookQueue(qsizetype capacity)
        : capacity(capacity)
    { }

    const qsizetype capacity;
    std::mutex mutex; // alerts, lastError
    std::deque<Alert> alerts;
    QString lastError;
    std::atomic<bool> wakePending {false}; // a pump() is posted and has not run yet
    std::atomic<qint64> delivered {0};
    std::atomic<qint64> attempts {0};
    std::atomic<qint64> retries {0};
    std::atomic<qint64> gaveUp {0};
    std::atomic<qint64> dropped {0};
};

// The part of WebhookSink that lives on its thread: takes alerts from the queue one at a time and POSTs each until
// it is delivered or given up. Not for use on its own.
class WebhookDelivery : public QObject
{
    Q_OBJECT

public:
    struct Settings
    {
        QUrl url;
        QString target; // the URL redacted, for messages
        WebhookFormat format = WebhookFormat::Generic;
        std::optional<crypto::HmacKey> key;
        int maxAttempts = 5;
        std::chrono::milliseconds firstRetryDelay {1000};
        std::chrono::milliseconds maxRetryDelay {60'000};
        std::chrono::milliseconds maxRetryAfter {300'000};
        std::chrono::milliseconds requestTimeout {10'000};
        const Clock *clock = nullptr;
    };

    static constexpr qint64 MAX_ANSWER_BYTES = 64 * 1024; // a receiver's answer is read and thrown away up to this

    WebhookDelivery(Settings settings, std::shared_ptr<WebhookQueue> queue);
    ~WebhookDelivery() override;

    // Takes the next alert if none is in flight. Runs on the delivery thread (posted by WebhookSink::notify()).
    void pump();

signals:
    void delivered(const QString &alertId, int attempts);
    void gaveUp(const QString &alertId, const QString &error);

private:
    struct Job
    {
        QString id;
        QByteArray body;
        int attempts = 0;
    };

    void next();
    void send();
    void answered(QNetworkReply *reply);
    void retryOrGiveUp(const QString &why, std::optional<std::chrono::milliseconds> retryAfter);
    void finish(bool ok, const QString &why);
    [[nodiscard]] std::chrono::milliseconds backoff(int failedAttempts) const;
    [[nodiscard]] std::optional<std::chrono::milliseconds> parseRetryAfter(const QByteArray &value) const;

    Settings m_settings;
    std::shared_ptr<WebhookQueue> m_queue;
    QNetworkAccessManager *m_network = nullptr; // made on the delivery thread, on first use
    QTimer *m_retryTimer;
    QTimer *m_attemptTimer; // the whole attempt's time limit (a transfer timeout alone lets a trickle go on)
    std::optional<Job> m_job;
    QPointer<QNetworkReply> m_reply;
    qint64 m_answerBytes = 0;
    bool m_timedOut = false;
};

} // namespace portcullis::monitor
