// `portcullis-cli jwt lint`, `jwt diff` and `jwt crack`.

#include <QFile>

#include "CliSupport.h"
#include "JwtCommand.h"
#include "jose/Linter.h"
#include "jose/SecretAudit.h"
#include "jose/TokenDiff.h"

namespace portcullis::cli {

namespace {

const QString LINT_USAGE = QStringLiteral("jwt lint TOKEN|- [--typ T] [--max-lifetime SEC] [--json]");
const QString DIFF_USAGE = QStringLiteral("jwt diff A B [--json]");
const QString CRACK_USAGE = QStringLiteral("jwt crack TOKEN|- [--wordlist FILE] [--json]");
constexpr qint64 CRACK_PROGRESS_EVERY = 250000;

Result<jose::CompactJws> tokenArgument(const QString &argument)
{
    auto token = readTokenArgument(argument);
    if (!token)
        return token.error();
    return jose::CompactJws::parse(*token);
}

} // namespace

int JwtCommand::lint(const QStringList &arguments, Io &io)
{
    QCommandLineParser parser;
    const QCommandLineOption typ(QStringLiteral("typ"), QStringLiteral("The \"typ\" this use expects (e.g. at+jwt)."),
                                 QStringLiteral("T"));
    const QCommandLineOption maxLifetime(QStringLiteral("max-lifetime"),
                                         QStringLiteral("Longest acceptable lifetime in seconds (default 86400)."),
                                         QStringLiteral("SEC"));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print the findings as one JSON object."));
    parser.addOptions({typ, maxLifetime, json});
    parser.addPositionalArgument(QStringLiteral("token"), QStringLiteral("The token, or - for standard input."));
    if (!parseArguments(parser, arguments, 2, io, LINT_USAGE))
        return parser.isSet(QStringLiteral("help")) ? EXIT_OK : EXIT_USAGE;
    if (parser.positionalArguments().size() != 1)
        return usageError(io, LINT_USAGE, QStringLiteral("expected exactly one token"));
    jose::LintOptions options;
    if (parser.isSet(typ))
        options.expectedType = parser.value(typ);
    if (parser.isSet(maxLifetime)) {
        bool ok = false;
        const qint64 seconds = parser.value(maxLifetime).toLongLong(&ok);
        if (!ok || seconds <= 0)
            return usageError(io, LINT_USAGE, QStringLiteral("--max-lifetime takes a positive number of seconds"));
        options.maxLifetime = std::chrono::seconds(seconds);
    }
    auto jws = tokenArgument(parser.positionalArguments().first());
    if (!jws)
        return failure(io,
                       QStringLiteral("cannot decode the token: %1 [%2]").arg(jws.error().detail(), jws.error().id()));

    const QList<jose::Finding> findings = jose::Linter::lint(*jws, m_clock, options);
    bool serious = false;
    for (const jose::Finding &finding : findings)
        serious = serious || finding.severity != jose::Finding::Severity::Info;
    if (parser.isSet(json)) {
        jose::JsonWriter writer;
        writer.beginObject().key("findings").beginArray();
        for (const jose::Finding &finding : findings) {
            writer.beginObject();
            writer.key("severity").value(jose::Linter::severityName(finding.severity));
            writer.key("code").value(finding.code);
            writer.key("explanation").value(finding.explanation);
            writer.endObject();
        }
        writer.endArray().endObject();
        io.out << writer.take() << "\n";
    } else if (findings.isEmpty()) {
        io.out << "no findings\n";
    } else {
        for (const jose::Finding &finding : findings)
            io.out << jose::Linter::severityName(finding.severity).leftJustified(8) << " " << finding.code << ": "
                   << finding.explanation << "\n";
    }
    io.out.flush();
    return serious ? EXIT_FAILED : EXIT_OK;
}

int JwtCommand::diff(const QStringList &arguments, Io &io)
{
    QCommandLineParser parser;
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print the differences as one JSON object."));
    parser.addOption(json);
    parser.addPositionalArgument(QStringLiteral("a"), QStringLiteral("The first token (or - for standard input)."));
    parser.addPositionalArgument(QStringLiteral("b"), QStringLiteral("The second token."));
    if (!parseArguments(parser, arguments, 2, io, DIFF_USAGE))
        return parser.isSet(QStringLiteral("help")) ? EXIT_OK : EXIT_USAGE;
    const QStringList tokens = parser.positionalArguments();
    if (tokens.size() != 2)
        return usageError(io, DIFF_USAGE, QStringLiteral("expected two tokens"));
    if (tokens.at(0) == QLatin1String("-") && tokens.at(1) == QLatin1String("-"))
        return usageError(io, DIFF_USAGE, QStringLiteral("only one of the tokens can come from standard input"));
    auto a = tokenArgument(tokens.at(0));
    if (!a)
        return failure(io, QStringLiteral("cannot decode the first token: %1").arg(a.error().detail()));
    auto b = tokenArgument(tokens.at(1));
    if (!b)
        return failure(io, QStringLiteral("cannot decode the second token: %1").arg(b.error().detail()));

    const QList<jose::DiffEntry> entries = jose::TokenDiff::diff(*a, *b);
    if (parser.isSet(json)) {
        jose::JsonWriter writer;
        writer.beginObject().key("identical").value(entries.isEmpty()).key("differences").beginArray();
        for (const jose::DiffEntry &entry : entries) {
            writer.beginObject();
            writer.key("section").value(entry.section);
            writer.key("name").value(entry.name);
            writer.key("change").value(jose::TokenDiff::changeName(entry.change));
            if (entry.change != jose::DiffEntry::Change::Added)
                writer.key("before").value(entry.before);
            if (entry.change != jose::DiffEntry::Change::Removed)
                writer.key("after").value(entry.after);
            writer.endObject();
        }
        writer.endArray().endObject();
        io.out << writer.take() << "\n";
    } else if (entries.isEmpty()) {
        io.out << "the tokens' headers and claims are identical\n";
    } else {
        for (const jose::DiffEntry &entry : entries) {
            io.out << entry.section << "." << entry.name << " " << jose::TokenDiff::changeName(entry.change) << ": ";
            switch (entry.change) {
            case jose::DiffEntry::Change::Added:
                io.out << entry.after;
                break;
            case jose::DiffEntry::Change::Removed:
                io.out << entry.before;
                break;
            case jose::DiffEntry::Change::Changed:
                io.out << entry.before << " -> " << entry.after;
                break;
            }
            io.out << "\n";
        }
    }
    io.out.flush();
    return entries.isEmpty() ? EXIT_OK : EXIT_FAILED;
}

int JwtCommand::crack(const QStringList &arguments, Io &io)
{
    QCommandLineParser parser;
    const QCommandLineOption wordlist(QStringLiteral("wordlist"),
                                      QStringLiteral("Candidate secrets, one per line (default: the shipped list)."),
                                      QStringLiteral("FILE"));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print the result as one JSON object."));
    parser.addOptions({wordlist, json});
    parser.addPositionalArgument(QStringLiteral("token"),
                                 QStringLiteral("An HS256/384/512 token, or - for standard input."));
    if (!parseArguments(parser, arguments, 2, io, CRACK_USAGE))
        return parser.isSet(QStringLiteral("help")) ? EXIT_OK : EXIT_USAGE;
    if (parser.positionalArguments().size() != 1)
        return usageError(io, CRACK_USAGE, QStringLiteral("expected exactly one token"));
    auto jws = tokenArgument(parser.positionalArguments().first());
    if (!jws)
        return failure(io,
                       QStringLiteral("cannot decode the token: %1 [%2]").arg(jws.error().detail(), jws.error().id()));

    Result<jose::AuditResult> result = Error(CommonError::Internal, QString());
    if (parser.isSet(wordlist)) {
        QFile file(parser.value(wordlist));
        if (!file.open(QIODevice::ReadOnly))
            return usageError(io, CRACK_USAGE,
                              QStringLiteral("cannot read %1: %2").arg(parser.value(wordlist), file.errorString()));
        result = jose::SecretAudit::run(
            *jws, file,
            [&io](qint64 tried) {
                io.err << "portcullis-cli: " << tried << " candidates tried\n";
                io.err.flush();
                return true;
            },
            CRACK_PROGRESS_EVERY);
    } else {
        result = jose::SecretAudit::run(*jws, jose::SecretAudit::builtinWordlist());
    }
    if (!result)
        return failure(io, result.error().detail());

    const QString rate = QString::number(qRound64(result->guessesPerSecond()));
    if (parser.isSet(json)) {
        jose::JsonWriter writer;
        writer.beginObject().key("found").value(result->secret.has_value());
        if (result->secret)
            writer.key("secret").value(QByteArrayView(*result->secret));
        writer.key("tried").value(result->tried).key("guesses_per_second").value(qRound64(result->guessesPerSecond()));
        writer.endObject();
        io.out << writer.take() << "\n";
    } else if (result->secret) {
        io.out << *result->secret << "\n";
    }
    io.err << "portcullis-cli: " << (result->secret ? "secret found" : "no candidate matched") << " after "
           << result->tried << " guesses (" << rate << " guesses/s)\n";
    io.out.flush();
    io.err.flush();
    return result->secret ? EXIT_OK : EXIT_FAILED;
}

} // namespace portcullis::cli
