#include "MonitorCommand.h"

#include <algorithm>
#include <cstdio>

#include <QDateTime>
#include <QFile>
#include <QSaveFile>
#include <QStringBuilder>
#include <QThread>

#include "CliSupport.h"
#include "MonitorOutput.h"
#include "engine/SecurityMonitor.h"
#include "jose/JsonWriter.h"
#include "monitor/EventExport.h"
#include "monitor/EventLog.h"
#include "monitor/EventLogError.h"
#include "monitor/EventStream.h"
#include "monitor/EventStreamReader.h"
#include "monitor/FailedAuthTracker.h"

namespace portcullis::cli {

namespace {

const QString MONITOR_USAGE = QStringLiteral("monitor tail|export|lockouts|unlock|rules|webhook …");
const QString TAIL_USAGE
    = QStringLiteral("monitor tail [--type T]... [--subject S] [--since TIME] [--lines N] [--follow] [--json]");
const QString EXPORT_USAGE = QStringLiteral("monitor export --format jsonl|csv [--since TIME] [--until TIME] "
                                            "[--type T]... [--subject S] [--out FILE]");
const QString LOCKOUTS_USAGE = QStringLiteral("monitor lockouts [--json]");
const QString UNLOCK_USAGE = QStringLiteral("monitor unlock SUBJECT [--kind user|client|api_key|source]");

constexpr int DEFAULT_LINES = 20;
constexpr auto FOLLOW_INTERVAL = std::chrono::milliseconds(500);

QCommandLineOption jsonOption()
{
    return QCommandLineOption(QStringLiteral("json"), QStringLiteral("Print JSON."));
}

// A time on the command line: an RFC 3339 instant with its offset ("2026-11-29T08:00:00Z"), a UTC date
// ("2026-11-29"), or a duration back from now ("15m", "2h", "7d").
Result<qint64> parseTime(const QString &text, const Clock &clock, const QString &option)
{
    if (auto ago = parseDuration(text))
        return clock.unixMillis() - std::chrono::milliseconds(*ago).count();
    const QString trimmed = text.trimmed();
    if (const QDate date = QDate::fromString(trimmed, Qt::ISODate); date.isValid() && trimmed.size() == 10)
        return date.startOfDay(Qt::UTC).toMSecsSinceEpoch();
    const QDateTime time = QDateTime::fromString(trimmed, Qt::ISODateWithMs);
    if (time.isValid() && time.timeSpec() != Qt::LocalTime)
        return time.toMSecsSinceEpoch();
    return Error(monitor::EventLogError::InvalidQuery,
                 u"--" % option % u" takes a time such as 2026-11-29T08:00:00Z (with its offset), a date such as "
                     % u"2026-11-29 (UTC), or a duration back from now such as 15m, 2h or 7d; not '" % text.left(64)
                     % u"'");
}

// The --type, --subject, --since and --until filters shared by tail and export.
struct Filters
{
    QCommandLineOption type {QStringLiteral("type"), QStringLiteral("Only events of this type (repeatable)."),
                             QStringLiteral("T")};
    QCommandLineOption subject {QStringLiteral("subject"),
                                QStringLiteral("Only events about this user, client, key id or source address."),
                                QStringLiteral("S")};
    QCommandLineOption since {QStringLiteral("since"), QStringLiteral("Only events at or after TIME."),
                              QStringLiteral("TIME")};
    QCommandLineOption until {QStringLiteral("until"), QStringLiteral("Only events before TIME."),
                              QStringLiteral("TIME")};
    bool withUntil = false; // whether the command offers --until

    // The query the options ask for; the error is a usage error.
    Result<monitor::EventQuery> read(const QCommandLineParser &parser, const Clock &clock) const
    {
        monitor::EventQuery query;
        for (const QString &name : parser.values(type)) {
            const auto parsed = monitor::eventTypeFromName(name);
            if (!parsed)
                return Error(monitor::EventLogError::InvalidQuery,
                             u"unknown event type '" % name.left(64) % u"'; the types are " % typeNames());
            query.types += *parsed;
        }
        if (parser.values(subject).size() > 1)
            return Error(monitor::EventLogError::InvalidQuery, QStringLiteral("give --subject once"));
        query.subject = parser.value(subject);
        for (const auto &[option, target] : {std::pair {&since, &query.sinceMs}, {&until, &query.untilMs}}) {
            if ((option == &until && !withUntil) || !parser.isSet(*option))
                continue;
            auto time = parseTime(parser.value(*option), clock, option->names().first());
            if (!time)
                return time.error();
            *target = *time;
        }
        if (query.sinceMs && query.untilMs && *query.untilMs <= *query.sinceMs)
            return Error(monitor::EventLogError::InvalidQuery, QStringLiteral("--until must be later than --since"));
        return query;
    }

    static QString typeNames()
    {
        QStringList names;
        for (int i = 0; i <= int(monitor::EventType::AlertRaised); ++i)
            names += monitor::eventTypeName(monitor::EventType(i));
        return names.join(QStringLiteral(", "));
    }
};

monitor::EventQuery newestEvent()
{
    monitor::EventQuery query;
    query.limit = 1;
    query.order = monitor::EventQuery::Order::NewestFirst;
    return query;
}

void printEvent(Io &io, const monitor::SecurityEvent &event, bool json)
{
    if (json)
        io.out << monitor::jsonLine(event);
    else
        io.out << monitoroutput::eventLine(event) << "\n";
}

} // namespace

MonitorCommand::MonitorCommand(const engine::WorkspaceOptions &workspace, const Clock &clock)
    : m_options(workspace)
    , m_clock(clock)
{ }

int MonitorCommand::run(const QStringList &arguments, Io &io)
{
    const QString sub = arguments.value(1);
    if (sub.isEmpty())
        return usageError(io, MONITOR_USAGE, QStringLiteral("'monitor' needs a subcommand"));
    if (sub == u"-h" || sub == u"--help") {
        io.out << "Usage: portcullis-cli [global options] " << MONITOR_USAGE << "\n\n"
               << "  tail      Print the latest security events; --follow keeps printing new ones.\n"
               << "  export    Write events as JSON Lines or CSV, to a file or standard output.\n"
               << "  lockouts  List the identifiers and source addresses locked after repeated failures.\n"
               << "  unlock    Lift a lockout (exit 1 when nothing by that name is locked).\n"
               << "  rules     List the alert rules, or set them from a JSON file, or reset them.\n"
               << "  webhook   Send alerts to a webhook too (set, show, remove, test).\n\n"
               << "Run 'portcullis-cli monitor <subcommand> --help' for its options.\n";
        io.out.flush();
        return EXIT_OK;
    }
    using Handler = int (MonitorCommand::*)(const QStringList &, Io &);
    const std::pair<const char *, Handler> handlers[] = {
        {"tail", &MonitorCommand::tail},         {"export", &MonitorCommand::exportEvents},
        {"lockouts", &MonitorCommand::lockouts}, {"unlock", &MonitorCommand::unlock},
        {"rules", &MonitorCommand::rules},       {"webhook", &MonitorCommand::webhook},
    };
    for (const auto &[name, handler] : handlers) {
        if (sub == QLatin1StringView(name))
            return (this->*handler)(arguments, io);
    }
    return usageError(io, MONITOR_USAGE, u"unknown monitor subcommand '" % sub.left(64) % u'\'');
}

std::unique_ptr<engine::Workspace> MonitorCommand::openWorkspace(Io &io)
{
    auto workspace = cli::openWorkspace(m_options, m_clock, io);
    if (!workspace)
        return nullptr;
    if (auto monitor = workspace->monitor(); !monitor) {
        failure(io, monitor.error());
        return nullptr;
    }
    return workspace;
}

int MonitorCommand::tail(const QStringList &arguments, Io &io)
{
    QCommandLineParser parser;
    const Filters filters;
    const QCommandLineOption lines(QStringLiteral("lines"),
                                   QStringLiteral("Without --since: how many of the latest events (default 20)."),
                                   QStringLiteral("N"));
    const QCommandLineOption follow(QStringLiteral("follow"), QStringLiteral("Keep printing new events."));
    const QCommandLineOption stream(
        QStringLiteral("stream"),
        QStringLiteral("Follow the Redis event stream (--redis) instead of this workspace's "
                       "log: new events from every instance that publishes there."));
    const QCommandLineOption json = jsonOption();
    parser.addOptions({filters.type, filters.subject, filters.since, lines, follow, stream, json});
    if (!parseArguments(parser, arguments, 2, io, TAIL_USAGE))
        return EXIT_USAGE;
    if (!parser.positionalArguments().isEmpty())
        return usageError(io, TAIL_USAGE, QStringLiteral("'monitor tail' takes no positional arguments"));
    auto query = filters.read(parser, m_clock);
    if (!query)
        return usageError(io, TAIL_USAGE, query.error().detail());
    qsizetype count = DEFAULT_LINES;
    if (parser.isSet(lines)) {
        bool ok = false;
        count = parser.value(lines).toLongLong(&ok);
        if (!ok || count < 1 || count > monitor::EventQuery::MAX_LIMIT)
            return usageError(io, TAIL_USAGE,
                              u"--lines takes a number from 1 to " % QString::number(monitor::EventQuery::MAX_LIMIT));
    }
    if (parser.isSet(lines) && query->sinceMs)
        return usageError(io, TAIL_USAGE, QStringLiteral("give --lines or --since, not both"));
    if (parser.isSet(stream)) {
        if (m_options.redis.isEmpty())
            return usageError(io, TAIL_USAGE,
                              QStringLiteral("--stream reads from Redis: give --redis URL (or set "
                                             "PORTCULLIS_REDIS_URL)"));
        if (parser.isSet(lines) || query->sinceMs)
            return usageError(io, TAIL_USAGE,
                              QStringLiteral("--stream shows new events only: leave out --lines and "
                                             "--since"));
        return followStream(*query, parser.isSet(json), io);
    }

    auto workspace = openWorkspace(io);
    if (!workspace)
        return EXIT_FAILED;
    const monitor::EventLog &log = (*workspace->monitor())->log();
    const bool asJson = parser.isSet(json);
    qint64 lastId = 0;
    if (query->sinceMs) {
        auto printed = log.forEach(*query, 1000, [&](const QList<monitor::LoggedEvent> &page) -> Result<void> {
            for (const monitor::LoggedEvent &logged : page) {
                printEvent(io, logged.event, asJson);
                lastId = logged.id;
            }
            io.out.flush();
            return {};
        });
        if (!printed)
            return failure(io, printed.error());
    } else {
        monitor::EventQuery latest = *query;
        latest.order = monitor::EventQuery::Order::NewestFirst;
        latest.limit = count;
        auto events = log.query(latest);
        if (!events)
            return failure(io, events.error());
        std::reverse(events->begin(), events->end());
        for (const monitor::LoggedEvent &logged : *events)
            printEvent(io, logged.event, asJson);
        if (!events->isEmpty())
            lastId = events->back().id;
        else if (auto newest = log.query(newestEvent()); newest && !newest->isEmpty())
            lastId = newest->front().id; // follow from here, even when no event matched the filters yet
    }
    io.out.flush();
    if (!parser.isSet(follow))
        return EXIT_OK;

    // Following: every half second, whatever was written after the last event seen. Ends with the process
    // (Ctrl-C), or when the output goes away.
    monitor::EventQuery next = *query;
    next.sinceMs.reset();
    next.limit = monitor::EventQuery::MAX_LIMIT;
    for (;;) {
        QThread::msleep(FOLLOW_INTERVAL.count());
        next.afterId = lastId;
        auto events = log.query(next);
        if (!events)
            return failure(io, events.error());
        for (const monitor::LoggedEvent &logged : *events) {
            printEvent(io, logged.event, asJson);
            lastId = logged.id;
        }
        io.out.flush();
        if (io.out.status() != QTextStream::Ok)
            return EXIT_FAILED;
    }
}

int MonitorCommand::followStream(const monitor::EventQuery &filter, bool asJson, Io &io)
{
    const auto matches = [&filter](const monitor::SecurityEvent &event) {
        return (filter.types.isEmpty() || filter.types.contains(event.type))
            && (filter.subject.isEmpty() || event.hasSubject(filter.subject));
    };
    // The reader's thread does all the printing; this one only waits. Ends with the process (Ctrl-C).
    auto reader = monitor::EventStreamReader::create(
        m_options.redis, m_clock, {},
        [&](const QList<monitor::eventstream::StreamEntry> &entries) {
            for (const auto &entry : entries) {
                if (matches(entry.event))
                    printEvent(io, entry.event, asJson);
            }
            io.out.flush();
        },
        [&io](bool healthy, const QString &reason) {
            if (healthy)
                io.err << "portcullis-cli: reading the event stream.\n";
            else
                io.err << "portcullis-cli: " << reason << " Retrying.\n";
            io.err.flush();
        });
    if (!reader)
        return usageError(io, TAIL_USAGE, u"--redis: " % reader.error().detail());
    (*reader)->start();
    for (;;)
        QThread::sleep(60);
}

int MonitorCommand::exportEvents(const QStringList &arguments, Io &io)
{
    QCommandLineParser parser;
    Filters filters;
    filters.withUntil = true;
    const QCommandLineOption format(QStringLiteral("format"), QStringLiteral("jsonl or csv."), QStringLiteral("F"));
    const QCommandLineOption out(QStringLiteral("out"), QStringLiteral("Write to FILE (default: standard output)."),
                                 QStringLiteral("FILE"));
    parser.addOptions({format, filters.since, filters.until, filters.type, filters.subject, out});
    if (!parseArguments(parser, arguments, 2, io, EXPORT_USAGE))
        return EXIT_USAGE;
    if (!parser.positionalArguments().isEmpty())
        return usageError(io, EXPORT_USAGE, QStringLiteral("'monitor export' takes no positional arguments"));
    monitor::ExportOptions options;
    if (parser.value(format) == u"jsonl")
        options.format = monitor::ExportFormat::JsonLines;
    else if (parser.value(format) == u"csv")
        options.format = monitor::ExportFormat::Csv;
    else
        return usageError(io, EXPORT_USAGE, QStringLiteral("--format takes jsonl or csv"));
    auto query = filters.read(parser, m_clock);
    if (!query)
        return usageError(io, EXPORT_USAGE, query.error().detail());
    if (parser.isSet(out) && parser.value(out).isEmpty())
        return usageError(io, EXPORT_USAGE, QStringLiteral("--out needs a file name"));

    auto workspace = openWorkspace(io);
    if (!workspace)
        return EXIT_FAILED;
    const monitor::EventLog &log = (*workspace->monitor())->log();
    if (!parser.isSet(out)) {
        io.out.flush();
        QFile stdoutFile;
        if (!stdoutFile.open(stdout, QIODevice::WriteOnly))
            return failure(io, QStringLiteral("cannot write to standard output"));
        auto written = monitor::exportEvents(log, *query, stdoutFile, options);
        if (!written)
            return failure(io, written.error());
        return EXIT_OK;
    }
    // All or nothing: the file appears, complete, only when every event is written.
    QSaveFile file(parser.value(out));
    if (!file.open(QIODevice::WriteOnly))
        return failure(io, u"cannot write " % parser.value(out) % u": " % file.errorString());
    file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    auto written = monitor::exportEvents(log, *query, file, options);
    if (!written)
        return failure(io, written.error());
    if (!file.commit())
        return failure(io, u"cannot write " % parser.value(out) % u": " % file.errorString());
    io.err << "portcullis-cli: wrote " << *written << " events to " << parser.value(out) << "\n";
    io.err.flush();
    return EXIT_OK;
}

int MonitorCommand::lockouts(const QStringList &arguments, Io &io)
{
    QCommandLineParser parser;
    const QCommandLineOption json = jsonOption();
    parser.addOption(json);
    if (!parseArguments(parser, arguments, 2, io, LOCKOUTS_USAGE))
        return EXIT_USAGE;
    if (!parser.positionalArguments().isEmpty())
        return usageError(io, LOCKOUTS_USAGE, QStringLiteral("'monitor lockouts' takes no arguments"));
    auto workspace = openWorkspace(io);
    if (!workspace)
        return EXIT_FAILED;
    const QList<monitor::FailedAuthTracker::Lockout> locks = (*workspace->monitor())->tracker().lockouts();
    if (parser.isSet(json)) {
        jose::JsonWriter writer;
        writer.beginArray();
        for (const auto &lock : locks) {
            writer.beginObject();
            monitoroutput::writeLockout(writer, lock);
            writer.endObject();
        }
        writer.endArray();
        io.out << writer.take() << "\n";
    } else if (locks.isEmpty()) {
        io.out << "Nothing is locked.\n";
    } else {
        io.out << monitoroutput::lockoutHeader() << "\n";
        for (const auto &lock : locks)
            io.out << monitoroutput::lockoutLine(lock) << "\n";
    }
    io.out.flush();
    return EXIT_OK;
}

int MonitorCommand::unlock(const QStringList &arguments, Io &io)
{
    QCommandLineParser parser;
    const QCommandLineOption kind(QStringLiteral("kind"),
                                  QStringLiteral("Only this kind of subject: user, client, api_key or source."),
                                  QStringLiteral("K"));
    parser.addOption(kind);
    parser.addPositionalArgument(QStringLiteral("subject"), QStringLiteral("The locked subject."));
    if (!parseArguments(parser, arguments, 2, io, UNLOCK_USAGE))
        return EXIT_USAGE;
    if (parser.positionalArguments().size() != 1 || parser.positionalArguments().first().isEmpty())
        return usageError(io, UNLOCK_USAGE, QStringLiteral("give the one subject to unlock"));
    const QString subject = parser.positionalArguments().first();
    std::optional<monitor::SubjectKind> onlyKind;
    if (parser.isSet(kind)) {
        onlyKind = monitor::subjectKindFromName(parser.value(kind));
        if (!onlyKind)
            return usageError(io, UNLOCK_USAGE, QStringLiteral("--kind takes user, client, api_key or source"));
    }
    auto workspace = openWorkspace(io);
    if (!workspace)
        return EXIT_FAILED;
    monitor::FailedAuthTracker &tracker = (*workspace->monitor())->tracker();
    const QString operatorName = qEnvironmentVariable("USER", QStringLiteral("portcullis-cli"));
    int lifted = 0;
    for (const auto &lock : tracker.lockouts()) {
        if (lock.subject != subject || (onlyKind && lock.kind != *onlyKind))
            continue;
        if (tracker.unlock(lock.kind, lock.subject, operatorName)) {
            io.out << "Unlocked " << monitor::subjectKindLabel(lock.kind) << " " << lock.subject << ".\n";
            ++lifted;
        }
    }
    io.out.flush();
    if (auto flushed = tracker.flush(); !flushed)
        return failure(io, flushed.error());
    if (lifted == 0)
        return failure(io,
                       u"nothing named '" % subject.left(256)
                           % u"' is locked; 'portcullis-cli monitor lockouts' lists what is");
    return EXIT_OK;
}

} // namespace portcullis::cli
