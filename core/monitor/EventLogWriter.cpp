#include "monitor/EventLogWriter.h"

#include <QLoggingCategory>
#include <QStringBuilder>

namespace portcullis::monitor {

namespace {

Q_LOGGING_CATEGORY(lcEventLog, "portcullis.core.monitor")

constexpr auto SHUTDOWN_FLUSH = std::chrono::seconds(5);

SecurityEvent storeEvent(EventType type, const QString &reason, const QString &detail)
{
    SecurityEvent event;
    event.type = type;
    event.severity = defaultSeverity(type);
    event.reason = reason;
    event.detail = detail;
    return event;
}

} // namespace

EventLogWriter::EventLogWriter(EventBus &bus, const EventLog &log, Options options)
    : m_bus(bus)
    , m_log(log)
    , m_options(options)
{
    m_subscription = m_bus.subscribe(
        QStringLiteral("event log"), [this](const EventBatch &batch) { write(batch); }, m_options.subscription);
    m_retention = std::jthread([this](std::stop_token stop) { runRetention(std::move(stop)); });
    m_checkpoints = std::jthread([this](std::stop_token stop) { runCheckpoints(std::move(stop)); });
}

EventLogWriter::~EventLogWriter()
{
    if (!m_bus.flush(SHUTDOWN_FLUSH))
        qCWarning(lcEventLog)
            << "the event log writer stopped before the bus was flushed; recent events may be missing";
    {
        const std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_stopWake.notify_all();
    m_bus.unsubscribe(m_subscription);
    m_retention.request_stop();
    m_retention.join();
    m_checkpoints.request_stop();
    m_checkpoints.join();
}

EventLogWriter::Stats EventLogWriter::stats() const
{
    const std::lock_guard lock(m_mutex);
    return m_stats;
}

bool EventLogWriter::pauseUnlessStopping(std::chrono::milliseconds pause)
{
    std::unique_lock lock(m_mutex);
    return !m_stopWake.wait_for(lock, pause, [this] { return m_stopping; });
}

void EventLogWriter::write(const EventBatch &batch)
{
    auto backoff = m_options.firstBackoff;
    Result<void> written;
    for (int attempt = 1;; ++attempt) {
        written = m_log.append(batch, EventLog::Checkpoints::ByCaller);
        if (written)
            break;
        {
            const std::lock_guard lock(m_mutex);
            ++m_stats.failedAttempts;
        }
        if (attempt >= m_options.attempts || !pauseUnlessStopping(backoff))
            break;
        backoff *= 2;
    }
    std::optional<SecurityEvent> notice;
    {
        const std::lock_guard lock(m_mutex);
        if (written) {
            m_stats.written += quint64(batch.size());
            m_checkpointDue = true;
            if (m_stats.degraded) {
                m_stats.degraded = false;
                notice = storeEvent(EventType::StoreRecovered, QStringLiteral("event_log_recovered"),
                                    u"The event log is written again. " % QString::number(m_stats.lost - m_lostBefore)
                                        % u" events could not be written to it meanwhile.");
            }
        } else {
            m_stats.lost += quint64(batch.size());
            if (!m_stats.degraded) {
                m_stats.degraded = true;
                m_lostBefore = m_stats.lost - quint64(batch.size());
                notice = storeEvent(EventType::StoreDegraded, QStringLiteral("event_log_write_failed"),
                                    u"The event log cannot be written (" % written.error().detail()
                                        % u") Events still reach the feeds and alerts but are missing from the log "
                                          u"until the store answers again.");
            }
        }
    }
    if (written)
        m_checkpointWake.notify_one();
    if (!written)
        qCWarning(lcEventLog) << batch.size()
                              << "events could not be written to the event log:" << written.error().toString();
    // Published from this subscriber's own thread: publish() never waits, and the event comes back here later.
    if (notice)
        (void)m_bus.publish(std::move(*notice));
}

void EventLogWriter::runRetention(std::stop_token stop)
{
    std::mutex mutex;
    std::condition_variable_any wake;
    for (;;) {
        auto purged = m_log.purge(m_options.retention);
        {
            const std::lock_guard lock(m_mutex);
            if (purged) {
                m_stats.purged += quint64(*purged);
                ++m_stats.purges;
            }
        }
        if (!purged)
            qCWarning(lcEventLog) << "old events could not be removed from the event log:" << purged.error().toString();
        std::unique_lock lock(mutex);
        (void)wake.wait_for(lock, stop, m_options.retentionInterval, [] { return false; });
        if (stop.stop_requested())
            return;
    }
}

// Runs after every written batch, or after several when the writer is quicker than a checkpoint, and once more on
// the way out for what the last batches left.
void EventLogWriter::runCheckpoints(std::stop_token stop)
{
    bool failing = false;
    for (;;) {
        {
            std::unique_lock lock(m_mutex);
            m_checkpointWake.wait(lock, stop, [this] { return m_checkpointDue; });
            if (!m_checkpointDue)
                return; // stopped with nothing written since the last checkpoint
            m_checkpointDue = false;
        }
        auto done = m_log.checkpoint();
        {
            const std::lock_guard lock(m_mutex);
            if (done)
                ++m_stats.checkpoints;
        }
        // Once per run of failures: SQLite checkpoints again when the next one succeeds, and nothing is lost
        // meanwhile (the rows are in the write-ahead log, which only grows).
        if (!done && !failing)
            qCWarning(lcEventLog) << "the event log's write-ahead log could not be copied into the database:"
                                  << done.error().toString();
        failing = !done;
    }
}

} // namespace portcullis::monitor
