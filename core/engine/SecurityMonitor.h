#pragma once

#include <chrono>
#include <memory>
#include <optional>

#include <QString>

#include "common/Result.h"
#include "engine/AlertSettings.h"
#include "monitor/AlertRule.h"
#include "monitor/EventBus.h"

namespace portcullis {
class Clock;
}

namespace portcullis::store {
class Database;
}

namespace portcullis::monitor {
class AlertEngine;
class EventLog;
class EventStreamPublisher;
class EventLogWriter;
class FailedAuthTracker;
class SignalSink;
class WebhookSink;
struct SecurityEvent;
} // namespace portcullis::monitor

namespace portcullis::engine {

// One workspace's security monitor, wired as ARCHITECTURE.md's monitor data flow says: every security decision is
// published on the event bus, from any thread; the event log writes it to the store in batches, the alert engine
// runs its rules over it (alerts come back on the bus as alert_raised events and go to the alert sinks), and the
// failed-auth tracker keeps lockouts in the store and publishes lock and unlock events on the bus.
class SecurityMonitor
{
public:
    struct Options
    {
        QString instanceId; // empty: instanceName()
        // The tracker's background thread (flushes, lock reloads, expiry sweeps). A one-shot CLI command runs
        // without it: it reads, acts once, and flushes on exit.
        bool background = true;
        // Also publish every event to the Redis stream there (monitor/EventStreamPublisher), so a console can watch
        // several instances; empty: no stream.
        QString redisUrl;
        QList<monitor::AlertRule> rules = monitor::AlertRule::defaults();
        std::optional<alertsettings::Webhook> webhook; // alerts also go there
    };

    // "host:pid": which process saw an event.
    [[nodiscard]] static QString instanceName();

    [[nodiscard]] static Result<std::unique_ptr<SecurityMonitor>> open(std::shared_ptr<store::Database> database,
                                                                       const Clock &clock, Options options);
    // Delivers everything published so far (to the log, the rules and the sinks) before it goes.
    ~SecurityMonitor();
    SecurityMonitor(const SecurityMonitor &) = delete;
    SecurityMonitor &operator=(const SecurityMonitor &) = delete;

    [[nodiscard]] monitor::EventBus &bus() { return *m_bus; }
    [[nodiscard]] const monitor::EventLog &log() const { return *m_log; }
    [[nodiscard]] monitor::FailedAuthTracker &tracker() { return *m_tracker; }
    [[nodiscard]] monitor::AlertEngine &alerts() { return *m_alerts; }
    // The console turns its alertRaised signal into a desktop notification.
    [[nodiscard]] monitor::SignalSink &alertSignals() { return *m_alertSignals; }
    // The webhook the alerts also go to; null when none is set.
    [[nodiscard]] monitor::WebhookSink *webhook() { return m_webhook.get(); }
    [[nodiscard]] const QString &instanceId() const { return m_instanceId; }

    // Never blocks; false when the bus dropped the event (it counts and reports drops itself).
    bool publish(monitor::SecurityEvent event);
    // Waits until everything published before the call has reached every subscriber.
    bool flush(std::chrono::milliseconds timeout = std::chrono::seconds(10));

private:
    SecurityMonitor() = default;

    QString m_instanceId;
    std::unique_ptr<monitor::EventBus> m_bus;
    std::unique_ptr<monitor::EventLog> m_log;
    std::unique_ptr<monitor::EventLogWriter> m_logWriter;
    std::unique_ptr<monitor::SignalSink> m_alertSignals;
    std::unique_ptr<monitor::WebhookSink> m_webhook;
    std::unique_ptr<monitor::AlertEngine> m_alerts;
    monitor::SubscriptionId m_alertSubscription = 0;
    std::unique_ptr<monitor::FailedAuthTracker> m_tracker;
    std::unique_ptr<monitor::EventStreamPublisher> m_stream;
    monitor::SubscriptionId m_streamSubscription = 0;
};

} // namespace portcullis::engine
