#pragma once

#include <QString>
#include <QStringList>
#include <QTextStream>

namespace portcullis::cli {

// Exit codes of every portcullis-cli command: a stable interface for scripts.
enum ExitCode : int
{
    EXIT_OK = 0,
    EXIT_FAILED = 1, // the command ran and the answer is "no" (invalid token, failed flow, …) or it failed
    EXIT_USAGE = 2, // the command line was wrong; nothing was done
};

struct Io
{
    QTextStream &out;
    QTextStream &err;
};

// One subcommand (`portcullis-cli <name> …`). It parses its own arguments and returns an ExitCode.
class Command
{
public:
    virtual ~Command() = default;

    [[nodiscard]] virtual QString name() const = 0;
    [[nodiscard]] virtual QString summary() const = 0;
    // `arguments` starts with the command's name, as QCommandLineParser expects.
    virtual int run(const QStringList &arguments, Io &io) = 0;
};

} // namespace portcullis::cli
