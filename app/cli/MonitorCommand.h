#pragma once

#include <memory>

#include "Command.h"
#include "common/Clock.h"
#include "common/Result.h"
#include "engine/Workspace.h"

namespace portcullis::monitor {
struct EventQuery;
}

namespace portcullis::cli {

// `portcullis-cli monitor …`: read the workspace's security event log (tail, follow, export) and manage the
// failed-auth tracker's lockouts. A stable interface: exit 0 for done, 1 for failed (or nothing to unlock), 2 for
// usage errors.
class MonitorCommand final : public Command
{
public:
    MonitorCommand(const engine::WorkspaceOptions &workspace, const Clock &clock);

    [[nodiscard]] QString name() const override { return QStringLiteral("monitor"); }
    [[nodiscard]] QString summary() const override
    {
        return QStringLiteral("Follow and export security events; lockouts; alert rules and webhook.");
    }
    int run(const QStringList &arguments, Io &io) override;

private:
    int tail(const QStringList &arguments, Io &io);
    int followStream(const monitor::EventQuery &filter, bool asJson, Io &io);
    int exportEvents(const QStringList &arguments, Io &io);
    int lockouts(const QStringList &arguments, Io &io);
    int unlock(const QStringList &arguments, Io &io);
    int webhook(const QStringList &arguments, Io &io); // MonitorAlertCommands.cpp
    int rules(const QStringList &arguments, Io &io); // MonitorAlertCommands.cpp

    // Opens the workspace and its monitor, printing its notices; null after printing the error.
    std::unique_ptr<engine::Workspace> openWorkspace(Io &io);

    const engine::WorkspaceOptions &m_options;
    const Clock &m_clock;
};

} // namespace portcullis::cli
