#pragma once

#include <memory>
#include <vector>

#include "Command.h"

namespace portcullis::cli {

// The top level of portcullis-cli: global options, then a subcommand and its own arguments.
class Cli
{
public:
    void add(std::unique_ptr<Command> command);
    int run(const QStringList &arguments, Io &io);

private:
    [[nodiscard]] QString helpText() const;
    [[nodiscard]] Command *find(const QString &name) const;
    int usageError(Io &io, const QString &message) const;

    std::vector<std::unique_ptr<Command>> m_commands;
};

} // namespace portcullis::cli
