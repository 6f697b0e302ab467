// `portcullis-cli monitor webhook …` and `monitor rules …`: where alerts go and when they fire.

#include <QEventLoop>
#include <QStringBuilder>
#include <QTimer>

#include "CliSupport.h"
#include "MonitorCommand.h"
#include "common/Redaction.h"
#include "crypto/Random.h"
#include "engine/AlertSettings.h"
#include "engine/SecurityMonitor.h"
#include "monitor/Alert.h"
#include "monitor/WebhookPayload.h"
#include "monitor/WebhookSink.h"

namespace portcullis::cli {

namespace {

const QString WEBHOOK_USAGE = QStringLiteral(
    "monitor webhook set URL|- [--slack] [--signing-secret-file F] | show | remove | test [--timeout SEC]");
const QString RULES_USAGE = QStringLiteral("monitor rules [list] [--json] | set FILE|- | reset");

constexpr qint64 MAX_URL_BYTES = 4096;
constexpr qint64 MAX_RULES_BYTES = 256 * 1024;

// The event that says who changed what (no secret: the URL is shown without its path and query).
void announce(engine::Workspace &workspace, const QString &reason, const QString &detail)
{
    auto securityMonitor = workspace.monitor();
    if (!securityMonitor)
        return;
    monitor::SecurityEvent event;
    event.type = monitor::EventType::ConfigChanged;
    event.reason = reason;
    event.user = qEnvironmentVariable("USER");
    event.detail = detail;
    (*securityMonitor)->publish(event);
}

monitor::Alert testAlert(const Clock &clock)
{
    monitor::Alert alert;
    const auto id = crypto::random::bytes(16);
    alert.id = id ? QString::fromLatin1(id->toHex()) : QStringLiteral("test");
    alert.rule = QStringLiteral("webhook-test");
    alert.severity = monitor::Severity::Info;
    alert.type = monitor::EventType::ConfigChanged;
    alert.count = 1;
    alert.raisedAtMs = alert.firstEventMs = alert.lastEventMs = clock.unixMillis();
    alert.summary = QStringLiteral("A test alert from portcullis-cli monitor webhook test: this webhook works.");
    return alert;
}

} // namespace

int MonitorCommand::webhook(const QStringList &arguments, Io &io)
{
    const QString sub = arguments.value(2);
    QCommandLineParser parser;
    const QCommandLineOption slack(QStringLiteral("slack"), QStringLiteral("Send Slack's {\"text\": …} body."));
    const QCommandLineOption secretFile(QStringLiteral("signing-secret-file"),
                                        QStringLiteral("Sign each request with the secret in F (X-Portcullis-"
                                                       "Signature: sha256=HMAC over timestamp.body)."),
                                        QStringLiteral("F"));
    const QCommandLineOption timeout(QStringLiteral("timeout"), QStringLiteral("How long test waits (default 30)."),
                                     QStringLiteral("SEC"));
    if (sub == u"set")
        parser.addOptions({slack, secretFile});
    else if (sub == u"test")
        parser.addOption(timeout);
    else if (sub != u"show" && sub != u"remove")
        return usageError(io, WEBHOOK_USAGE,
                          sub.isEmpty() ? QStringLiteral("'monitor webhook' needs set, show, remove or test")
                                        : u"unknown webhook subcommand '" % sub.left(64) % u'\'');
    if (!parseArguments(parser, arguments, 3, io, WEBHOOK_USAGE))
        return EXIT_USAGE;
    const QStringList rest = parser.positionalArguments();
    if (rest.size() != (sub == u"set" ? 1 : 0))
        return usageError(io, WEBHOOK_USAGE,
                          sub == u"set" ? QStringLiteral("give the webhook URL (or - to read it from standard input)")
                                        : u"'monitor webhook " % sub % u"' takes no arguments");

    engine::alertsettings::Webhook settings;
    if (sub == u"set") {
        auto url
            = rest.first() == u"-" ? readTokenArgument(QStringLiteral("-")) : Result<QByteArray>(rest.first().toUtf8());
        if (!url || url->size() > MAX_URL_BYTES)
            return usageError(io, WEBHOOK_USAGE, QStringLiteral("the webhook URL could not be read, or is too long"));
        settings.url = QUrl(QString::fromUtf8(*url), QUrl::StrictMode);
        settings.format = parser.isSet(slack) ? monitor::WebhookFormat::Slack : monitor::WebhookFormat::Generic;
        if (auto valid = monitor::checkWebhookUrl(settings.url); !valid)
            return usageError(io, WEBHOOK_USAGE, valid.error().detail());
        if (parser.isSet(secretFile)) {
            auto secret = readFileArgument(parser.value(secretFile), 4096);
            if (!secret)
                return usageError(io, WEBHOOK_USAGE, u"--signing-secret-file: " % secret.error().detail());
            settings.signingSecret = crypto::SecretBytes(secret->trimmed());
            secret->fill('\0');
        }
    }
    int timeoutSeconds = 30;
    if (sub == u"test" && parser.isSet(timeout)) {
        bool ok = false;
        timeoutSeconds = parser.value(timeout).toInt(&ok);
        if (!ok || timeoutSeconds < 1 || timeoutSeconds > 600)
            return usageError(io, WEBHOOK_USAGE, QStringLiteral("--timeout takes 1 to 600 seconds"));
    }

    auto workspace = openWorkspace(io);
    if (!workspace)
        return EXIT_FAILED;
    if (sub == u"set") {
        if (auto written = engine::alertsettings::writeWebhook(workspace->secrets(), settings); !written)
            return failure(io, written.error());
        const QString target = monitor::redactedUrl(settings.url);
        announce(*workspace, QStringLiteral("alert_webhook_set"),
                 u"Alerts now also go to the webhook " % target % u'.');
        io.out << "Alerts now also go to " << target << (parser.isSet(slack) ? " (Slack body)" : "")
               << (settings.signingSecret.size() > 0 ? ", signed" : "") << ".\n";
        io.out.flush();
        return EXIT_OK;
    }
    if (sub == u"remove") {
        if (auto removed = engine::alertsettings::removeWebhook(workspace->secrets()); !removed)
            return failure(io, removed.error());
        announce(*workspace, QStringLiteral("alert_webhook_removed"),
                 QStringLiteral("Alerts no longer go to a webhook."));
        io.out << "Alerts no longer go to a webhook.\n";
        io.out.flush();
        return EXIT_OK;
    }
    auto stored = engine::alertsettings::readWebhook(workspace->secrets());
    if (!stored)
        return failure(io, stored.error());
    if (!*stored) {
        if (sub == u"show") {
            io.out << "No webhook: alerts go to the event log and the console.\n";
            io.out.flush();
            return EXIT_OK;
        }
        return failure(io, QStringLiteral("no webhook is set; set one with 'portcullis-cli monitor webhook set URL'"));
    }
    const QString target = monitor::redactedUrl((*stored)->url);
    if (sub == u"show") {
        io.out << "Webhook: " << target
               << "\nBody: " << ((*stored)->format == monitor::WebhookFormat::Slack ? "Slack" : "Portcullis alert JSON")
               << "\nSigned: " << ((*stored)->signingSecret.size() > 0 ? "yes" : "no") << "\n";
        io.out.flush();
        return EXIT_OK;
    }

    // test: one alert through the same sink the monitor uses, waiting for its outcome.
    monitor::WebhookSink::Options options;
    options.url = (*stored)->url;
    options.format = (*stored)->format;
    options.signingSecret = (*stored)->signingSecret.clone();
    options.maxAttempts = 2;
    options.firstRetryDelay = std::chrono::milliseconds(500);
    options.requestTimeout = std::chrono::seconds(std::max(1, timeoutSeconds / 2));
    auto sink = monitor::WebhookSink::create(m_clock, std::move(options));
    if (!sink)
        return failure(io, sink.error());
    QEventLoop loop;
    QString error;
    bool delivered = false;
    QObject::connect(sink->get(), &monitor::WebhookSink::delivered, &loop, [&](const QString &, int) {
        delivered = true;
        loop.quit();
    });
    QObject::connect(sink->get(), &monitor::WebhookSink::gaveUp, &loop, [&](const QString &, const QString &why) {
        error = why;
        loop.quit();
    });
    QTimer::singleShot(std::chrono::seconds(timeoutSeconds), &loop, &QEventLoop::quit);
    (*sink)->notify(testAlert(m_clock));
    loop.exec();
    if (!delivered)
        return failure(
            io,
            u"the test alert did not reach " % target % u": "
                % (error.isEmpty() ? u"no answer within " % QString::number(timeoutSeconds) % u" s" : error));
    io.out << "The test alert reached " << target << ".\n";
    io.out.flush();
    return EXIT_OK;
}

int MonitorCommand::rules(const QStringList &arguments, Io &io)
{
    const QString sub
        = arguments.value(2).startsWith(u'-') || arguments.size() < 3 ? QStringLiteral("list") : arguments.value(2);
    const int words = arguments.value(2) == sub ? 3 : 2;
    QCommandLineParser parser;
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print the rules as their JSON config."));
    if (sub == u"list")
        parser.addOption(json);
    else if (sub != u"set" && sub != u"reset")
        return usageError(io, RULES_USAGE, u"unknown rules subcommand '" % sub.left(64) % u'\'');
    if (!parseArguments(parser, arguments, words, io, RULES_USAGE))
        return EXIT_USAGE;
    const QStringList rest = parser.positionalArguments();
    if (rest.size() != (sub == u"set" ? 1 : 0))
        return usageError(io, RULES_USAGE,
                          sub == u"set" ? QStringLiteral("give the rules file (a JSON array), or - for standard input")
                                        : u"'monitor rules " % sub % u"' takes no arguments");
    QByteArray config;
    if (sub == u"set") {
        auto read = rest.first() == u"-" ? readFileArgument(QStringLiteral("/dev/stdin"), MAX_RULES_BYTES)
                                         : readFileArgument(rest.first(), MAX_RULES_BYTES);
        if (!read)
            return usageError(io, RULES_USAGE, read.error().detail());
        config = *read;
        if (auto parsed = monitor::AlertRule::parseConfig(config); !parsed)
            return usageError(io, RULES_USAGE, parsed.error().detail());
    }

    auto workspace = openWorkspace(io);
    if (!workspace)
        return EXIT_FAILED;
    if (sub == u"set") {
        auto written = engine::alertsettings::writeRules(workspace->database(), config);
        if (!written)
            return failure(io, written.error());
        announce(*workspace, QStringLiteral("alert_rules_set"),
                 u"The alert rules were replaced: " % QString::number(written->size()) % u" rules.");
        io.out << "The workspace now has " << written->size() << " alert rules; they apply from the next start.\n";
        io.out.flush();
        return EXIT_OK;
    }
    if (sub == u"reset") {
        if (auto reset = engine::alertsettings::resetRules(workspace->database()); !reset)
            return failure(io, reset.error());
        announce(*workspace, QStringLiteral("alert_rules_reset"),
                 QStringLiteral("The alert rules are the defaults again."));
        io.out << "The workspace uses the default alert rules again.\n";
        io.out.flush();
        return EXIT_OK;
    }
    auto current = engine::alertsettings::readRules(workspace->database());
    if (!current)
        return failure(io, current.error());
    if (parser.isSet(json)) {
        io.out << monitor::AlertRule::toConfig(*current) << "\n";
    } else {
        auto defaults = engine::alertsettings::usesDefaultRules(workspace->database());
        io.out << (defaults && *defaults ? "Default alert rules:\n" : "Alert rules:\n");
        for (const monitor::AlertRule &rule : *current)
            io.out << "  " << rule.name() << ": " << rule.describe() << "\n";
    }
    io.out.flush();
    return EXIT_OK;
}

} // namespace portcullis::cli
