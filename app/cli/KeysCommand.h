#pragma once

#include "Command.h"
#include "common/Clock.h"
#include "engine/Workspace.h"

namespace portcullis::cli {

// `portcullis-cli keys …`: create, list, show, revoke, rotate, verify and expire API keys, and print the
// scanner regular expression. A stable interface: exit 0 for yes (done, valid), 1 for no, 2 for usage errors.
class KeysCommand final : public Command
{
public:
    KeysCommand(const engine::WorkspaceOptions &workspace, const Clock &clock);

    [[nodiscard]] QString name() const override { return QStringLiteral("keys"); }
    [[nodiscard]] QString summary() const override
    {
        return QStringLiteral("Create, list, revoke, rotate and verify API keys.");
    }
    int run(const QStringList &arguments, Io &io) override;

private:
    int create(const QStringList &arguments, Io &io);
    int list(const QStringList &arguments, Io &io);
    int show(const QStringList &arguments, Io &io);
    int revoke(const QStringList &arguments, Io &io);
    int rotate(const QStringList &arguments, Io &io);
    int verify(const QStringList &arguments, Io &io);
    int expire(const QStringList &arguments, Io &io);
    int scannerRegex(const QStringList &arguments, Io &io);

    // Opens the workspace and its key service, printing its notices; null after printing the error.
    std::unique_ptr<engine::Workspace> openWorkspace(Io &io);

    const engine::WorkspaceOptions &m_options;
    const Clock &m_clock;
};

} // namespace portcullis::cli
