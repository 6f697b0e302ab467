#pragma once

#include <memory>
#include <vector>

#include "Command.h"
#include "engine/Workspace.h"

namespace portcullis::cli {

// The top level of portcullis-cli: global options, then a subcommand and its own arguments.
class Cli
{
public:
    // The global options (--workspace, --store, --secrets) are parsed into `workspace`, which the commands that
    // open a workspace hold a reference to.
    explicit Cli(engine::WorkspaceOptions &workspace);

    void add(std::unique_ptr<Command> command);
    int run(const QStringList &arguments, Io &io);

private:
    [[nodiscard]] QString helpText() const;
    [[nodiscard]] Command *find(const QString &name) const;
    int usageError(Io &io, const QString &message) const;

    engine::WorkspaceOptions &m_workspace;
    std::vector<std::unique_ptr<Command>> m_commands;
};

} // namespace portcullis::cli
