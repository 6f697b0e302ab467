#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include <QList>

#include "common/Clock.h"
#include "monitor/Alert.h"
#include "monitor/AlertRule.h"
#include "monitor/SecurityEvent.h"

namespace portcullis::monitor {

class AlertSink;

// Runs alert rules over batches of security events and hands each alert to the sinks.
//
// Unlike the reference system (a Redis counter per identifier whose expiry is pushed back by every failure, and an
// alert for every failure past the fifth), a threshold rule counts the events of a true sliding window, fires once
// when the threshold is reached, and then stays quiet for the rule's cooldown (see AlertRule). Memory is bounded:
// a group keeps at most `threshold` times and a few sample events, a rule keeps at most maxGroupsPerRule groups
// (the least recently active are evicted first, and counted), and a group is forgotten once its events are older
// than both the window and the cooldown.
//
// For every alert it also publishes an AlertRaised SecurityEvent through `publish`, so alerts appear in the event
// log; AlertRaised events are never counted by any rule, so an alert can never raise another.
//
// process() may be called from any thread, one call at a time (calls are serialized). Sinks are called after the
// rule state is updated, in the order they were added, from the thread that called process().
class AlertEngine
{
public:
    struct Options
    {
        qsizetype maxGroupsPerRule = 10'000;
        qsizetype maxSamples = 3; // sample events kept per group and sent with an alert
    };

    struct Stats
    {
        qint64 eventsSeen = 0; // events processed (AlertRaised events excluded)
        qint64 alertsRaised = 0;
        qint64 suppressed = 0; // matching events that fell in a cooldown
        qint64 groupsEvicted = 0; // groups dropped before their time because a rule had maxGroupsPerRule
        qsizetype groups = 0; // groups held now, over all rules
    };

    using Publish = std::function<void(SecurityEvent)>;

    // An event's time is trusted up to this far ahead of the clock, so a skewed producer cannot hold a group
    // quiet far into the future.
    static constexpr qint64 MAX_FUTURE_SKEW_MS = 60'000;

    AlertEngine(const Clock &clock, QList<AlertRule> rules, Publish publish = {});
    AlertEngine(const Clock &clock, QList<AlertRule> rules, Publish publish, Options options);
    ~AlertEngine();
    AlertEngine(const AlertEngine &) = delete;
    AlertEngine &operator=(const AlertEngine &) = delete;

    // Replaces the rules; every count starts again.
    void setRules(QList<AlertRule> rules);
    [[nodiscard]] QList<AlertRule> rules() const;

    // The sink is not owned; it must stay alive until removeSink() returns (or the engine is gone). removeSink()
    // waits for a notify() in progress to return.
    void addSink(AlertSink *sink);
    void removeSink(AlertSink *sink);

    // Counts the batch and returns the alerts it raised (also given to the sinks and published).
    QList<Alert> process(const QList<SecurityEvent> &batch);

    [[nodiscard]] Stats stats() const;

private:
    struct RuleState;

    QList<Alert> evaluate(const QList<SecurityEvent> &batch);
    void forgetIdle(RuleState &state, qint64 nowMs);
    std::optional<Alert> count(RuleState &state, const SecurityEvent &event, qint64 nowMs);
    SecurityEvent raisedEvent(const Alert &alert) const;

    const Clock &m_clock;
    const Publish m_publish;
    const Options m_options;

    mutable std::mutex m_mutex; // the rules and their groups, the stats
    std::vector<std::unique_ptr<RuleState>> m_rules;
    Stats m_stats;

    std::mutex m_sinkMutex; // held while sinks are called, so removeSink() can wait for them
    std::vector<AlertSink *> m_sinks;
};

} // namespace portcullis::monitor
