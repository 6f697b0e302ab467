#pragma once

#include <chrono>
#include <memory>

#include <QCommandLineParser>
#include <QString>

#include "Command.h"
#include "common/Clock.h"
#include "common/Result.h"
#include "engine/Workspace.h"

namespace portcullis::cli {

// Parses a subcommand's arguments; on failure prints the parser's error and usage hint and returns false.
// `arguments` starts with the command words (e.g. "jwt verify"), which `commandWords` counts.
bool parseArguments(QCommandLineParser &parser, const QStringList &arguments, int commandWords, Io &io,
                    const QString &usage);

// Prints `portcullis-cli: <message>` and the usage hint to stderr; returns EXIT_USAGE.
int usageError(Io &io, const QString &usage, const QString &message);
// Prints `portcullis-cli: <message>` to stderr; returns EXIT_FAILED.
int failure(Io &io, const QString &message);
// The same for an error from core: its detail and, in brackets, its stable id.
int failure(Io &io, const Error &error);

// Opens the workspace the global options name, printing its notices; null after printing the error.
std::unique_ptr<engine::Workspace> openWorkspace(const engine::WorkspaceOptions &options, const Clock &clock, Io &io);

// A token given on the command line, or read from standard input for "-" (white space trimmed, size limited).
Result<QByteArray> readTokenArgument(const QString &argument);
Result<QByteArray> readFileArgument(const QString &path, qint64 maxBytes);
// A duration such as 90s, 15m, 12h, 30d, 2w, or plain seconds; positive and at most ten years.
Result<std::chrono::seconds> parseDuration(const QString &text);
// Writes a file atomically with mode 0600 (for key material); refuses to overwrite unless `overwrite`.
Result<void> writePrivateFile(const QString &path, const QByteArray &content, bool overwrite);

} // namespace portcullis::cli
