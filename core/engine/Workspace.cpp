#include "engine/Workspace.h"

#include <QDir>
#include <QStandardPaths>
#include <QStringBuilder>

#include "apikeys/ApiKeyEvent.h"
#include "apikeys/ApiKeyService.h"
#include "common/Error.h"
#include "engine/FlowProfiles.h"
#include "engine/RateLimitService.h"
#include "engine/SecurityMonitor.h"
#include "monitor/ApiKeyEvents.h"
#include "store/Database.h"
#include "store/FileSecretStore.h"
#include "store/KeychainSecretStore.h"
#include "store/MemorySecretStore.h"
#include "store/StoreError.h"

namespace portcullis::engine {

namespace {

const QString DATABASE_FILE = QStringLiteral("portcullis.db");
constexpr std::chrono::seconds PROBE_TIMEOUT {10};

Result<std::unique_ptr<store::SecretStore>> chooseSecrets(const QString &choice, const QString &workspaceId,
                                                          QStringList &notices)
{
    if (choice == u"keychain")
        return std::unique_ptr<store::SecretStore>(
            std::make_unique<store::KeychainSecretStore>(u"portcullis-" % workspaceId));
    if (choice == u"keychain-or-session") {
        // The console's choice: the keychain when one answers; otherwise say so and keep secrets for the session.
        auto keychain = std::make_unique<store::KeychainSecretStore>(u"portcullis-" % workspaceId, PROBE_TIMEOUT);
        auto probe = keychain->read(QStringLiteral("portcullis.probe"));
        if (probe || probe.error().is(store::StoreError::SecretNotFound))
            return std::unique_ptr<store::SecretStore>(
                std::make_unique<store::KeychainSecretStore>(u"portcullis-" % workspaceId));
        notices << u"Secrets made now are kept in memory for this session only and are lost when it ends. No keychain "
                   u"is reachable: "
                % probe.error().detail();
        return std::unique_ptr<store::SecretStore>(std::make_unique<store::MemorySecretStore>());
    }
    if (choice == u"memory") {
        notices << QStringLiteral("Secrets are kept in memory for this session only; keys made now stop working "
                                  "when it ends.");
        return std::unique_ptr<store::SecretStore>(std::make_unique<store::MemorySecretStore>());
    }
    if (choice.startsWith(u"file:") && choice.size() > 5) {
        auto file = store::FileSecretStore::create(QDir::cleanPath(QDir::current().absoluteFilePath(choice.mid(5))));
        if (!file)
            return file.error();
        notices << u"Secrets are kept in " % (*file)->description()
                % u", not in a keychain: protect that file like a private key.";
        return std::unique_ptr<store::SecretStore>(std::move(*file));
    }
    return Error(store::StoreError::InvalidLocation,
                 u"'" % choice.left(64)
                     % u"' is not a secrets location. Use 'keychain' (the default), or 'file:PATH' for a headless "
                       u"server.");
}

} // namespace

QString Workspace::defaultDirectory()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
}

Workspace::Workspace(const Clock &clock)
    : m_clock(clock)
{ }

Workspace::~Workspace() = default;

Result<std::unique_ptr<Workspace>> Workspace::open(const WorkspaceOptions &options, const Clock &clock)
{
    std::unique_ptr<Workspace> workspace(new Workspace(clock));
    const QString directory = options.directory.isEmpty() ? defaultDirectory() : options.directory;
    if (directory.isEmpty())
        return Error(store::StoreError::InvalidLocation,
                     QStringLiteral("There is no user data location to put the workspace in; give one with "
                                    "--workspace DIR."));
    store::DatabaseLocation location;
    if (options.store.isEmpty()) {
        location = store::DatabaseLocation::sqliteFile(QDir(directory).filePath(DATABASE_FILE));
    } else {
        auto parsed = store::DatabaseLocation::parse(options.store);
        if (!parsed)
            return parsed.error();
        location = *parsed;
    }
    auto database = store::Database::open(location);
    if (!database)
        return database.error();
    workspace->m_database = std::move(*database);
    if (workspace->m_database->wasCreated())
        workspace->m_notices << u"Created a new workspace store: " % location.displayName() % u'.';
    auto secrets = chooseSecrets(options.secrets, workspace->m_database->workspaceId(), workspace->m_notices);
    if (!secrets)
        return secrets.error();
    workspace->m_secrets = std::move(*secrets);
    workspace->m_background = options.background;
    workspace->m_redis = options.redis;
    return workspace;
}

Result<apikeys::ApiKeyService *> Workspace::apiKeys()
{
    if (!m_apiKeys) {
        auto securityMonitor = monitor();
        if (!securityMonitor)
            return securityMonitor.error();
        auto service = apikeys::ApiKeyService::open(m_database, *m_secrets, m_clock);
        if (!service)
            return service.error();
        m_apiKeys = std::move(*service);
        // Every key operation and refusal goes on the bus, from whichever thread validated.
        SecurityMonitor *target = *securityMonitor;
        QObject::connect(
            m_apiKeys.get(), &apikeys::ApiKeyService::eventRaised, m_apiKeys.get(),
            [target](const apikeys::ApiKeyEvent &event) {
                target->publish(monitor::fromApiKeyEvent(event, target->instanceId()));
            },
            Qt::DirectConnection);
    }
    return m_apiKeys.get();
}

Result<RateLimitService *> Workspace::rateLimits()
{
    if (!m_rateLimits) {
        auto securityMonitor = monitor();
        if (!securityMonitor)
            return securityMonitor.error();
        RateLimitService::Options options;
        options.redisUrl = m_redis;
        if (!m_background)
            options.purgeInterval = std::chrono::milliseconds(0);
        auto opened = RateLimitService::open(**securityMonitor, m_clock, options);
        if (!opened)
            return opened.error();
        m_rateLimits = std::move(*opened);
    }
    return m_rateLimits.get();
}

FlowProfiles &Workspace::flowProfiles()
{
    if (!m_flowProfiles)
        m_flowProfiles = std::make_unique<FlowProfiles>(m_database, *m_secrets, m_clock);
    return *m_flowProfiles;
}

Result<SecurityMonitor *> Workspace::monitor()
{
    if (!m_monitor) {
        SecurityMonitor::Options options;
        options.background = m_background;
        options.redisUrl = m_redis;
        // A damaged setting must not stop the monitor: it runs on the default rules (or without the webhook) and
        // says so in its own log.
        QStringList problems;
        if (auto rules = alertsettings::readRules(*m_database))
            options.rules = *rules;
        else
            problems += rules.error().detail();
        if (auto webhook = alertsettings::readWebhook(*m_secrets))
            options.webhook = std::move(*webhook);
        else
            problems += u"The alert webhook could not be read, so alerts go to the log and the console only: "
                % webhook.error().detail();
        auto opened = SecurityMonitor::open(m_database, m_clock, std::move(options));
        if (!opened)
            return opened.error();
        m_monitor = std::move(*opened);
        for (const QString &problem : problems) {
            monitor::SecurityEvent event;
            event.type = monitor::EventType::ConfigChanged;
            event.severity = monitor::Severity::Warning;
            event.reason = QStringLiteral("alert_settings_unreadable");
            event.detail = problem;
            m_monitor->publish(event);
        }
    }
    return m_monitor.get();
}

} // namespace portcullis::engine
