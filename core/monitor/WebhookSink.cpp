#include "monitor/WebhookSink.h"

#include "common/Clock.h"
#include "monitor/AlertError.h"
#include "monitor/WebhookDelivery.h"

namespace portcullis::monitor {

namespace {

using std::chrono::milliseconds;

Result<void> checkOptions(const WebhookSink::Options &options)
{
    const auto invalid = [](const QString &detail) { return Error(AlertError::InvalidOption, detail); };
    if (options.maxAttempts < 1 || options.maxAttempts > WebhookSink::MAX_ATTEMPTS)
        return invalid(QStringLiteral("A webhook needs 1 to %1 delivery attempts per alert (it is %2).")
                           .arg(WebhookSink::MAX_ATTEMPTS)
                           .arg(options.maxAttempts));
    if (options.firstRetryDelay < milliseconds(1) || options.firstRetryDelay > std::chrono::hours(1)
        || options.maxRetryDelay < options.firstRetryDelay || options.maxRetryDelay > std::chrono::hours(1)
        || options.maxRetryAfter < milliseconds(0) || options.maxRetryAfter > std::chrono::hours(1))
        return invalid(QStringLiteral("Webhook retry delays must be between 1 ms and 1 h, the longest at least the "
                                      "first."));
    if (options.requestTimeout < milliseconds(10) || options.requestTimeout > std::chrono::minutes(5))
        return invalid(QStringLiteral("A webhook request time-out must be between 10 ms and 5 min (it is %1 ms).")
                           .arg(options.requestTimeout.count()));
    if (options.queueCapacity < 1 || options.queueCapacity > WebhookSink::MAX_QUEUE)
        return invalid(QStringLiteral("A webhook queue holds 1 to %1 alerts (it is %2).")
                           .arg(WebhookSink::MAX_QUEUE)
                           .arg(options.queueCapacity));
    if (!options.signingSecret.isEmpty()
        && (options.signingSecret.size() < WebhookSink::MIN_SECRET_BYTES
            || options.signingSecret.size() > WebhookSink::MAX_SECRET_BYTES))
        return invalid(QStringLiteral("A webhook signing secret needs %1 to %2 bytes; generate one with a password "
                                      "manager or `openssl rand -hex 32`.")
                           .arg(WebhookSink::MIN_SECRET_BYTES)
                           .arg(WebhookSink::MAX_SECRET_BYTES));
    return {};
}

} // namespace

Result<std::unique_ptr<WebhookSink>> WebhookSink::create(const Clock &clock, Options options)
{
    if (auto url = checkWebhookUrl(options.url); !url)
        return url.error();
    if (auto valid = checkOptions(options); !valid)
        return valid.error();
    std::optional<crypto::HmacKey> key;
    if (!options.signingSecret.isEmpty()) {
        auto made = crypto::HmacKey::create(crypto::DigestAlgorithm::Sha256, std::move(options.signingSecret));
        if (!made)
            return made.error();
        key.emplace(std::move(made).value());
    }
    const QString target = redactedUrl(options.url);
    auto queue = std::make_shared<WebhookQueue>(options.queueCapacity);
    std::unique_ptr<WebhookSink> sink(new WebhookSink(queue, target));
    sink->m_delivery = new WebhookDelivery({options.url, target, options.format, std::move(key), options.maxAttempts,
                                            options.firstRetryDelay, options.maxRetryDelay, options.maxRetryAfter,
                                            options.requestTimeout, &clock},
                                           queue);
    sink->m_delivery->moveToThread(&sink->m_thread);
    connect(&sink->m_thread, &QThread::finished, sink->m_delivery, &QObject::deleteLater);
    connect(sink->m_delivery, &WebhookDelivery::delivered, sink.get(), &WebhookSink::delivered);
    connect(sink->m_delivery, &WebhookDelivery::gaveUp, sink.get(), &WebhookSink::gaveUp);
    sink->m_thread.start();
    return sink;
}

WebhookSink::WebhookSink(std::shared_ptr<WebhookQueue> queue, QString target)
    : m_queue(std::move(queue))
    , m_target(std::move(target))
{
    m_thread.setObjectName(QStringLiteral("portcullis-webhook"));
}

WebhookSink::~WebhookSink()
{
    // The delivery object aborts a request in flight when it is deleted, at the end of the thread.
    m_thread.quit();
    m_thread.wait();
}

void WebhookSink::notify(const Alert &alert)
{
    {
        const std::lock_guard lock(m_queue->mutex);
        if (qsizetype(m_queue->alerts.size()) >= m_queue->capacity) {
            m_queue->alerts.pop_front();
            ++m_queue->dropped;
        }
        m_queue->alerts.push_back(alert);
    }
    // One posted pump at a time, however many alerts come: the thread's event queue stays bounded too.
    if (!m_queue->wakePending.exchange(true))
        QMetaObject::invokeMethod(m_delivery, &WebhookDelivery::pump, Qt::QueuedConnection);
}

WebhookSink::Stats WebhookSink::stats() const
{
    Stats stats;
    stats.delivered = m_queue->delivered;
    stats.attempts = m_queue->attempts;
    stats.retries = m_queue->retries;
    stats.gaveUp = m_queue->gaveUp;
    stats.dropped = m_queue->dropped;
    const std::lock_guard lock(m_queue->mutex);
    stats.queued = qsizetype(m_queue->alerts.size());
    return stats;
}

QString WebhookSink::lastError() const
{
    const std::lock_guard lock(m_queue->mutex);
    return m_queue->lastError;
}

} // namespace portcullis::monitor
