#pragma once

#include <chrono>
#include <optional>

#include <QByteArrayView>
#include <QList>
#include <QString>

#include "common/Result.h"
#include "monitor/SecurityEvent.h"

namespace portcullis::monitor {

// What a threshold rule counts separately.
enum class AlertGrouping
{
    Identifier, // the event's main subject: user, client id, key id, else source address (SecurityEvent::mainSubject)
    SourceAddress,
    Global, // every matching event in one count
};

[[nodiscard]] QString groupingName(AlertGrouping grouping); // "identifier", "source", "global"
[[nodiscard]] std::optional<AlertGrouping> groupingFromName(QStringView name);

// When an alert fires. A rule matches events of its types and either
//  - is immediate (threshold 1): every matching event fires, or
//  - counts: `threshold` matching events of one group within `window` fire.
// After an alert a group is quiet for the cooldown (by default the window, or 5 minutes for an immediate rule):
// one ongoing attack raises one alert per cooldown per group, and the next alert says how many events arrived
// meanwhile. Counting starts again from zero after each alert. Immutable; copies are cheap.
//
// Configuration (parseConfig): a JSON array of objects, for example
//   [{"name": "failed-auth-burst", "types": ["failed_auth"], "threshold": 5, "window_seconds": 3600,
//     "per": "identifier", "severity": "warning"},
//    {"name": "refresh-reuse", "types": ["refresh_reuse"], "severity": "critical", "cooldown_seconds": 300}]
// Members: name (required), types (required, event type names), threshold (default 1), window_seconds (required
// when threshold > 1, absent otherwise), per ("identifier" (default), "source", "global"), severity ("info",
// "notice", "warning" (default), "critical"), cooldown_seconds (default as above). Anything else is an error.
class AlertRule
{
public:
    struct Spec
    {
        QString name;
        QList<EventType> types;
        qint64 threshold = 1;
        std::chrono::milliseconds window {0}; // 0 for an immediate rule
        AlertGrouping per = AlertGrouping::Identifier;
        Severity severity = Severity::Warning;
        std::optional<std::chrono::milliseconds> cooldown; // nullopt: the default (see above)
    };

    // A group remembers one time per counted event, so the threshold bounds a group's memory.
    static constexpr qint64 MAX_THRESHOLD = 1000;
    static constexpr std::chrono::milliseconds MIN_WINDOW {1000};
    static constexpr std::chrono::milliseconds MAX_WINDOW {31LL * 24 * 3600 * 1000};
    static constexpr std::chrono::milliseconds MAX_COOLDOWN = MAX_WINDOW;
    static constexpr std::chrono::milliseconds IMMEDIATE_COOLDOWN {5 * 60 * 1000};
    static constexpr qsizetype MAX_NAME_LENGTH = 64;
    static constexpr qsizetype MAX_RULES = 100;
    static constexpr qsizetype MAX_CONFIG_BYTES = 64 * 1024;

    static Result<AlertRule> create(Spec spec);
    // A JSON array of rules (see above). The error names the rule (by position and name) and the member at fault.
    static Result<QList<AlertRule>> parseConfig(QByteArrayView json);
    // The rules as parseConfig reads them back (every member written out), indented for people.
    static QByteArray toConfig(const QList<AlertRule> &rules);

    // The reference system's rule, 5 failed authentications per hour per identifier ("failed-auth-burst"), and
    // immediate critical alerts on refresh-token reuse ("refresh-reuse") and authorization-code reuse
    // ("code-reuse"), each per identifier.
    static QList<AlertRule> defaults();

    [[nodiscard]] const QString &name() const { return m_name; }
    [[nodiscard]] const QList<EventType> &types() const { return m_types; }
    [[nodiscard]] qint64 threshold() const { return m_threshold; }
    [[nodiscard]] std::chrono::milliseconds window() const { return m_window; }
    [[nodiscard]] AlertGrouping per() const { return m_per; }
    [[nodiscard]] Severity severity() const { return m_severity; }
    [[nodiscard]] std::chrono::milliseconds cooldown() const { return m_cooldown; }
    [[nodiscard]] bool isImmediate() const { return m_threshold == 1; }

    [[nodiscard]] bool matches(const SecurityEvent &event) const { return m_types.contains(event.type); }
    // The group `event` counts in under this rule; empty for a global rule (and for an event without the subject).
    [[nodiscard]] QString groupOf(const SecurityEvent &event) const;
    // "5 failed_auth events within 1 h per identifier", "any refresh_reuse event".
    [[nodiscard]] QString describe() const;

    friend bool operator==(const AlertRule &, const AlertRule &) = default;

private:
    AlertRule() = default;

    QString m_name;
    QList<EventType> m_types;
    qint64 m_threshold = 1;
    std::chrono::milliseconds m_window {0};
    AlertGrouping m_per = AlertGrouping::Identifier;
    Severity m_severity = Severity::Warning;
    std::chrono::milliseconds m_cooldown {0};
};

// A duration for people: "1 h", "90 s", "1 h 30 min", "2 d", "250 ms".
[[nodiscard]] QString durationText(std::chrono::milliseconds duration);

} // namespace portcullis::monitor
