#pragma once

#include <chrono>
#include <mutex>

#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QTimer>

#include "monitor/EventBus.h"
#include "monitor/SecurityEvent.h"

namespace portcullis::monitor {

// A bus subscription as a Qt signal, for the UI feeds: events gather in a bounded buffer and arrive as one
// eventsArrived() on this object's thread at most once per interval (about 10 Hz by default), so a flood of events
// never floods the receiver's event loop. When the receiver falls further behind than the buffer holds, the oldest
// events are dropped and counted. QtCore only.
class EventFeed : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        std::chrono::milliseconds interval {100};
        qsizetype maxBuffered = 10'000;
    };

    // Subscribes to `bus`, which must outlive the feed.
    EventFeed(EventBus &bus, const QString &name, Options options, QObject *parent = nullptr);
    EventFeed(EventBus &bus, const QString &name, QObject *parent = nullptr)
        : EventFeed(bus, name, Options {}, parent)
    { }
    ~EventFeed() override;

    // Events dropped because the buffer was full.
    [[nodiscard]] quint64 droppedCount() const;

Q_SIGNALS:
    void eventsArrived(const QList<portcullis::monitor::SecurityEvent> &events);

private:
    void accept(const EventBatch &batch); // on the bus's dispatcher thread
    void schedule();
    void emitPending();

    EventBus &m_bus;
    const Options m_options;
    QTimer m_timer;
    QElapsedTimer m_sinceEmit;
    mutable std::mutex m_mutex;
    EventBatch m_buffer; // guarded by m_mutex
    bool m_scheduled = false; // guarded by m_mutex
    quint64 m_dropped = 0; // guarded by m_mutex
    SubscriptionId m_subscription = 0;
};

} // namespace portcullis::monitor
