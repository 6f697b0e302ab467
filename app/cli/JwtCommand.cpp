// `portcullis-cli jwt` dispatch, decode and verify. Signing commands are in JwtSignCommands.cpp, review commands
// (lint, diff, crack) in JwtReviewCommands.cpp.

#include "JwtCommand.h"

#include <memory>

#include "CliSupport.h"
#include "JwtOutput.h"
#include "crypto/Jwa.h"
#include "jose/JoseError.h"
#include "jose/KeyLoader.h"
#include "jose/Verifier.h"

namespace portcullis::cli {

namespace {

const QString VERIFY_USAGE = QStringLiteral(
    "jwt verify TOKEN|- (--key FILE | --jwks FILE | --secret-file FILE) [--alg A]... [--iss S] [--aud S] [--typ T] "
    "[--leeway SEC] [--now UNIX] [--json]");
const QString DECODE_USAGE = QStringLiteral("jwt decode TOKEN|- [--json]");
const QString JWT_USAGE = QStringLiteral("jwt decode|verify|sign|keygen|lint|diff|crack …");

constexpr qint64 MAX_LEEWAY_SECONDS = 7 * 24 * 3600;

QList<crypto::Algorithm> defaultAlgorithms(const jose::JwkSet &keys)
{
    QList<crypto::Algorithm> algorithms;
    for (const jose::Jwk &jwk : keys.keys()) {
        for (crypto::Algorithm algorithm : crypto::jwa::all()) {
            if (!algorithms.contains(algorithm) && jwk.checkAlgorithm(algorithm))
                algorithms << algorithm;
        }
    }
    return algorithms;
}

} // namespace

JwtCommand::JwtCommand(const Clock &clock)
    : m_clock(clock)
{ }

int JwtCommand::run(const QStringList &arguments, Io &io)
{
    const QString sub = arguments.value(1);
    if (sub.isEmpty())
        return usageError(io, JWT_USAGE, QStringLiteral("'jwt' needs a subcommand"));
    if (sub == QLatin1String("-h") || sub == QLatin1String("--help")) {
        io.out << "Usage: portcullis-cli " << JWT_USAGE << "\n\n"
               << "  decode   Show a token's header and claims (nothing is verified).\n"
               << "  verify   Check a token's signature and claims against a key and a policy.\n"
               << "  sign     Make a token from claims and a private key or secret.\n"
               << "  keygen   Generate a key for an algorithm (PEM or JWK).\n"
               << "  lint     Review a token for security problems.\n"
               << "  diff     Compare two tokens' headers and claims.\n"
               << "  crack    Try a word list against an HS256/384/512 token's secret.\n\n"
               << "Run 'portcullis-cli jwt <subcommand> --help' for its options.\n";
        io.out.flush();
        return EXIT_OK;
    }
    using Handler = int (JwtCommand::*)(const QStringList &, Io &);
    const std::pair<const char *, Handler> handlers[] = {
        {"decode", &JwtCommand::decode}, {"verify", &JwtCommand::verify}, {"sign", &JwtCommand::sign},
        {"keygen", &JwtCommand::keygen}, {"lint", &JwtCommand::lint},     {"diff", &JwtCommand::diff},
        {"crack", &JwtCommand::crack},
    };
    for (const auto &[name, handler] : handlers) {
        if (sub == QLatin1String(name))
            return (this->*handler)(arguments, io);
    }
    return usageError(io, JWT_USAGE, QStringLiteral("unknown jwt subcommand '%1'").arg(sub));
}

int JwtCommand::decode(const QStringList &arguments, Io &io)
{
    QCommandLineParser parser;
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print one JSON object."));
    parser.addOption(json);
    parser.addPositionalArgument(QStringLiteral("token"),
                                 QStringLiteral("The token, or - to read it from standard input."));
    if (!parseArguments(parser, arguments, 2, io, DECODE_USAGE))
        return parser.isSet(QStringLiteral("help")) ? EXIT_OK : EXIT_USAGE;
    if (parser.positionalArguments().size() != 1)
        return usageError(io, DECODE_USAGE, QStringLiteral("expected exactly one token"));
    auto token = readTokenArgument(parser.positionalArguments().first());
    if (!token)
        return usageError(io, DECODE_USAGE, token.error().detail());
    auto jws = jose::CompactJws::parse(*token);
    if (!jws)
        return failure(io,
                       QStringLiteral("cannot decode the token: %1 [%2]").arg(jws.error().detail(), jws.error().id()));
    if (parser.isSet(json))
        io.out << jwtoutput::tokenJson(*jws, m_clock.unixSeconds()) << "\n";
    else
        jwtoutput::printToken(io.out, *jws, m_clock.unixSeconds(), QStringLiteral("not verified (use 'jwt verify')"));
    io.out.flush();
    return EXIT_OK;
}

int JwtCommand::verify(const QStringList &arguments, Io &io)
{
    QCommandLineParser parser;
    const QCommandLineOption key(QStringLiteral("key"), QStringLiteral("A PEM key or certificate, a JWK or a JWK Set."),
                                 QStringLiteral("FILE"));
    const QCommandLineOption jwks(QStringLiteral("jwks"), QStringLiteral("A JWK Set (or any key file)."),
                                  QStringLiteral("FILE"));
    const QCommandLineOption secretFile(QStringLiteral("secret-file"),
                                        QStringLiteral("An HMAC secret: the file's bytes, less one trailing newline."),
                                        QStringLiteral("FILE"));
    const QCommandLineOption alg(QStringLiteral("alg"),
                                 QStringLiteral("An allowed algorithm (repeatable; default: what the keys can serve)."),
                                 QStringLiteral("A"));
    const QCommandLineOption iss(QStringLiteral("iss"), QStringLiteral("The issuer the token must name."),
                                 QStringLiteral("S"));
    const QCommandLineOption aud(QStringLiteral("aud"), QStringLiteral("An audience the token must name."),
                                 QStringLiteral("S"));
    const QCommandLineOption typ(QStringLiteral("typ"), QStringLiteral("The \"typ\" header the token must have."),
                                 QStringLiteral("T"));
    const QCommandLineOption leeway(QStringLiteral("leeway"), QStringLiteral("Clock tolerance in seconds (default 0)."),
                                    QStringLiteral("SEC"));
    const QCommandLineOption now(QStringLiteral("now"), QStringLiteral("Check times as of this Unix time."),
                                 QStringLiteral("UNIX"));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print the verdict as one JSON object."));
    parser.addOptions({key, jwks, secretFile, alg, iss, aud, typ, leeway, now, json});
    parser.addPositionalArgument(QStringLiteral("token"),
                                 QStringLiteral("The token, or - to read it from standard input."));
    if (!parseArguments(parser, arguments, 2, io, VERIFY_USAGE))
        return parser.isSet(QStringLiteral("help")) ? EXIT_OK : EXIT_USAGE;
    if (parser.positionalArguments().size() != 1)
        return usageError(io, VERIFY_USAGE, QStringLiteral("expected exactly one token"));
    const int keySources = int(parser.isSet(key)) + int(parser.isSet(jwks)) + int(parser.isSet(secretFile));
    if (keySources != 1)
        return usageError(io, VERIFY_USAGE, QStringLiteral("give exactly one of --key, --jwks and --secret-file"));

    jose::VerificationPolicy policy;
    for (const QString &name : parser.values(alg)) {
        if (name.compare(QLatin1String("none"), Qt::CaseInsensitive) == 0)
            return usageError(io, VERIFY_USAGE,
                              QStringLiteral("--alg none can never be allowed: unsecured tokens prove nothing"));
        const auto algorithm = crypto::jwa::fromName(name.toUtf8());
        if (!algorithm)
            return usageError(io, VERIFY_USAGE,
                              QStringLiteral("unknown algorithm '%1' (HS256/384/512, RS256/384/512, "
                                             "PS256/384/512, ES256/384/512, EdDSA)")
                                  .arg(name));
        if (!policy.allowedAlgorithms.contains(*algorithm))
            policy.allowedAlgorithms << *algorithm;
    }
    if (parser.isSet(iss))
        policy.issuer = parser.value(iss);
    if (parser.isSet(aud))
        policy.audience = parser.value(aud);
    if (parser.isSet(typ))
        policy.type = parser.value(typ);
    if (parser.isSet(leeway)) {
        bool ok = false;
        const qint64 seconds = parser.value(leeway).toLongLong(&ok);
        if (!ok || seconds < 0 || seconds > MAX_LEEWAY_SECONDS)
            return usageError(io, VERIFY_USAGE,
                              QStringLiteral("--leeway takes whole seconds from 0 to %1").arg(MAX_LEEWAY_SECONDS));
        policy.leeway = std::chrono::seconds(seconds);
    }
    std::unique_ptr<FixedClock> fixed;
    if (parser.isSet(now)) {
        bool ok = false;
        const qint64 unix = parser.value(now).toLongLong(&ok);
        if (!ok || unix < 0 || unix > 253402300799)
            return usageError(io, VERIFY_USAGE, QStringLiteral("--now takes a Unix time in seconds"));
        fixed = std::make_unique<FixedClock>(unix);
    }
    const Clock &clock = fixed ? static_cast<const Clock &>(*fixed) : m_clock;

    auto token = readTokenArgument(parser.positionalArguments().first());
    if (!token)
        return usageError(io, VERIFY_USAGE, token.error().detail());

    Result<jose::JwkSet> keys = Error(CommonError::Internal, QString());
    if (parser.isSet(secretFile)) {
        auto secret = jose::KeyLoader::secretFromFile(parser.value(secretFile));
        keys = secret ? Result<jose::JwkSet>(jose::JwkSet({std::move(*secret)})) : Result<jose::JwkSet>(secret.error());
    } else {
        keys = jose::KeyLoader::fromFile(parser.value(parser.isSet(key) ? key : jwks));
    }
    if (!keys)
        return usageError(io, VERIFY_USAGE, keys.error().detail());
    for (const QString &note : keys->skipped())
        io.err << "portcullis-cli: note: " << note << "\n";
    if (policy.allowedAlgorithms.isEmpty())
        policy.allowedAlgorithms = defaultAlgorithms(*keys);

    const jose::Verifier verifier(policy, std::move(*keys), clock);
    auto verified = verifier.verify(*token);
    if (parser.isSet(json)) {
        jose::JsonWriter writer;
        writer.beginObject().key("valid").value(verified.has_value());
        if (verified) {
            writer.key("algorithm").value(QByteArrayView(crypto::jwa::name(verified->algorithm)));
            writer.key("kid").value(verified->keyId);
            writer.key("header").raw(verified->jws.header().root().rawText());
            writer.key("claims");
            if (verified->jws.claims())
                writer.raw(verified->jws.claims()->root().rawText());
            else
                writer.null();
        } else {
            writer.key("error").value(verified.error().id());
            writer.key("reason").value(verified.error().detail());
        }
        writer.endObject();
        io.out << writer.take() << "\n";
        io.out.flush();
    }
    if (!verified)
        return failure(io,
                       QStringLiteral("invalid token: %1 [%2]").arg(verified.error().detail(), verified.error().id()));
    if (!parser.isSet(json)) {
        io.out << "valid: " << crypto::jwa::name(verified->algorithm)
               << " signature by key kid=" << jwtoutput::displayValue(verified->keyId.toUtf8()) << "\n";
        jwtoutput::printToken(io.out, verified->jws, clock.unixSeconds(), QStringLiteral("verified"));
        io.out.flush();
    }
    return EXIT_OK;
}

} // namespace portcullis::cli
