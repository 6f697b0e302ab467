#include "FlowCommand.h"

#include <QEventLoop>
#include <QJsonDocument>
#include <QProcess>
#include <QStandardPaths>
#include <QStringBuilder>

#include "CliSupport.h"
#include "FlowOutput.h"
#include "engine/FlowProfiles.h"
#include "jose/KeyLoader.h"
#include "net/HttpClient.h"
#include "oauth/FlowError.h"
#include "oauth/FlowSession.h"
#include "store/StoreError.h"

namespace portcullis::cli {

namespace {

using oauth::FlowStep;

const QString FLOW_USAGE = QStringLiteral("flow run|refresh|userinfo|introspect|revoke|token|profiles …");
const QString RUN_USAGE = QStringLiteral(
    "flow run (--issuer URL | --authorization-endpoint URL --token-endpoint URL | --profile NAME) --client-id ID "
    "[--client-secret-file F] [--auth-method M] [--assertion-key F] [--scope S]... [--param NAME=VALUE]... "
    "[--redirect-port N] [--redirect-path P] [--ipv6] [--no-browser] [--browser-command CMD] [--timeout SEC] "
    "[--profile NAME] [--transcript FILE] [--json]");
const QString FOLLOW_USAGE
    = QStringLiteral("flow refresh|userinfo|introspect|revoke [--profile NAME] [--transcript FILE] [--json]");
const QString TOKEN_USAGE = QStringLiteral("flow token [--profile NAME] [--kind access|refresh|id]");
const QString PROFILES_USAGE = QStringLiteral("flow profiles list|show NAME|remove NAME [--json]");

constexpr qint64 MAX_SECRET_FILE_BYTES = 64 * 1024;
constexpr int MAX_TIMEOUT_SECONDS = 3600;

struct RunOptions
{
    QCommandLineOption issuer {QStringLiteral("issuer"),
                               QStringLiteral("The provider's issuer; its metadata is "
                                              "discovered (RFC 8414, OpenID)."),
                               QStringLiteral("URL")};
    QCommandLineOption authorization {QStringLiteral("authorization-endpoint"),
                                      QStringLiteral("Manual endpoints, for a provider without metadata."),
                                      QStringLiteral("URL")};
    QCommandLineOption token {QStringLiteral("token-endpoint"), QStringLiteral("With --authorization-endpoint."),
                              QStringLiteral("URL")};
    QCommandLineOption clientId {QStringLiteral("client-id"), QStringLiteral("The client id."), QStringLiteral("ID")};
    QCommandLineOption secretFile {QStringLiteral("client-secret-file"),
                                   QStringLiteral("A file holding the client secret (\"-\": standard input)."),
                                   QStringLiteral("F")};
    QCommandLineOption authMethod {QStringLiteral("auth-method"),
                                   QStringLiteral("none, client_secret_basic, client_secret_post or private_key_jwt "
                                                  "(default: from what is given)."),
                                   QStringLiteral("M")};
    QCommandLineOption assertionKey {QStringLiteral("assertion-key"),
                                     QStringLiteral("A private key (PEM or JWK) for private_key_jwt."),
                                     QStringLiteral("F")};
    QCommandLineOption scope {QStringLiteral("scope"), QStringLiteral("A scope to ask for (default: openid)."),
                              QStringLiteral("S")};
    QCommandLineOption param {QStringLiteral("param"), QStringLiteral("An extra authorization request parameter."),
                              QStringLiteral("NAME=VALUE")};
    QCommandLineOption port {QStringLiteral("redirect-port"),
                             QStringLiteral("A fixed listener port (default: an ephemeral one)."), QStringLiteral("N")};
    QCommandLineOption path {QStringLiteral("redirect-path"), QStringLiteral("The callback path (default /callback)."),
                             QStringLiteral("P")};
    QCommandLineOption ipv6 {QStringLiteral("ipv6"), QStringLiteral("Listen on [::1] instead of 127.0.0.1.")};
    QCommandLineOption noBrowser {QStringLiteral("no-browser"), QStringLiteral("Print the URL instead of opening it.")};
    QCommandLineOption browser {QStringLiteral("browser-command"),
                                QStringLiteral("Run CMD with the authorization URL as its last argument."),
                                QStringLiteral("CMD")};
    QCommandLineOption timeout {QStringLiteral("timeout"),
                                QStringLiteral("Seconds to wait for the browser (default 300)."),
                                QStringLiteral("SEC")};
    QCommandLineOption profile {QStringLiteral("profile"),
                                QStringLiteral("Save the profile under NAME, or run the saved one."),
                                QStringLiteral("NAME")};
    QCommandLineOption transcript {QStringLiteral("transcript"),
                                   QStringLiteral("Write the transcript (JSON, secrets redacted) to FILE."),
                                   QStringLiteral("FILE")};
    QCommandLineOption json {QStringLiteral("json"), QStringLiteral("One JSON object per step, then the result.")};

    void addTo(QCommandLineParser &parser) const
    {
        parser.addOptions({issuer, authorization, token, clientId, secretFile, authMethod, assertionKey, scope, param,
                           port, path, ipv6, noBrowser, browser, timeout, profile, transcript, json});
    }
};

// The profile the command line describes; usage errors as Error values.
Result<oauth::ProviderProfile> profileFrom(const QCommandLineParser &parser, const RunOptions &o)
{
    oauth::ProviderProfile profile;
    profile.issuer = parser.value(o.issuer);
    profile.authorizationEndpoint = QUrl(parser.value(o.authorization), QUrl::StrictMode);
    profile.tokenEndpoint = QUrl(parser.value(o.token), QUrl::StrictMode);
    profile.clientId = parser.value(o.clientId);
    if (parser.isSet(o.scope))
        profile.scopes = parser.values(o.scope);
    for (const QString &pair : parser.values(o.param)) {
        const qsizetype equals = pair.indexOf(QLatin1Char('='));
        if (equals <= 0)
            return Error(oauth::FlowError::InvalidProfile, QStringLiteral("--param takes NAME=VALUE"));
        profile.extraParameters.append({pair.left(equals), pair.mid(equals + 1)});
    }
    if (parser.isSet(o.port)) {
        bool ok = false;
        const uint port = parser.value(o.port).toUInt(&ok);
        if (!ok || port == 0 || port > 65535)
            return Error(oauth::FlowError::InvalidProfile, QStringLiteral("--redirect-port takes a port, 1 to 65535"));
        profile.redirectPort = static_cast<quint16>(port);
    }
    if (parser.isSet(o.path))
        profile.redirectPath = parser.value(o.path);
    profile.ipv6 = parser.isSet(o.ipv6);
    if (parser.isSet(o.authMethod)) {
        auto method = oauth::parseClientAuthMethod(parser.value(o.authMethod));
        if (!method)
            return method.error();
        profile.authMethod = *method;
    } else if (parser.isSet(o.assertionKey)) {
        profile.authMethod = oauth::ClientAuthMethod::PrivateKeyJwt;
    } else if (parser.isSet(o.secretFile)) {
        profile.authMethod = oauth::ClientAuthMethod::ClientSecretBasic;
    }
    profile.name = parser.isSet(o.profile) ? parser.value(o.profile) : profile.defaultName();
    if (auto valid = profile.validate(); !valid)
        return valid.error();
    return profile;
}

Result<oauth::ClientCredentials> credentialsFrom(const QCommandLineParser &parser, const RunOptions &o)
{
    oauth::ClientCredentials credentials;
    if (parser.isSet(o.secretFile)) {
        auto secret = parser.value(o.secretFile) == u"-"
            ? readTokenArgument(QStringLiteral("-"))
            : readFileArgument(parser.value(o.secretFile), MAX_SECRET_FILE_BYTES);
        if (!secret)
            return secret.error();
        QByteArray bytes = secret->trimmed();
        if (bytes.isEmpty())
            return Error(oauth::FlowError::InvalidProfile, QStringLiteral("The client secret file is empty."));
        credentials.clientSecret = crypto::SecretBytes(bytes);
        secret->fill('\0');
        bytes.fill('\0');
    }
    if (parser.isSet(o.assertionKey)) {
        auto keys = jose::KeyLoader::fromFile(parser.value(o.assertionKey));
        if (!keys)
            return keys.error();
        if (keys->keys().size() != 1 || !keys->keys().first().key().hasPrivateKey())
            return Error(oauth::FlowError::InvalidProfile,
                         QStringLiteral("--assertion-key needs one private key (PEM or JWK)."));
        credentials.assertionKey = keys->keys().first();
    }
    return credentials;
}

// Opens the URL in the system browser, the given command, or nowhere; says what it did on stderr.
void openBrowser(const QUrl &url, const QCommandLineParser &parser, const RunOptions &o, Io &io)
{
    const QString text = url.toString(QUrl::FullyEncoded);
    if (parser.isSet(o.noBrowser)) {
        io.err << "Open this URL in a browser to sign in:\n  " << text << "\n";
        io.err.flush();
        return;
    }
    QStringList command = parser.isSet(o.browser) ? QProcess::splitCommand(parser.value(o.browser))
                                                  : QStringList {QStringLiteral("xdg-open")};
    const QString program = command.isEmpty() ? QString() : command.takeFirst();
    command.append(text);
    if (program.isEmpty() || !QProcess::startDetached(program, command)) {
        io.err << "portcullis-cli: could not start the browser (" << program << "); open this URL by hand:\n  " << text
               << "\n";
    } else {
        io.err << "Opened the browser; if nothing appeared, open:\n  " << text << "\n";
    }
    io.err.flush();
}

// The profile a follow-up works on: the one --profile names, or the only one saved.
struct ChosenProfile
{
    QString name; // empty when there is none: then why was printed, and exitCode says how to end
    int exitCode = EXIT_OK;
};

ChosenProfile chosenProfile(const QCommandLineParser &parser, const QCommandLineOption &option,
                            engine::FlowProfiles &profiles, Io &io, const QString &usage)
{
    if (parser.isSet(option)) {
        if (parser.value(option).isEmpty())
            return {{}, usageError(io, usage, QStringLiteral("--profile needs a name"))};
        return {parser.value(option)};
    }
    auto rows = profiles.list();
    if (!rows)
        return {{}, failure(io, rows.error())};
    if (rows->size() != 1)
        return {{},
                usageError(io, usage,
                           rows->empty() ? QStringLiteral("no saved profile; run 'flow run' first")
                                         : QStringLiteral("several profiles are saved; name one with --profile"))};
    return {rows->front().profile.name};
}

} // namespace

FlowCommand::FlowCommand(const engine::WorkspaceOptions &workspace, const Clock &clock)
    : m_options(workspace)
    , m_clock(clock)
{ }

int FlowCommand::run(const QStringList &arguments, Io &io)
{
    const QString sub = arguments.value(1);
    if (sub.isEmpty())
        return usageError(io, FLOW_USAGE, QStringLiteral("'flow' needs a subcommand"));
    if (sub == u"-h" || sub == u"--help") {
        io.out << "Usage: portcullis-cli [global options] " << FLOW_USAGE << "\n\n"
               << "  run         Run an authorization-code + PKCE flow through a loopback listener and the browser.\n"
               << "  refresh     Use the saved refresh token of a profile.\n"
               << "  userinfo    Ask the userinfo endpoint with the saved access token.\n"
               << "  introspect  Ask the introspection endpoint about the saved access token.\n"
               << "  revoke      Revoke the saved refresh token (or access token).\n"
               << "  token       Print a saved token, for a script or curl (it is a credential: mind where it goes).\n"
               << "  profiles    List, show or remove saved provider profiles.\n\n"
               << "Run 'portcullis-cli flow <subcommand> --help' for its options.\n";
        io.out.flush();
        return EXIT_OK;
    }
    if (sub == u"run")
        return runFlow(arguments, io);
    if (sub == u"refresh" || sub == u"userinfo" || sub == u"introspect" || sub == u"revoke")
        return followUp(arguments, io);
    if (sub == u"token")
        return token(arguments, io);
    if (sub == u"profiles")
        return profiles(arguments, io);
    return usageError(io, FLOW_USAGE, u"unknown flow subcommand '" % sub.left(64) % u'\'');
}

bool FlowCommand::drive(oauth::FlowSession &session, const QList<int> &steps, bool asJson, Io &io)
{
    QEventLoop loop;
    bool ok = true;
    qsizetype next = 0;
    const auto runNext = [&] {
        if (next >= steps.size()) {
            loop.quit();
            return;
        }
        session.runStep(static_cast<FlowStep>(steps[next++]));
    };
    QObject::connect(&session, &oauth::FlowSession::stepFinished, &loop, [&](const oauth::StepRecord &record) {
        if (asJson)
            flowoutput::printStepJson(io, record);
        else
            flowoutput::printStep(io, record);
        if (record.status == oauth::StepStatus::Failed) {
            ok = false;
            loop.quit();
            return;
        }
        runNext();
    });
    runNext();
    if (next <= steps.size() && ok)
        loop.exec();
    return ok;
}

int FlowCommand::runFlow(const QStringList &arguments, Io &io)
{
    QCommandLineParser parser;
    const RunOptions o;
    o.addTo(parser);
    if (!parseArguments(parser, arguments, 2, io, RUN_USAGE))
        return EXIT_USAGE;
    if (!parser.positionalArguments().isEmpty())
        return usageError(io, RUN_USAGE, QStringLiteral("'flow run' takes no positional arguments"));
    const bool describesProvider = parser.isSet(o.issuer) || parser.isSet(o.authorization) || parser.isSet(o.token);
    if (!describesProvider && !parser.isSet(o.profile))
        return usageError(io, RUN_USAGE, QStringLiteral("give --issuer URL, or both endpoints, or a saved --profile"));
    if (parser.isSet(o.issuer) && (parser.isSet(o.authorization) || parser.isSet(o.token)))
        return usageError(io, RUN_USAGE, QStringLiteral("give either --issuer or the endpoints, not both"));
    if (parser.isSet(o.noBrowser) && parser.isSet(o.browser))
        return usageError(io, RUN_USAGE, QStringLiteral("--no-browser and --browser-command exclude each other"));
    oauth::FlowSession::Options sessionOptions;
    if (parser.isSet(o.timeout)) {
        bool ok = false;
        const int seconds = parser.value(o.timeout).toInt(&ok);
        if (!ok || seconds < 1 || seconds > MAX_TIMEOUT_SECONDS)
            return usageError(io, RUN_USAGE, QStringLiteral("--timeout takes 1 to 3600 seconds"));
        sessionOptions.flowTimeout = std::chrono::seconds(seconds);
    }
    if (parser.isSet(o.transcript) && parser.value(o.transcript).isEmpty())
        return usageError(io, RUN_USAGE, QStringLiteral("--transcript needs a file name"));

    oauth::ProviderProfile profile;
    oauth::ClientCredentials credentials;
    std::optional<oauth::ClientCredentials> saveAfterSuccess;
    auto workspace = openWorkspace(m_options, m_clock, io);
    if (!workspace)
        return EXIT_FAILED;
    engine::FlowProfiles &profiles = workspace->flowProfiles();
    if (describesProvider) {
        if (!parser.isSet(o.clientId))
            return usageError(io, RUN_USAGE, QStringLiteral("give the client id with --client-id"));
        auto described = profileFrom(parser, o);
        if (!described)
            return usageError(io, RUN_USAGE, described.error().detail());
        auto given = credentialsFrom(parser, o);
        if (!given)
            return usageError(io, RUN_USAGE, given.error().detail());
        profile = std::move(*described);
        credentials = std::move(*given);
        // A named profile is saved at once, so a failed run can be repeated with --profile; an unnamed one only
        // once it has worked, so that typos do not pile up as profiles.
        if (parser.isSet(o.profile)) {
            if (auto saved = profiles.save(profile, credentials); !saved)
                return failure(io, saved.error());
        } else {
            saveAfterSuccess = oauth::ClientCredentials {credentials.clientSecret.clone(), credentials.assertionKey};
        }
    } else {
        auto saved = profiles.load(parser.value(o.profile));
        if (!saved)
            return saved.error().is(store::StoreError::NotFound) ? usageError(io, RUN_USAGE, saved.error().detail())
                                                                 : failure(io, saved.error());
        profile = std::move(saved->row.profile);
        credentials = std::move(saved->credentials);
    }

    net::HttpClient http;
    oauth::FlowSession session(profile, std::move(credentials), http, m_clock, sessionOptions);
    QObject::connect(&session, &oauth::FlowSession::browserRequested, &session,
                     [&](const QUrl &url) { openBrowser(url, parser, o, io); });
    const bool asJson = parser.isSet(o.json);
    QList<int> steps;
    for (FlowStep step = FlowStep::Discover; step <= FlowStep::CheckTokens;
         step = static_cast<FlowStep>(static_cast<int>(step) + 1))
        steps.append(static_cast<int>(step));
    drive(session, steps, asJson, io);
    flowoutput::printResult(io, session, asJson);

    if (saveAfterSuccess && session.succeeded()) {
        if (auto saved = profiles.save(profile, *saveAfterSuccess); !saved)
            failure(io, saved.error());
    }
    const QJsonObject summary = flowoutput::resultSummary(session);
    if (!saveAfterSuccess || session.succeeded()) {
        if (auto recorded
            = profiles.recordRun(profile.name, summary, session.succeeded() ? &session.tokens() : nullptr);
            !recorded)
            failure(io, recorded.error());
    }
    if (parser.isSet(o.transcript)) {
        auto written = writePrivateFile(parser.value(o.transcript),
                                        QJsonDocument(session.transcript(false)).toJson(QJsonDocument::Indented), true);
        if (!written)
            return failure(io, written.error());
    }
    if (!asJson && session.succeeded()) {
        io.err << "Saved as profile '" << profile.name << "'; try 'portcullis-cli flow userinfo --profile "
               << profile.name << "'.\n";
        io.err.flush();
    }
    return session.succeeded() ? EXIT_OK : EXIT_FAILED;
}

int FlowCommand::followUp(const QStringList &arguments, Io &io)
{
    const QString sub = arguments.value(1);
    QCommandLineParser parser;
    const QCommandLineOption profileOption(QStringLiteral("profile"), QStringLiteral("The saved profile to use."),
                                           QStringLiteral("NAME"));
    const QCommandLineOption transcript(QStringLiteral("transcript"),
                                        QStringLiteral("Write the transcript (JSON, secrets redacted) to FILE."),
                                        QStringLiteral("FILE"));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("One JSON object per step."));
    parser.addOptions({profileOption, transcript, json});
    const QString usage = FOLLOW_USAGE;
    if (!parseArguments(parser, arguments, 2, io, usage))
        return EXIT_USAGE;
    if (!parser.positionalArguments().isEmpty())
        return usageError(io, usage, u"'flow " % sub % u"' takes no positional arguments");
    auto workspace = openWorkspace(m_options, m_clock, io);
    if (!workspace)
        return EXIT_FAILED;
    engine::FlowProfiles &profiles = workspace->flowProfiles();
    const ChosenProfile chosen = chosenProfile(parser, profileOption, profiles, io, usage);
    if (chosen.name.isEmpty())
        return chosen.exitCode;
    const QString &name = chosen.name;
    auto saved = profiles.load(name);
    if (!saved)
        return saved.error().is(store::StoreError::NotFound) ? usageError(io, usage, saved.error().detail())
                                                             : failure(io, saved.error());
    auto tokens = profiles.loadTokens(name);
    if (!tokens)
        return failure(io, tokens.error());

    net::HttpClient http;
    oauth::FlowSession session(saved->row.profile, std::move(saved->credentials), http, m_clock, {});
    session.restoreTokens(*tokens);
    const FlowStep step = *oauth::stepFromName(sub);
    const bool ok
        = drive(session, {static_cast<int>(FlowStep::Discover), static_cast<int>(step)}, parser.isSet(json), io);
    if (ok && step == FlowStep::Refresh) {
        QJsonObject summary = saved->row.lastResult;
        summary.insert(QStringLiteral("refreshed_at"), m_clock.nowUtc().toString(Qt::ISODate));
        if (auto recorded = profiles.recordRun(name, summary, &session.tokens()); !recorded)
            return failure(io, recorded.error());
    }
    if (parser.isSet(transcript)) {
        auto written = writePrivateFile(parser.value(transcript),
                                        QJsonDocument(session.transcript(false)).toJson(QJsonDocument::Indented), true);
        if (!written)
            return failure(io, written.error());
    }
    return ok ? EXIT_OK : EXIT_FAILED;
}

int FlowCommand::token(const QStringList &arguments, Io &io)
{
    QCommandLineParser parser;
    const QCommandLineOption profileOption(QStringLiteral("profile"), QStringLiteral("The saved profile to use."),
                                           QStringLiteral("NAME"));
    const QCommandLineOption kind(QStringLiteral("kind"), QStringLiteral("access (default), refresh or id."),
                                  QStringLiteral("K"));
    parser.addOptions({profileOption, kind});
    if (!parseArguments(parser, arguments, 2, io, TOKEN_USAGE))
        return EXIT_USAGE;
    if (!parser.positionalArguments().isEmpty())
        return usageError(io, TOKEN_USAGE, QStringLiteral("'flow token' takes no positional arguments"));
    const QString which = parser.isSet(kind) ? parser.value(kind) : QStringLiteral("access");
    if (which != u"access" && which != u"refresh" && which != u"id")
        return usageError(io, TOKEN_USAGE, QStringLiteral("--kind takes access, refresh or id"));
    auto workspace = openWorkspace(m_options, m_clock, io);
    if (!workspace)
        return EXIT_FAILED;
    engine::FlowProfiles &profiles = workspace->flowProfiles();
    const ChosenProfile chosen = chosenProfile(parser, profileOption, profiles, io, TOKEN_USAGE);
    if (chosen.name.isEmpty())
        return chosen.exitCode;
    const QString &name = chosen.name;
    auto tokens = profiles.loadTokens(name);
    if (!tokens)
        return tokens.error().is(oauth::FlowError::StepOutOfOrder) ? failure(io, tokens.error().detail())
                                                                   : failure(io, tokens.error());
    const QByteArray &value = which == u"refresh" ? tokens->refreshToken
        : which == u"id"                          ? tokens->idToken
                                                  : tokens->accessToken;
    if (value.isEmpty())
        return failure(io,
                       u"The saved result of '" % name % u"' has no " % which
                           % u" token; run 'portcullis-cli flow run --profile " % name % u"' again.");
    if (which == u"access" && tokens->expiresAt.isValid() && tokens->expiresAt <= m_clock.nowUtc())
        io.err << "portcullis-cli: note: this access token expired at " << tokens->expiresAt.toString(Qt::ISODate)
               << "; 'portcullis-cli flow refresh --profile " << name << "' gets a new one.\n";
    io.err.flush();
    io.out << QString::fromUtf8(value) << "\n";
    io.out.flush();
    return EXIT_OK;
}

int FlowCommand::profiles(const QStringList &arguments, Io &io)
{
    const QString action = arguments.value(2);
    QCommandLineParser parser;
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print JSON."));
    parser.addOption(json);
    if (!parseArguments(parser, arguments, 3, io, PROFILES_USAGE))
        return EXIT_USAGE;
    const QStringList positional = parser.positionalArguments();
    if (action != u"list" && action != u"show" && action != u"remove")
        return usageError(io, PROFILES_USAGE, QStringLiteral("'flow profiles' takes list, show NAME or remove NAME"));
    if ((action == u"list") != positional.isEmpty() || positional.size() > 1)
        return usageError(io, PROFILES_USAGE,
                          u"'flow profiles " % action % u"' takes "
                              % (action == u"list" ? u"no name" : u"one profile name"));
    auto workspace = openWorkspace(m_options, m_clock, io);
    if (!workspace)
        return EXIT_FAILED;
    engine::FlowProfiles &profiles = workspace->flowProfiles();
    if (action == u"list") {
        auto rows = profiles.list();
        if (!rows)
            return failure(io, rows.error());
        if (rows->empty() && !parser.isSet(json))
            io.out << "No saved profiles; 'portcullis-cli flow run' saves one.\n";
        for (const auto &row : *rows) {
            if (parser.isSet(json)) {
                flowoutput::printProfile(io, row, false, true);
                continue;
            }
            const QString where
                = row.profile.usesDiscovery() ? row.profile.issuer : row.profile.authorizationEndpoint.toString();
            const QString last = row.lastRunMs == 0                   ? QStringLiteral("never run")
                : row.lastResult.value(QStringLiteral("ok")).toBool() ? QStringLiteral("last run ok")
                                                                      : QStringLiteral("last run failed");
            io.out << row.profile.name.leftJustified(28) << ' ' << row.profile.clientId.leftJustified(20) << ' '
                   << where << "  (" << last << ")\n";
        }
        io.out.flush();
        return EXIT_OK;
    }
    const QString name = positional.first();
    if (action == u"remove") {
        auto removed = profiles.remove(name);
        if (!removed)
            return removed.error().is(store::StoreError::NotFound)
                ? usageError(io, PROFILES_USAGE, removed.error().detail())
                : failure(io, removed.error());
        io.out << "Removed the profile '" << name << "', its secrets and its tokens.\n";
        io.out.flush();
        return EXIT_OK;
    }
    auto saved = profiles.load(name);
    if (!saved)
        return saved.error().is(store::StoreError::NotFound) ? usageError(io, PROFILES_USAGE, saved.error().detail())
                                                             : failure(io, saved.error());
    flowoutput::printProfile(io, saved->row, !saved->credentials.clientSecret.isEmpty(), parser.isSet(json));
    return EXIT_OK;
}

} // namespace portcullis::cli
