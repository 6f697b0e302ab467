#pragma once

#include <memory>

#include <QString>
#include <QStringList>

#include "common/Result.h"

namespace portcullis {
class Clock;
}

namespace portcullis::store {
class Database;
class SecretStore;
} // namespace portcullis::store

namespace portcullis::apikeys {
class ApiKeyService;
}

namespace portcullis::engine {

class FlowProfiles;
class RateLimitService;
class SecurityMonitor;

// Where a workspace lives and keeps its secrets, as the CLI's global options and the console's settings give it.
struct WorkspaceOptions
{
    QString directory; // empty: defaultDirectory()
    QString store; // a store URL; empty: the SQLite file portcullis.db in the directory
    // "keychain"; "keychain-or-session" (the console: the keychain if one answers, else memory with a notice);
    // "file:PATH"; or "memory" (session only).
    QString secrets = QStringLiteral("keychain");
    // Where rate-limit counters are shared: redis://[:password@]host[:port][/db] or unix:///path; empty: each
    // process counts in its own memory.
    QString redis;
    // Background work for a long-running process (the console, a server): the failed-auth tracker's periodic
    // flushes and lock reloads. A one-shot CLI command turns it off and flushes once on exit.
    bool background = true;
};

// One workspace's service graph: store, secrets and the services over them, built on demand. The GUI and the
// CLI both go through it, so both open the same things the same way.
class Workspace
{
public:
    // Under the user's data location (~/.local/share/Portcullis/portcullis on Linux).
    [[nodiscard]] static QString defaultDirectory();

    // Opens (or, for a new directory, creates) the store and chooses the secret store. Nothing is created over a
    // store that cannot be read: such errors are returned as they are.
    [[nodiscard]] static Result<std::unique_ptr<Workspace>> open(const WorkspaceOptions &options, const Clock &clock);
    ~Workspace();

    [[nodiscard]] store::Database &database() { return *m_database; }
    [[nodiscard]] store::SecretStore &secrets() { return *m_secrets; }
    // Opened on first use (it reads the pepper from the secret store).
    [[nodiscard]] Result<apikeys::ApiKeyService *> apiKeys();
    // The event bus, event log, alert rules and failed-auth tracker; opened on first use (the key service opens it
    // too, since its events go on the bus).
    [[nodiscard]] Result<SecurityMonitor *> monitor();
    // The rate limiter over the workspace's counter store (WorkspaceOptions::redis, or memory); opened on first use.
    [[nodiscard]] Result<RateLimitService *> rateLimits();
    // Flow Lab's saved provider profiles and their secrets.
    [[nodiscard]] FlowProfiles &flowProfiles();

    // Things an operator should be told once: a new workspace was created, secrets are kept in a file or only in
    // memory.
    [[nodiscard]] const QStringList &notices() const { return m_notices; }

private:
    Workspace(const Clock &clock);

    const Clock &m_clock;
    std::shared_ptr<store::Database> m_database;
    std::unique_ptr<store::SecretStore> m_secrets;
    bool m_background = true;
    // Before the key service, so it goes after it: the service's last events still reach the log.
    std::unique_ptr<SecurityMonitor> m_monitor;
    std::unique_ptr<apikeys::ApiKeyService> m_apiKeys;
    std::unique_ptr<RateLimitService> m_rateLimits;
    std::unique_ptr<FlowProfiles> m_flowProfiles;
    QString m_redis;
    QStringList m_notices;
};

} // namespace portcullis::engine
