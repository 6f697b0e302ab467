#include "monitor/AlertRule.h"

#include <algorithm>
#include <array>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStringBuilder>

#include "common/Redaction.h"
#include "jose/JsonDocument.h"
#include "monitor/AlertError.h"

namespace portcullis::monitor {

namespace {

using std::chrono::milliseconds;

constexpr std::array<const char16_t *, 3> GROUPINGS = {u"identifier", u"source", u"global"};
constexpr std::array<const char *, 7> MEMBERS
    = {"name", "types", "threshold", "window_seconds", "per", "severity", "cooldown_seconds"};
constexpr qint64 MS_PER_S = 1000;

bool isNameCharacter(QChar c)
{
    return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9') || c == u'.' || c == u'_'
        || c == u'-';
}

Result<void> validate(const AlertRule::Spec &spec)
{
    // The name becomes the reason code of the AlertRaised event and appears in webhook bodies: a token-like set
    // keeps it safe everywhere without escaping.
    if (spec.name.isEmpty() || spec.name.size() > AlertRule::MAX_NAME_LENGTH
        || !std::all_of(spec.name.cbegin(), spec.name.cend(), isNameCharacter))
        return Error(AlertError::InvalidName,
                     QStringLiteral("An alert rule name needs 1 to %1 characters from A-Z, a-z, 0-9, '.', '_' and '-'.")
                         .arg(AlertRule::MAX_NAME_LENGTH));
    if (spec.types.isEmpty())
        return Error(AlertError::InvalidTypes,
                     QStringLiteral("Alert rule '%1' names no event type; give at least one, such as failed_auth.")
                         .arg(spec.name));
    for (qsizetype i = 0; i < spec.types.size(); ++i) {
        if (spec.types[i] == EventType::AlertRaised)
            return Error(AlertError::InvalidTypes,
                         QStringLiteral("Alert rule '%1' watches alert_raised events; alerts never feed alert rules "
                                        "(an alert about alerts would raise itself again). Remove alert_raised.")
                             .arg(spec.name));
        if (spec.types.indexOf(spec.types[i]) != i)
            return Error(AlertError::InvalidTypes,
                         QStringLiteral("Alert rule '%1' names the event type %2 twice.")
                             .arg(spec.name, eventTypeName(spec.types[i])));
    }
    if (spec.threshold < 1 || spec.threshold > AlertRule::MAX_THRESHOLD)
        return Error(AlertError::InvalidThreshold,
                     QStringLiteral("Alert rule '%1': the threshold must be between 1 and %2 events (it is %3).")
                         .arg(spec.name)
                         .arg(AlertRule::MAX_THRESHOLD)
                         .arg(spec.threshold));
    if (spec.threshold == 1 && spec.window != milliseconds(0))
        return Error(AlertError::InvalidWindow,
                     QStringLiteral("Alert rule '%1' fires on every matching event (threshold 1), so a window means "
                                    "nothing; remove it, or set a threshold above 1.")
                         .arg(spec.name));
    if (spec.threshold > 1 && (spec.window < AlertRule::MIN_WINDOW || spec.window > AlertRule::MAX_WINDOW))
        return Error(AlertError::InvalidWindow,
                     QStringLiteral("Alert rule '%1': the window must be between 1 second and 31 days (it is %2 ms).")
                         .arg(spec.name)
                         .arg(spec.window.count()));
    if (spec.cooldown && (*spec.cooldown < milliseconds(0) || *spec.cooldown > AlertRule::MAX_COOLDOWN))
        return Error(AlertError::InvalidCooldown,
                     QStringLiteral("Alert rule '%1': the cooldown must be between 0 and 31 days (it is %2 ms).")
                         .arg(spec.name)
                         .arg(spec.cooldown->count()));
    return {};
}

// --- configuration -------------------------------------------------------------------------------------------

Error configError(qsizetype index, const QString &name, const QString &problem)
{
    const QString where = name.isEmpty()
        ? QStringLiteral("Alert rule %1").arg(index + 1)
        : QStringLiteral("Alert rule %1 ('%2')").arg(index + 1).arg(redaction::escapeUntrusted(name, 80));
    return Error(AlertError::InvalidConfig, where % QStringLiteral(": ") % problem);
}

QString memberList()
{
    QStringList names;
    for (const char *member : MEMBERS)
        names += QLatin1String(member);
    return names.join(QStringLiteral(", "));
}

// A whole number of seconds in [0, limit], as milliseconds.
Result<milliseconds> seconds(const jose::JsonValue &value, const char *member, qsizetype index, const QString &name)
{
    const auto number = value.isNumber() && value.isIntegral() ? value.toInt64() : std::nullopt;
    if (!number || *number < 0 || *number > AlertRule::MAX_WINDOW.count() / MS_PER_S)
        return configError(index, name,
                           QStringLiteral("%1 must be a whole number of seconds from 0 to %2.")
                               .arg(QLatin1String(member))
                               .arg(AlertRule::MAX_WINDOW.count() / MS_PER_S));
    return milliseconds(*number * MS_PER_S);
}

Result<AlertRule> parseRule(const jose::JsonValue &object, qsizetype index)
{
    if (!object.isObject())
        return configError(index, {},
                           QStringLiteral("each rule must be a JSON object, not a %1.")
                               .arg(QLatin1String(jose::JsonValue::typeName(object.type()))));
    AlertRule::Spec spec;
    const auto name = object.member("name");
    if (!name || !name->isString() || name->toString().isEmpty())
        return configError(index, {}, QStringLiteral("\"name\" is required and must be a non-empty string."));
    spec.name = name->toString().left(AlertRule::MAX_NAME_LENGTH + 1);
    for (qsizetype i = 0; i < object.size(); ++i) {
        const QByteArray member = object.memberName(i);
        if (std::none_of(MEMBERS.begin(), MEMBERS.end(), [&member](const char *m) { return member == m; }))
            return configError(index, spec.name,
                               QStringLiteral("unknown member \"%1\"; a rule has only %2.")
                                   .arg(redaction::escapeUntrusted(QString::fromUtf8(member), 64), memberList()));
    }

    const auto types = object.member("types");
    if (!types || !types->isArray() || types->size() == 0)
        return configError(index, spec.name,
                           QStringLiteral("\"types\" is required: an array of event type names such as "
                                          "[\"failed_auth\"]."));
    for (qsizetype i = 0; i < types->size(); ++i) {
        const jose::JsonValue type = types->element(i);
        const auto parsed = type.isString() ? eventTypeFromName(type.toString()) : std::nullopt;
        if (!parsed)
            return configError(index, spec.name,
                               QStringLiteral("types[%1] is not an event type name (failed_auth, rate_limited, "
                                              "lockout, refresh_reuse, code_reuse, …).")
                                   .arg(i));
        spec.types += *parsed;
    }

    if (const auto threshold = object.member("threshold")) {
        const auto number = threshold->isNumber() && threshold->isIntegral() ? threshold->toInt64() : std::nullopt;
        if (!number)
            return configError(index, spec.name, QStringLiteral("\"threshold\" must be a whole number of events."));
        spec.threshold = *number;
    }
    if (const auto window = object.member("window_seconds")) {
        auto parsed = seconds(*window, "window_seconds", index, spec.name);
        if (!parsed)
            return parsed.error();
        spec.window = *parsed;
    } else if (spec.threshold > 1) {
        return configError(index, spec.name,
                           QStringLiteral("a rule with a threshold above 1 needs \"window_seconds\", the time in which "
                                          "the threshold must be reached."));
    }
    if (const auto cooldown = object.member("cooldown_seconds")) {
        auto parsed = seconds(*cooldown, "cooldown_seconds", index, spec.name);
        if (!parsed)
            return parsed.error();
        spec.cooldown = *parsed;
    }
    if (const auto per = object.member("per")) {
        const auto parsed = per->isString() ? groupingFromName(per->toString()) : std::nullopt;
        if (!parsed)
            return configError(index, spec.name,
                               QStringLiteral("\"per\" must be \"identifier\", \"source\" or \"global\"."));
        spec.per = *parsed;
    }
    if (const auto severity = object.member("severity")) {
        const auto parsed = severity->isString() ? severityFromName(severity->toString()) : std::nullopt;
        if (!parsed)
            return configError(index, spec.name,
                               QStringLiteral("\"severity\" must be \"info\", \"notice\", \"warning\" or "
                                              "\"critical\"."));
        spec.severity = *parsed;
    }
    auto rule = AlertRule::create(std::move(spec));
    if (!rule)
        return Error(
            AlertError::InvalidConfig,
            QStringLiteral("Rule %1 of the configuration is invalid. %2").arg(index + 1).arg(rule.error().detail()));
    return rule;
}

} // namespace

QByteArray AlertRule::toConfig(const QList<AlertRule> &rules)
{
    QJsonArray array;
    for (const AlertRule &rule : rules) {
        QJsonObject object;
        object.insert(QStringLiteral("name"), rule.name());
        QJsonArray types;
        for (const EventType type : rule.types())
            types.append(eventTypeName(type));
        object.insert(QStringLiteral("types"), types);
        if (!rule.isImmediate()) {
            object.insert(QStringLiteral("threshold"), rule.threshold());
            object.insert(QStringLiteral("window_seconds"), qint64(rule.window().count() / 1000));
        }
        object.insert(QStringLiteral("per"), groupingName(rule.per()));
        object.insert(QStringLiteral("severity"), severityName(rule.severity()));
        object.insert(QStringLiteral("cooldown_seconds"), qint64(rule.cooldown().count() / 1000));
        array.append(object);
    }
    return QJsonDocument(array).toJson(QJsonDocument::Indented).trimmed();
}

QString groupingName(AlertGrouping grouping)
{
    return QString::fromUtf16(GROUPINGS[std::size_t(grouping)]);
}

std::optional<AlertGrouping> groupingFromName(QStringView name)
{
    for (std::size_t i = 0; i < GROUPINGS.size(); ++i)
        if (name == QStringView(GROUPINGS[i]))
            return AlertGrouping(i);
    return std::nullopt;
}

Result<AlertRule> AlertRule::create(Spec spec)
{
    if (auto valid = validate(spec); !valid)
        return valid.error();
    AlertRule rule;
    rule.m_name = std::move(spec.name);
    rule.m_types = std::move(spec.types);
    rule.m_threshold = spec.threshold;
    rule.m_window = spec.window;
    rule.m_per = spec.per;
    rule.m_severity = spec.severity;
    rule.m_cooldown = spec.cooldown.value_or(spec.threshold == 1 ? IMMEDIATE_COOLDOWN : spec.window);
    return rule;
}

Result<QList<AlertRule>> AlertRule::parseConfig(QByteArrayView json)
{
    if (json.size() > MAX_CONFIG_BYTES)
        return Error(AlertError::InvalidConfig,
                     QStringLiteral("The alert rule configuration is %1 bytes; the limit is %2. Keep it to at most %3 "
                                    "rules.")
                         .arg(json.size())
                         .arg(MAX_CONFIG_BYTES)
                         .arg(MAX_RULES));
    const auto document = jose::JsonDocument::parse(json, {MAX_CONFIG_BYTES, 8, 10'000});
    if (!document)
        return Error(
            AlertError::InvalidConfig,
            QStringLiteral("The alert rule configuration is not valid JSON: %1").arg(document.error().detail()));
    const jose::JsonValue root = document->root();
    if (!root.isArray())
        return Error(AlertError::InvalidConfig,
                     QStringLiteral("The alert rule configuration must be a JSON array of rules, not a %1.")
                         .arg(QLatin1String(jose::JsonValue::typeName(root.type()))));
    if (root.size() > MAX_RULES)
        return Error(AlertError::InvalidConfig,
                     QStringLiteral("The alert rule configuration has %1 rules; the limit is %2.")
                         .arg(root.size())
                         .arg(MAX_RULES));
    QList<AlertRule> rules;
    for (qsizetype i = 0; i < root.size(); ++i) {
        auto rule = parseRule(root.element(i), i);
        if (!rule)
            return rule.error();
        const auto same = [&rule](const AlertRule &other) { return other.name() == rule->name(); };
        if (std::any_of(rules.cbegin(), rules.cend(), same))
            return configError(i, rule->name(),
                               QStringLiteral("another rule has the same name; each rule needs its own name, since "
                                              "alerts are told apart by it."));
        rules += std::move(rule).value();
    }
    return rules;
}

QList<AlertRule> AlertRule::defaults()
{
    return {
        create({QStringLiteral("failed-auth-burst"),
                {EventType::FailedAuth},
                5,
                std::chrono::hours(1),
                AlertGrouping::Identifier,
                Severity::Warning,
                std::nullopt})
            .value(),
        create({QStringLiteral("refresh-reuse"),
                {EventType::RefreshReuse},
                1,
                milliseconds(0),
                AlertGrouping::Identifier,
                Severity::Critical,
                std::nullopt})
            .value(),
        create({QStringLiteral("code-reuse"),
                {EventType::CodeReuse},
                1,
                milliseconds(0),
                AlertGrouping::Identifier,
                Severity::Critical,
                std::nullopt})
            .value(),
    };
}

QString AlertRule::groupOf(const SecurityEvent &event) const
{
    switch (m_per) {
    case AlertGrouping::Identifier:
        return event.mainSubject();
    case AlertGrouping::SourceAddress:
        return event.sourceAddress;
    case AlertGrouping::Global:
        break;
    }
    return {};
}

QString AlertRule::describe() const
{
    QStringList names;
    for (const EventType type : m_types)
        names += eventTypeName(type);
    const QString types = names.join(u'/');
    if (isImmediate())
        return QStringLiteral("any %1 event").arg(types);
    QString text = QStringLiteral("%1 %2 events within %3").arg(m_threshold).arg(types, durationText(m_window));
    if (m_per != AlertGrouping::Global)
        text += QStringLiteral(" per ")
            % (m_per == AlertGrouping::Identifier ? QStringLiteral("identifier") : QStringLiteral("source address"));
    return text;
}

QString durationText(std::chrono::milliseconds duration)
{
    qint64 ms = duration.count();
    if (ms < MS_PER_S)
        return QStringLiteral("%1 ms").arg(ms);
    struct Unit
    {
        qint64 ms;
        const char *name;
    };
    constexpr std::array<Unit, 4> UNITS
        = {Unit {86'400'000, "d"}, Unit {3'600'000, "h"}, Unit {60'000, "min"}, Unit {1000, "s"}};
    QStringList parts;
    for (const Unit &unit : UNITS) {
        // Two units at most: "1 h 30 min", not "1 h 30 min 12 s".
        if (ms >= unit.ms && parts.size() < 2) {
            parts += QStringLiteral("%1 %2").arg(ms / unit.ms).arg(QLatin1String(unit.name));
            ms %= unit.ms;
        } else if (!parts.isEmpty()) {
            break;
        }
    }
    return parts.join(u' ');
}

} // namespace portcullis::monitor
