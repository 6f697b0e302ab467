#pragma once

#include <chrono>

#include <QJsonObject>
#include <QList>
#include <QMetaType>
#include <QString>

#include "monitor/AlertRule.h"
#include "monitor/SecurityEvent.h"

namespace portcullis::monitor {

// One alert raised by an AlertRule for one group. Its text comes from normalized events, so it is safe to log and
// show; it never holds a secret.
struct Alert
{
    QString id; // random, unique per alert: lets a receiver drop a retried delivery it already has
    QString rule; // the rule's name
    Severity severity = Severity::Warning;
    EventType type = EventType::FailedAuth; // the type of the event that fired it
    AlertGrouping per = AlertGrouping::Identifier;
    QString subject; // the group's subject: the identifier or source address; empty for a global rule
    qint64 count = 0; // events counted within the window when it fired (the threshold; 1 for an immediate rule)
    qint64 threshold = 1;
    std::chrono::milliseconds window {0}; // 0 for an immediate rule
    qint64 suppressed = 0; // matching events of the group that arrived during the previous alert's cooldown
    qint64 firstEventMs = 0; // the oldest counted event (UTC ms)
    qint64 lastEventMs = 0; // the event that fired it
    qint64 raisedAtMs = 0;
    QString summary; // one plain sentence
    QList<SecurityEvent> samples; // the group's last few events, oldest first, the one that fired it last

    friend bool operator==(const Alert &, const Alert &) = default;
};

// The alert as JSON, the body a generic webhook receives. Stable member names (version 1):
//   {"version": 1, "id": "…", "rule": "failed-auth-burst", "severity": "warning", "type": "failed_auth",
//    "per": "identifier", "subject": "alice", "count": 5, "threshold": 5, "window_seconds": 3600,
//    "suppressed": 0, "first_event": "2026-…Z", "last_event": "2026-…Z", "raised_at": "2026-…Z",
//    "summary": "…", "samples": [<SecurityEvent JSON>, …]}
// "subject" is left out for a global rule; "window_seconds" is 0 for an immediate rule.
[[nodiscard]] QJsonObject toJson(const Alert &alert);

} // namespace portcullis::monitor

Q_DECLARE_METATYPE(portcullis::monitor::Alert)
