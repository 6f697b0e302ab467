#include "monitor/AlertEngine.h"

#include <algorithm>
#include <atomic>
#include <list>

#include <QHash>
#include <QStringBuilder>

#include "crypto/Random.h"
#include "monitor/AlertSink.h"

namespace portcullis::monitor {

namespace {

// One group of one rule: the times of its last `threshold` counted events (sorted), a few sample events, and its
// cooldown. Nothing in it grows past those bounds.
struct Group
{
    QString subject;
    std::vector<qint64> times;
    std::vector<SecurityEvent> samples; // a ring: once full, the oldest is at nextSample
    std::size_t nextSample = 0;
    qint64 newestMs = 0;
    qint64 quietUntilMs = 0;
    qint64 suppressed = 0;
};

QString newAlertId()
{
    // 12 random bytes: 16 base64url characters, unique enough for a receiver to spot a repeated delivery.
    static std::atomic<qint64> s_fallback {0};
    const auto token = crypto::random::token(12);
    return token ? QString::fromLatin1(*token) : QStringLiteral("alert-%1").arg(++s_fallback);
}

QString typesText(const AlertRule &rule)
{
    QStringList names;
    for (const EventType type : rule.types())
        names += eventTypeName(type);
    return names.join(u'/');
}

QString groupText(AlertGrouping per, const QString &subject)
{
    switch (per) {
    case AlertGrouping::Identifier:
        return subject.isEmpty() ? QStringLiteral(" without an identifier")
                                 : QStringLiteral(" for identifier '%1'").arg(subject);
    case AlertGrouping::SourceAddress:
        return subject.isEmpty() ? QStringLiteral(" without a source address")
                                 : QStringLiteral(" from source address '%1'").arg(subject);
    case AlertGrouping::Global:
        break;
    }
    return {};
}

QString summaryOf(const AlertRule &rule, const Alert &alert)
{
    QString text;
    if (rule.isImmediate()) {
        text = QStringLiteral("%1 event%2 (rule %3).")
                   .arg(eventTypeName(alert.type), groupText(alert.per, alert.subject), alert.rule);
        if (!alert.samples.isEmpty() && !alert.samples.back().detail.isEmpty())
            text += u' ' % alert.samples.back().detail;
    } else {
        text = QStringLiteral("%1 %2 events%3 within %4 (rule %5: %6 in %7).")
                   .arg(QString::number(alert.count), typesText(rule), groupText(alert.per, alert.subject),
                        durationText(std::chrono::milliseconds(alert.lastEventMs - alert.firstEventMs)), alert.rule,
                        QString::number(rule.threshold()), durationText(rule.window()));
    }
    if (alert.suppressed > 0)
        text += QStringLiteral(" %1 more arrived during the previous alert's cooldown.").arg(alert.suppressed);
    return text;
}

} // namespace

struct AlertEngine::RuleState
{
    explicit RuleState(AlertRule r)
        : rule(std::move(r))
    { }

    AlertRule rule;
    std::list<Group> groups; // most recently active first
    QHash<QString, std::list<Group>::iterator> index;
};

AlertEngine::AlertEngine(const Clock &clock, QList<AlertRule> rules, Publish publish)
    : AlertEngine(clock, std::move(rules), std::move(publish), Options {})
{ }

AlertEngine::AlertEngine(const Clock &clock, QList<AlertRule> rules, Publish publish, Options options)
    : m_clock(clock)
    , m_publish(std::move(publish))
    , m_options {std::max<qsizetype>(1, options.maxGroupsPerRule), std::max<qsizetype>(1, options.maxSamples)}
{
    setRules(std::move(rules));
}

AlertEngine::~AlertEngine() = default;

void AlertEngine::setRules(QList<AlertRule> rules)
{
    std::vector<std::unique_ptr<RuleState>> states;
    states.reserve(std::size_t(rules.size()));
    for (AlertRule &rule : rules)
        states.push_back(std::make_unique<RuleState>(std::move(rule)));
    const std::lock_guard lock(m_mutex);
    m_rules.swap(states);
}

QList<AlertRule> AlertEngine::rules() const
{
    const std::lock_guard lock(m_mutex);
    QList<AlertRule> rules;
    for (const auto &state : m_rules)
        rules += state->rule;
    return rules;
}

void AlertEngine::addSink(AlertSink *sink)
{
    const std::lock_guard lock(m_sinkMutex);
    if (sink && std::find(m_sinks.begin(), m_sinks.end(), sink) == m_sinks.end())
        m_sinks.push_back(sink);
}

void AlertEngine::removeSink(AlertSink *sink)
{
    const std::lock_guard lock(m_sinkMutex);
    m_sinks.erase(std::remove(m_sinks.begin(), m_sinks.end(), sink), m_sinks.end());
}

QList<Alert> AlertEngine::process(const QList<SecurityEvent> &batch)
{
    QList<Alert> alerts;
    {
        const std::lock_guard lock(m_mutex);
        alerts = evaluate(batch);
    }
    if (alerts.isEmpty())
        return alerts;
    // Outside the rule lock: a sink or the publisher may hand events straight back to process().
    {
        const std::lock_guard lock(m_sinkMutex);
        for (const Alert &alert : std::as_const(alerts))
            for (AlertSink *sink : m_sinks)
                sink->notify(alert);
    }
    if (m_publish)
        for (const Alert &alert : std::as_const(alerts))
            m_publish(raisedEvent(alert));
    return alerts;
}

QList<Alert> AlertEngine::evaluate(const QList<SecurityEvent> &batch)
{
    const qint64 nowMs = m_clock.unixMillis();
    for (const auto &state : m_rules)
        forgetIdle(*state, nowMs);
    QList<Alert> alerts;
    for (const SecurityEvent &raw : batch) {
        // Alerts are reported, never counted: no rule may see them, whatever its types say.
        if (raw.type == EventType::AlertRaised)
            continue;
        ++m_stats.eventsSeen;
        std::optional<SecurityEvent> event; // normalized once, when a rule matches
        for (const auto &state : m_rules) {
            if (!state->rule.matches(raw))
                continue;
            if (!event)
                event = normalized(raw);
            if (auto alert = count(*state, *event, nowMs)) {
                ++m_stats.alertsRaised;
                alerts += std::move(*alert);
            }
        }
    }
    return alerts;
}

void AlertEngine::forgetIdle(RuleState &state, qint64 nowMs)
{
    // A group whose events have left the window and whose cooldown is over would start from nothing anyway.
    // Groups are in order of last activity, so the idle ones are at the back.
    const qint64 window = state.rule.window().count();
    while (!state.groups.empty()) {
        const Group &group = state.groups.back();
        if (nowMs < std::max(group.newestMs + window, group.quietUntilMs))
            break;
        state.index.remove(group.subject);
        state.groups.pop_back();
    }
}

std::optional<Alert> AlertEngine::count(RuleState &state, const SecurityEvent &event, qint64 nowMs)
{
    const AlertRule &rule = state.rule;
    const qint64 timeMs = event.timeMs > 0 ? std::min(event.timeMs, nowMs + MAX_FUTURE_SKEW_MS) : nowMs;
    const QString subject = rule.groupOf(event);

    auto found = state.index.constFind(subject);
    if (found != state.index.cend()) {
        state.groups.splice(state.groups.begin(), state.groups, *found);
    } else {
        if (qsizetype(state.groups.size()) >= m_options.maxGroupsPerRule) {
            state.index.remove(state.groups.back().subject);
            state.groups.pop_back();
            ++m_stats.groupsEvicted;
        }
        state.groups.push_front(Group {subject, {}, {}, 0, 0, 0, 0});
        state.index.insert(subject, state.groups.begin());
    }
    Group &group = state.groups.front();

    group.newestMs = std::max(group.newestMs, timeMs);
    group.times.insert(std::upper_bound(group.times.begin(), group.times.end(), timeMs), timeMs);
    if (qint64(group.times.size()) > rule.threshold())
        group.times.erase(group.times.begin());
    if (qsizetype(group.samples.size()) < m_options.maxSamples)
        group.samples.push_back(event);
    else
        group.samples[group.nextSample] = event;
    group.nextSample = (group.nextSample + 1) % std::size_t(m_options.maxSamples);

    if (group.newestMs < group.quietUntilMs) {
        ++group.suppressed;
        ++m_stats.suppressed;
        return std::nullopt;
    }
    if (qint64(group.times.size()) < rule.threshold()
        || (!rule.isImmediate() && group.times.back() - group.times.front() >= rule.window().count()))
        return std::nullopt;

    Alert alert;
    alert.id = newAlertId();
    alert.rule = rule.name();
    alert.severity = rule.severity();
    alert.type = event.type;
    alert.per = rule.per();
    alert.subject = subject;
    alert.count = qint64(group.times.size());
    alert.threshold = rule.threshold();
    alert.window = rule.window();
    alert.suppressed = group.suppressed;
    alert.firstEventMs = group.times.front();
    alert.lastEventMs = group.times.back();
    alert.raisedAtMs = nowMs;
    const std::size_t oldest = group.samples.size() < std::size_t(m_options.maxSamples) ? 0 : group.nextSample;
    alert.samples.reserve(qsizetype(group.samples.size()));
    for (std::size_t i = 0; i < group.samples.size(); ++i)
        alert.samples += group.samples[(oldest + i) % group.samples.size()];
    alert.summary = summaryOf(rule, alert);

    // Counting starts again after an alert; the cooldown keeps one ongoing attack to one alert per cooldown.
    group.times.clear();
    group.suppressed = 0;
    group.quietUntilMs = group.newestMs + rule.cooldown().count();
    return alert;
}

SecurityEvent AlertEngine::raisedEvent(const Alert &alert) const
{
    SecurityEvent event;
    event.timeMs = alert.raisedAtMs;
    event.type = EventType::AlertRaised;
    event.severity = alert.severity;
    event.reason = alert.rule;
    event.detail = alert.summary;
    if (!alert.samples.isEmpty()) {
        const SecurityEvent &trigger = alert.samples.back();
        event.instanceId = trigger.instanceId;
        // The subject goes back into the field it came from, so the log can filter alerts by it.
        if (alert.per == AlertGrouping::SourceAddress) {
            event.sourceAddress = alert.subject;
        } else if (alert.per == AlertGrouping::Identifier && !alert.subject.isEmpty()) {
            for (QString SecurityEvent::*field : {&SecurityEvent::user, &SecurityEvent::clientId, &SecurityEvent::keyId,
                                                  &SecurityEvent::sourceAddress}) {
                if (trigger.*field == alert.subject) {
                    event.*field = alert.subject;
                    break;
                }
            }
        }
    }
    return normalized(std::move(event));
}

AlertEngine::Stats AlertEngine::stats() const
{
    const std::lock_guard lock(m_mutex);
    Stats stats = m_stats;
    stats.groups = 0;
    for (const auto &state : m_rules)
        stats.groups += qsizetype(state->groups.size());
    return stats;
}

} // namespace portcullis::monitor
