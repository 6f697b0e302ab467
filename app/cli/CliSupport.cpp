#include "CliSupport.h"

#include <cstdio>

#include <sys/stat.h>

#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QStringBuilder>

namespace portcullis::cli {

namespace {
constexpr qint64 MAX_TOKEN_BYTES = 256 * 1024;
}

bool parseArguments(QCommandLineParser &parser, const QStringList &arguments, int commandWords, Io &io,
                    const QString &usage)
{
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption help({QStringLiteral("h"), QStringLiteral("help")}, QStringLiteral("Show this help."));
    parser.addOption(help);
    // QCommandLineParser expects the program name first; the command words stand in for it.
    QStringList forParser = arguments.mid(commandWords - 1);
    if (!parser.parse(forParser)) {
        usageError(io, usage, parser.errorText());
        return false;
    }
    if (parser.isSet(help)) {
        io.out << "Usage: portcullis-cli " << usage << "\n\n" << parser.helpText().section(u'\n', 2);
        io.out.flush();
        return false;
    }
    return true;
}

int usageError(Io &io, const QString &usage, const QString &message)
{
    io.err << "portcullis-cli: " << message << "\nUsage: portcullis-cli " << usage << "\n";
    io.err.flush();
    return EXIT_USAGE;
}

int failure(Io &io, const QString &message)
{
    io.err << "portcullis-cli: " << message << "\n";
    io.err.flush();
    return EXIT_FAILED;
}

int failure(Io &io, const Error &error)
{
    return failure(io, error.detail() % u" [" % error.id() % u']');
}

std::unique_ptr<engine::Workspace> openWorkspace(const engine::WorkspaceOptions &options, const Clock &clock, Io &io)
{
    auto workspace = engine::Workspace::open(options, clock);
    if (!workspace) {
        failure(io, workspace.error());
        return nullptr;
    }
    for (const QString &notice : (*workspace)->notices())
        io.err << "portcullis-cli: note: " << notice << "\n";
    io.err.flush();
    return std::move(*workspace);
}

Result<QByteArray> readFileArgument(const QString &path, qint64 maxBytes)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error(CommonError::IoError, QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
    const QByteArray content = file.read(maxBytes + 1);
    if (content.size() > maxBytes)
        return Error(CommonError::InvalidArgument,
                     QStringLiteral("%1 is larger than %2 bytes").arg(path).arg(maxBytes));
    return content;
}

Result<QByteArray> readTokenArgument(const QString &argument)
{
    QByteArray token;
    if (argument == QLatin1String("-")) {
        QFile input;
        if (!input.open(stdin, QIODevice::ReadOnly))
            return Error(CommonError::IoError, QStringLiteral("cannot read standard input"));
        token = input.read(MAX_TOKEN_BYTES + 1);
        if (token.size() > MAX_TOKEN_BYTES)
            return Error(
                CommonError::InvalidArgument,
                QStringLiteral("standard input holds more than %1 bytes; that is not a token").arg(MAX_TOKEN_BYTES));
    } else {
        token = argument.toUtf8();
    }
    token = token.trimmed();
    if (token.isEmpty())
        return Error(CommonError::InvalidArgument, QStringLiteral("the token is empty"));
    return token;
}

Result<std::chrono::seconds> parseDuration(const QString &text)
{
    constexpr qint64 MAX_SECONDS = 10LL * 366 * 24 * 3600;
    const QString trimmed = text.trimmed();
    qint64 unit = 1;
    QStringView number = trimmed;
    if (!trimmed.isEmpty() && !trimmed.back().isDigit()) {
        switch (trimmed.back().unicode()) {
        case 's':
            unit = 1;
            break;
        case 'm':
            unit = 60;
            break;
        case 'h':
            unit = 3600;
            break;
        case 'd':
            unit = 24 * 3600;
            break;
        case 'w':
            unit = 7 * 24 * 3600;
            break;
        default:
            unit = 0;
        }
        number = number.chopped(1);
    }
    bool ok = false;
    const qint64 count = number.toLongLong(&ok);
    if (!ok || unit == 0 || count < 0 || count > MAX_SECONDS / unit)
        return Error(CommonError::InvalidArgument,
                     QStringLiteral("'%1' is not a duration; write it as 90s, 15m, 12h, 30d or 2w (at most ten years)")
                         .arg(trimmed.left(40)));
    return std::chrono::seconds(count * unit);
}

Result<void> writePrivateFile(const QString &path, const QByteArray &content, bool overwrite)
{
    if (!overwrite && QFileInfo::exists(path))
        return Error(CommonError::InvalidArgument,
                     QStringLiteral("%1 already exists; choose another file or remove it first").arg(path));
    QSaveFile file(path);
    // The temporary file is created readable by its owner only, so the key is never exposed, even briefly.
    const mode_t previous = ::umask(077);
    const bool opened = file.open(QIODevice::WriteOnly);
    ::umask(previous);
    if (!opened)
        return Error(CommonError::IoError, QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
    file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    if (file.write(content) != content.size() || !file.commit())
        return Error(CommonError::IoError, QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
    return {};
}

} // namespace portcullis::cli
