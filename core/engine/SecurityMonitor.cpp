#include "engine/SecurityMonitor.h"

#include <QCoreApplication>
#include <QStringBuilder>
#include <QSysInfo>

#include "monitor/AlertEngine.h"
#include "monitor/AlertRule.h"
#include "monitor/EventLog.h"
#include "monitor/EventLogWriter.h"
#include "monitor/EventStreamPublisher.h"
#include "monitor/FailedAuthTracker.h"
#include "monitor/SignalSink.h"
#include "monitor/WebhookSink.h"

namespace portcullis::engine {

QString SecurityMonitor::instanceName()
{
    return QSysInfo::machineHostName() + u':' + QString::number(QCoreApplication::applicationPid());
}

Result<std::unique_ptr<SecurityMonitor>> SecurityMonitor::open(std::shared_ptr<store::Database> database,
                                                               const Clock &clock, Options options)
{
    std::unique_ptr<SecurityMonitor> monitor(new SecurityMonitor());
    monitor->m_instanceId = options.instanceId.isEmpty() ? instanceName() : options.instanceId;
    monitor->m_bus
        = std::make_unique<monitor::EventBus>(clock, monitor::EventBus::Options {.instanceId = monitor->m_instanceId});
    monitor::EventBus *bus = monitor->m_bus.get();
    const auto publish = [bus](const monitor::SecurityEvent &event) { bus->publish(event); };

    monitor->m_log = std::make_unique<monitor::EventLog>(database, clock);
    monitor->m_logWriter = std::make_unique<monitor::EventLogWriter>(*bus, *monitor->m_log);

    monitor->m_alertSignals = std::make_unique<monitor::SignalSink>();
    monitor->m_alerts = std::make_unique<monitor::AlertEngine>(clock, options.rules, publish);
    monitor->m_alerts->addSink(monitor->m_alertSignals.get());
    if (options.webhook) {
        monitor::WebhookSink::Options webhook;
        webhook.url = options.webhook->url;
        webhook.format = options.webhook->format;
        webhook.signingSecret = options.webhook->signingSecret.clone();
        auto sink = monitor::WebhookSink::create(clock, std::move(webhook));
        if (!sink)
            return sink.error();
        monitor->m_webhook = std::move(*sink);
        monitor->m_alerts->addSink(monitor->m_webhook.get());
    }
    monitor::AlertEngine *alerts = monitor->m_alerts.get();
    monitor->m_alertSubscription = bus->subscribe(
        QStringLiteral("alerts"), [alerts](const monitor::EventBatch &batch) { alerts->process(batch); });

    if (!options.redisUrl.isEmpty()) {
        // The stream's own outages come back as events, which cannot loop: the publisher reports a change of state
        // only, and holds or drops what it cannot send.
        auto stream = monitor::EventStreamPublisher::create(
            options.redisUrl, clock, {}, [bus, &clock](bool healthy, const QString &reason) {
                monitor::SecurityEvent event;
                event.type = healthy ? monitor::EventType::StoreRecovered : monitor::EventType::StoreDegraded;
                event.timeMs = clock.unixMillis();
                event.reason = QStringLiteral("event_stream");
                event.detail = healthy ? QStringLiteral("Events reach the Redis event stream again.")
                                       : u"Events cannot be published to the Redis event stream; they are kept in "
                                         u"this instance's log and a few are held for the stream. "
                        % reason;
                bus->publish(event);
            });
        if (!stream)
            return stream.error();
        monitor->m_stream = std::move(*stream);
        monitor::EventStreamPublisher *publisher = monitor->m_stream.get();
        monitor->m_streamSubscription
            = bus->subscribe(QStringLiteral("event-stream"),
                             [publisher](const monitor::EventBatch &batch) { publisher->publish(batch); });
    }

    monitor::FailedAuthTracker::Options trackerOptions;
    trackerOptions.instanceId = monitor->m_instanceId;
    if (!options.background)
        trackerOptions.flushInterval = std::chrono::milliseconds(0);
    auto tracker = monitor::FailedAuthTracker::open(std::move(database), clock, publish, trackerOptions);
    if (!tracker)
        return tracker.error();
    monitor->m_tracker = std::move(*tracker);
    return monitor;
}

SecurityMonitor::~SecurityMonitor()
{
    // The tracker first: its last flush may still publish. Then every event to the rules and the log, and the
    // subscribers go before what they deliver to.
    if (m_tracker)
        (void)m_tracker->flush();
    m_tracker.reset();
    if (m_bus)
        m_bus->flush(std::chrono::seconds(10));
    if (m_bus && m_alertSubscription)
        m_bus->unsubscribe(m_alertSubscription);
    if (m_bus && m_streamSubscription)
        m_bus->unsubscribe(m_streamSubscription);
    if (m_alerts) {
        m_alerts->removeSink(m_alertSignals.get());
        if (m_webhook)
            m_alerts->removeSink(m_webhook.get());
    }
    m_logWriter.reset();
}

bool SecurityMonitor::publish(monitor::SecurityEvent event)
{
    return m_bus->publish(std::move(event));
}

bool SecurityMonitor::flush(std::chrono::milliseconds timeout)
{
    return m_bus->flush(timeout);
}

} // namespace portcullis::engine
