#include "KeysCommand.h"

#include <QStringBuilder>

#include "CliSupport.h"
#include "KeysOutput.h"
#include "apikeys/ApiKeyError.h"
#include "apikeys/ApiKeyFormat.h"
#include "apikeys/ApiKeyService.h"
#include "jose/JsonWriter.h"

namespace portcullis::cli {

namespace {

const QString KEYS_USAGE = QStringLiteral("keys create|list|show|revoke|rotate|verify|expire|scanner-regex …");
const QString CREATE_USAGE = QStringLiteral(
    "keys create --name N [--owner O] [--description D] [--scope S]... [--expires-in DURATION] [--prefix P] [--json]");
const QString LIST_USAGE = QStringLiteral("keys list [--state active|rotating|revoked|expired] [--json]");
const QString SHOW_USAGE = QStringLiteral("keys show ID [--json]");
const QString REVOKE_USAGE = QStringLiteral("keys revoke ID [--reason R]");
const QString ROTATE_USAGE = QStringLiteral("keys rotate ID [--grace DURATION] [--json]");
const QString VERIFY_USAGE = QStringLiteral("keys verify KEY|- [--scope S] [--json]");
const QString EXPIRE_USAGE = QStringLiteral("keys expire");
const QString REGEX_USAGE = QStringLiteral("keys scanner-regex");

constexpr std::chrono::seconds DEFAULT_GRACE = std::chrono::hours(24);

QCommandLineOption jsonOption()
{
    return QCommandLineOption(QStringLiteral("json"), QStringLiteral("Print JSON."));
}

// The new key on stdout, alone on its line (or in JSON), and a reminder on stderr.
void printIssued(Io &io, const apikeys::ApiKeyService::IssuedKey &issued, bool json, const QString &what)
{
    const QByteArray key = issued.key.view().toByteArray();
    if (json) {
        jose::JsonWriter writer;
        writer.beginObject();
        keysoutput::writeRecord(writer, issued.record);
        writer.key("key").value(key);
        writer.endObject();
        io.out << writer.take() << "\n";
    } else {
        io.out << key << "\n";
    }
    io.out.flush();
    io.err << what << " " << issued.record.id << " (" << issued.record.hint() << ", '" << issued.record.name
           << "'). This is the only time the key is shown: store it now.\n";
    io.err.flush();
}

} // namespace

KeysCommand::KeysCommand(const engine::WorkspaceOptions &workspace, const Clock &clock)
    : m_options(workspace)
    , m_clock(clock)
{ }

int KeysCommand::run(const QStringList &arguments, Io &io)
{
    const QString sub = arguments.value(1);
    if (sub.isEmpty())
        return usageError(io, KEYS_USAGE, QStringLiteral("'keys' needs a subcommand"));
    if (sub == u"-h" || sub == u"--help") {
        io.out << "Usage: portcullis-cli [--workspace DIR] [--store URL] [--secrets WHERE] " << KEYS_USAGE << "\n\n"
               << "  create         Issue a key; it is printed once and stored only as a keyed hash.\n"
               << "  list           List keys (id, hint, state, dates, uses, name).\n"
               << "  show           Show one key's record.\n"
               << "  revoke         Revoke a key at once, everywhere the workspace is used.\n"
               << "  rotate         Issue a replacement; the old key works until the grace period ends.\n"
               << "  verify         Check a key (exit 0 valid, 1 invalid).\n"
               << "  expire         Mark keys past their expiry or grace period as expired.\n"
               << "  scanner-regex  Print a regular expression that matches every Portcullis key.\n\n"
               << "Run 'portcullis-cli keys <subcommand> --help' for its options.\n";
        io.out.flush();
        return EXIT_OK;
    }
    using Handler = int (KeysCommand::*)(const QStringList &, Io &);
    const std::pair<const char *, Handler> handlers[] = {
        {"create", &KeysCommand::create}, {"list", &KeysCommand::list},
        {"show", &KeysCommand::show},     {"revoke", &KeysCommand::revoke},
        {"rotate", &KeysCommand::rotate}, {"verify", &KeysCommand::verify},
        {"expire", &KeysCommand::expire}, {"scanner-regex", &KeysCommand::scannerRegex},
    };
    for (const auto &[name, handler] : handlers) {
        if (sub == QLatin1StringView(name))
            return (this->*handler)(arguments, io);
    }
    return usageError(io, KEYS_USAGE, u"unknown keys subcommand '" % sub.left(64) % u'\'');
}

std::unique_ptr<engine::Workspace> KeysCommand::openWorkspace(Io &io)
{
    auto workspace = cli::openWorkspace(m_options, m_clock, io);
    if (!workspace)
        return nullptr;
    if (auto service = workspace->apiKeys(); !service) {
        failure(io, service.error());
        return nullptr;
    }
    return workspace;
}

int KeysCommand::create(const QStringList &arguments, Io &io)
{
    QCommandLineParser parser;
    const QCommandLineOption name(QStringLiteral("name"), QStringLiteral("What the key is for."), QStringLiteral("N"));
    const QCommandLineOption owner(QStringLiteral("owner"), QStringLiteral("Who is responsible for it."),
                                   QStringLiteral("O"));
    const QCommandLineOption description(QStringLiteral("description"), QStringLiteral("A longer note."),
                                         QStringLiteral("D"));
    const QCommandLineOption scope(QStringLiteral("scope"), QStringLiteral("A scope the key grants (repeatable)."),
                                   QStringLiteral("S"));
    const QCommandLineOption expiresIn(QStringLiteral("expires-in"),
                                       QStringLiteral("Lifetime: 90s, 15m, 12h, 30d, 2w (default: no expiry)."),
                                       QStringLiteral("DURATION"));
    const QCommandLineOption prefix(QStringLiteral("prefix"),
                                    QStringLiteral("Environment label: live (default), test or your own."),
                                    QStringLiteral("P"));
    const QCommandLineOption json = jsonOption();
    parser.addOptions({name, owner, description, scope, expiresIn, prefix, json});
    if (!parseArguments(parser, arguments, 2, io, CREATE_USAGE))
        return parser.isSet(QStringLiteral("help")) ? EXIT_OK : EXIT_USAGE;
    if (!parser.positionalArguments().isEmpty())
        return usageError(io, CREATE_USAGE,
                          QStringLiteral("unexpected argument '%1'").arg(parser.positionalArguments().first()));
    if (!parser.isSet(name))
        return usageError(io, CREATE_USAGE, QStringLiteral("--name is required"));
    apikeys::ApiKeyService::IssueRequest request;
    request.name = parser.value(name);
    request.owner = parser.value(owner);
    request.description = parser.value(description);
    request.scopes = parser.values(scope);
    if (parser.isSet(prefix))
        request.environment = parser.value(prefix);
    if (parser.isSet(expiresIn)) {
        auto lifetime = parseDuration(parser.value(expiresIn));
        if (!lifetime)
            return usageError(io, CREATE_USAGE, lifetime.error().detail());
        request.expiresIn = *lifetime;
    }
    if (auto environment = apikeys::format::prefixFor(request.environment); !environment)
        return usageError(io, CREATE_USAGE, environment.error().detail());

    auto workspace = openWorkspace(io);
    if (!workspace)
        return EXIT_FAILED;
    auto issued = (*workspace->apiKeys())->issue(request);
    if (!issued) {
        if (issued.error().is(apikeys::ApiKeyError::InvalidInput))
            return usageError(io, CREATE_USAGE, issued.error().detail());
        return failure(io, issued.error());
    }
    printIssued(io, *issued, parser.isSet(json), QStringLiteral("Created key"));
    return EXIT_OK;
}

int KeysCommand::list(const QStringList &arguments, Io &io)
{
    QCommandLineParser parser;
    const QCommandLineOption state(QStringLiteral("state"), QStringLiteral("Only keys in this state."),
                                   QStringLiteral("S"));
    const QCommandLineOption json = jsonOption();
    parser.addOptions({state, json});
    if (!parseArguments(parser, arguments, 2, io, LIST_USAGE))
        return parser.isSet(QStringLiteral("help")) ? EXIT_OK : EXIT_USAGE;
    if (!parser.positionalArguments().isEmpty())
        return usageError(io, LIST_USAGE,
                          QStringLiteral("unexpected argument '%1'").arg(parser.positionalArguments().first()));
    std::optional<apikeys::ApiKeyState> filter;
    if (parser.isSet(state)) {
        filter = apikeys::stateFromName(parser.value(state));
        if (!filter)
            return usageError(io, LIST_USAGE,
                              u"'" % parser.value(state).left(40)
                                  % u"' is not a key state; use active, rotating, revoked or expired");
    }
    auto workspace = openWorkspace(io);
    if (!workspace)
        return EXIT_FAILED;
    auto records = (*workspace->apiKeys())->list(filter);
    if (!records)
        return failure(io, records.error());
    if (parser.isSet(json))
        io.out << keysoutput::listJson(*records) << "\n";
    else
        keysoutput::printTable(io.out, *records);
    io.out.flush();
    return EXIT_OK;
}

int KeysCommand::show(const QStringList &arguments, Io &io)
{
    QCommandLineParser parser;
    const QCommandLineOption json = jsonOption();
    parser.addOption(json);
    parser.addPositionalArgument(QStringLiteral("id"), QStringLiteral("The key's id (key_…)."));
    if (!parseArguments(parser, arguments, 2, io, SHOW_USAGE))
        return parser.isSet(QStringLiteral("help")) ? EXIT_OK : EXIT_USAGE;
    if (parser.positionalArguments().size() != 1)
        return usageError(io, SHOW_USAGE, QStringLiteral("expected exactly one key id"));
    auto workspace = openWorkspace(io);
    if (!workspace)
        return EXIT_FAILED;
    auto record = (*workspace->apiKeys())->find(parser.positionalArguments().first());
    if (!record)
        return failure(io, record.error());
    if (parser.isSet(json))
        io.out << keysoutput::recordJson(*record) << "\n";
    else
        keysoutput::printRecord(io.out, *record);
    io.out.flush();
    return EXIT_OK;
}

int KeysCommand::revoke(const QStringList &arguments, Io &io)
{
    QCommandLineParser parser;
    const QCommandLineOption reason(QStringLiteral("reason"), QStringLiteral("Why (kept with the key)."),
                                    QStringLiteral("R"));
    parser.addOption(reason);
    parser.addPositionalArgument(QStringLiteral("id"), QStringLiteral("The key's id (key_…)."));
    if (!parseArguments(parser, arguments, 2, io, REVOKE_USAGE))
        return parser.isSet(QStringLiteral("help")) ? EXIT_OK : EXIT_USAGE;
    if (parser.positionalArguments().size() != 1)
        return usageError(io, REVOKE_USAGE, QStringLiteral("expected exactly one key id"));
    auto workspace = openWorkspace(io);
    if (!workspace)
        return EXIT_FAILED;
    auto revoked = (*workspace->apiKeys())->revoke(parser.positionalArguments().first(), parser.value(reason));
    if (!revoked)
        return failure(io, revoked.error());
    io.out << "Revoked " << revoked->id << " (" << revoked->hint() << "). It fails from now on.\n";
    io.out.flush();
    return EXIT_OK;
}

int KeysCommand::rotate(const QStringList &arguments, Io &io)
{
    QCommandLineParser parser;
    const QCommandLineOption grace(QStringLiteral("grace"),
                                   QStringLiteral("How long the old key keeps working (default 24h, at most 30d)."),
                                   QStringLiteral("DURATION"));
    const QCommandLineOption json = jsonOption();
    parser.addOptions({grace, json});
    parser.addPositionalArgument(QStringLiteral("id"), QStringLiteral("The key's id (key_…)."));
    if (!parseArguments(parser, arguments, 2, io, ROTATE_USAGE))
        return parser.isSet(QStringLiteral("help")) ? EXIT_OK : EXIT_USAGE;
    if (parser.positionalArguments().size() != 1)
        return usageError(io, ROTATE_USAGE, QStringLiteral("expected exactly one key id"));
    std::chrono::seconds period = DEFAULT_GRACE;
    if (parser.isSet(grace)) {
        auto parsed = parseDuration(parser.value(grace));
        if (!parsed)
            return usageError(io, ROTATE_USAGE, parsed.error().detail());
        period = *parsed;
    }
    auto workspace = openWorkspace(io);
    if (!workspace)
        return EXIT_FAILED;
    auto issued = (*workspace->apiKeys())->rotate(parser.positionalArguments().first(), period);
    if (!issued) {
        if (issued.error().is(apikeys::ApiKeyError::InvalidInput))
            return usageError(io, ROTATE_USAGE, issued.error().detail());
        return failure(io, issued.error());
    }
    printIssued(
        io, *issued, parser.isSet(json),
        u"Rotated " % parser.positionalArguments().first() % u" (it works until "
            % QDateTime::fromSecsSinceEpoch(m_clock.unixSeconds() + period.count(), Qt::UTC).toString(Qt::ISODate)
            % u"). Created key");
    return EXIT_OK;
}

int KeysCommand::verify(const QStringList &arguments, Io &io)
{
    QCommandLineParser parser;
    const QCommandLineOption scope(QStringLiteral("scope"), QStringLiteral("A scope the key must have."),
                                   QStringLiteral("S"));
    const QCommandLineOption json = jsonOption();
    parser.addOptions({scope, json});
    parser.addPositionalArgument(QStringLiteral("key"),
                                 QStringLiteral("The key, or - to read it from standard input."));
    if (!parseArguments(parser, arguments, 2, io, VERIFY_USAGE))
        return parser.isSet(QStringLiteral("help")) ? EXIT_OK : EXIT_USAGE;
    if (parser.positionalArguments().size() != 1)
        return usageError(io, VERIFY_USAGE, QStringLiteral("expected exactly one key"));
    auto key = readTokenArgument(parser.positionalArguments().first());
    if (!key)
        return usageError(io, VERIFY_USAGE, key.error().detail());
    auto workspace = openWorkspace(io);
    if (!workspace)
        return EXIT_FAILED;
    apikeys::ApiKeyService *service = *workspace->apiKeys();
    // The caller of a server gets one generic answer; the operator running this command may see the reason,
    // which the service gives only to its security event.
    QString reason;
    QObject::connect(service, &apikeys::ApiKeyService::eventRaised, service,
                     [&](const apikeys::ApiKeyEvent &event) { reason = event.reason; });
    auto valid = service->validate(*key, parser.value(scope), QStringLiteral("portcullis-cli"));
    if (parser.isSet(json)) {
        jose::JsonWriter writer;
        writer.beginObject().key("valid").value(valid.has_value());
        if (valid) {
            writer.key("id").value(valid->id);
            writer.key("scopes").beginArray();
            for (const QString &granted : valid->scopes)
                writer.value(granted);
            writer.endArray();
            writer.key("rotating").value(valid->rotating);
        } else {
            writer.key("error").value(valid.error().id());
            writer.key("reason").value(reason.isEmpty() ? QByteArray(valid.error().codeName()) : reason.toUtf8());
        }
        writer.endObject();
        io.out << writer.take() << "\n";
    } else if (valid) {
        io.out << "valid: " << valid->id
               << (valid->scopes.isEmpty() ? QString() : u" (scopes: " % valid->scopes.join(u' ') % u')')
               << (valid->rotating ? " — being rotated: move to its replacement" : "") << "\n";
    } else {
        io.out << "invalid: " << valid.error().detail() << (reason.isEmpty() ? QString() : u" (" % reason % u')')
               << "\n";
    }
    io.out.flush();
    if (valid)
        return EXIT_OK;
    return valid.error().inDomain<apikeys::ApiKeyError>() ? EXIT_FAILED : failure(io, valid.error());
}

int KeysCommand::expire(const QStringList &arguments, Io &io)
{
    QCommandLineParser parser;
    if (!parseArguments(parser, arguments, 2, io, EXPIRE_USAGE))
        return parser.isSet(QStringLiteral("help")) ? EXIT_OK : EXIT_USAGE;
    if (!parser.positionalArguments().isEmpty())
        return usageError(io, EXPIRE_USAGE, QStringLiteral("'keys expire' takes no arguments"));
    auto workspace = openWorkspace(io);
    if (!workspace)
        return EXIT_FAILED;
    auto expired = (*workspace->apiKeys())->expireDue();
    if (!expired)
        return failure(io, expired.error());
    io.out << "Expired " << expired->size() << (expired->size() == 1 ? " key" : " keys")
           << (expired->isEmpty() ? QString() : u": " % expired->join(u", ")) << "\n";
    io.out.flush();
    return EXIT_OK;
}

int KeysCommand::scannerRegex(const QStringList &arguments, Io &io)
{
    QCommandLineParser parser;
    if (!parseArguments(parser, arguments, 2, io, REGEX_USAGE))
        return parser.isSet(QStringLiteral("help")) ? EXIT_OK : EXIT_USAGE;
    if (!parser.positionalArguments().isEmpty())
        return usageError(io, REGEX_USAGE, QStringLiteral("'keys scanner-regex' takes no arguments"));
    io.out << apikeys::format::scannerRegex() << "\n";
    io.out.flush();
    return EXIT_OK;
}

} // namespace portcullis::cli
