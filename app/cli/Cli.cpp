#include "Cli.h"

#include <algorithm>

#include <QCommandLineParser>
#include <QStringBuilder>

#include "common/BuildInfo.h"

namespace portcullis::cli {

namespace {
const QString PROGRAM = QStringLiteral("portcullis-cli");
} // namespace

Cli::Cli(engine::WorkspaceOptions &workspace)
    : m_workspace(workspace)
{ }

void Cli::add(std::unique_ptr<Command> command)
{
    m_commands.push_back(std::move(command));
    std::sort(m_commands.begin(), m_commands.end(), [](const auto &a, const auto &b) { return a->name() < b->name(); });
}

Command *Cli::find(const QString &name) const
{
    for (const auto &command : m_commands) {
        if (command->name() == name)
            return command.get();
    }
    return nullptr;
}

QString Cli::helpText() const
{
    QString text = u"Usage: " % PROGRAM
        % u" [global options] <command> [arguments]\n\n"
          u"Portcullis on the command line: the same core as the console, for scripts and servers.\n\n"
          u"Global options:\n"
          u"  -h, --help       Show this help, or a command's help after the command name.\n"
          u"  -v, --version    Show the versions of Portcullis, Qt and OpenSSL.\n"
          u"  --workspace DIR  The workspace folder (default: "
        % engine::Workspace::defaultDirectory()
        % u").\n"
          u"  --store URL      The workspace's database: a SQLite file (default DIR/portcullis.db) or\n"
          u"                   postgresql://user@host:port/database (password in PGPASSWORD or ~/.pgpass).\n"
          u"  --secrets WHERE  keychain (default: the desktop keychain), or file:PATH (mode 0600) for a\n"
          u"                   headless server.\n"
          u"  --redis URL      Share rate-limit counters through Redis: redis://host:port[/db] or\n"
          u"                   unix:///path (default: $PORTCULLIS_REDIS_URL; a password is better kept there\n"
          u"                   than on the command line).\n\n";
    if (m_commands.empty()) {
        text += QStringLiteral("Commands: none in this build.\n");
        return text;
    }
    text += QStringLiteral("Commands:\n");
    for (const auto &command : m_commands)
        text += u"  " % command->name().leftJustified(15) % u' ' % command->summary() % u'\n';
    text += u"\nRun '" % PROGRAM % u" <command> --help' for a command's options.\n";
    return text;
}

int Cli::usageError(Io &io, const QString &message) const
{
    io.err << PROGRAM << ": " << message << "\n"
           << "Run '" << PROGRAM << " --help' for usage.\n";
    io.err.flush();
    return EXIT_USAGE;
}

int Cli::run(const QStringList &arguments, Io &io)
{
    QCommandLineParser parser;
    parser.setOptionsAfterPositionalArgumentsMode(QCommandLineParser::ParseAsPositionalArguments);
    const QCommandLineOption help({QStringLiteral("h"), QStringLiteral("help")}, QString());
    const QCommandLineOption version({QStringLiteral("v"), QStringLiteral("version")}, QString());
    const QCommandLineOption workspace(QStringLiteral("workspace"), QString(), QStringLiteral("DIR"));
    const QCommandLineOption store(QStringLiteral("store"), QString(), QStringLiteral("URL"));
    const QCommandLineOption secrets(QStringLiteral("secrets"), QString(), QStringLiteral("WHERE"));
    const QCommandLineOption redis(QStringLiteral("redis"), QString(), QStringLiteral("URL"));
    parser.addOptions({help, version, workspace, store, secrets, redis});
    parser.addPositionalArgument(QStringLiteral("command"), QString());

    if (!parser.parse(arguments))
        return usageError(io, parser.errorText());
    if (parser.isSet(help)) {
        io.out << helpText();
        io.out.flush();
        return EXIT_OK;
    }
    if (parser.isSet(version)) {
        io.out << buildinfo::summary(PROGRAM) << "\n";
        io.out.flush();
        return EXIT_OK;
    }

    for (const QCommandLineOption *option : {&workspace, &store, &secrets, &redis}) {
        if (parser.values(*option).size() > 1)
            return usageError(io, u"--" % option->names().first() % u" is given more than once");
        if (parser.isSet(*option) && parser.value(*option).trimmed().isEmpty())
            return usageError(io, u"--" % option->names().first() % u" needs a value");
    }
    if (parser.isSet(workspace))
        m_workspace.directory = parser.value(workspace);
    if (parser.isSet(store))
        m_workspace.store = parser.value(store);
    if (parser.isSet(secrets)) {
        const QString where = parser.value(secrets);
        if (where != u"keychain" && !(where.startsWith(u"file:") && where.size() > 5))
            return usageError(io, u"--secrets takes 'keychain' or 'file:PATH', not '" % where.left(64) % u'\'');
        m_workspace.secrets = where;
    }

    // Commands run once and exit: no background threads in the workspace (a server command turns them back on).
    m_workspace.background = false;
    m_workspace.redis = parser.isSet(redis) ? parser.value(redis) : qEnvironmentVariable("PORTCULLIS_REDIS_URL");

    const QStringList rest = parser.positionalArguments();
    if (rest.isEmpty())
        return usageError(io, QStringLiteral("no command given"));
    Command *command = find(rest.first());
    if (!command)
        return usageError(io, u"unknown command '" % rest.first() % u'\'');
    return command->run(rest, io);
}

} // namespace portcullis::cli
