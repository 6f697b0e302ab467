// `portcullis-cli jwt sign` and `jwt keygen`.

#include <QFile>

#include "CliSupport.h"
#include "JwtCommand.h"
#include "crypto/Jwa.h"
#include "crypto/Key.h"
#include "jose/KeyLoader.h"
#include "jose/Signer.h"

namespace portcullis::cli {

namespace {

const QString SIGN_USAGE = QStringLiteral(
    "jwt sign (--key FILE | --secret-file FILE) --alg A (--claims JSON | --claims-file FILE) [--kid K] [--typ T]");
const QString KEYGEN_USAGE = QStringLiteral("jwt keygen --alg A [--bits N] [--out FILE] [--jwk]");
constexpr qint64 MAX_CLAIMS_BYTES = 64 * 1024;

Result<crypto::Algorithm> algorithmArgument(const QString &name)
{
    if (name.compare(QLatin1String("none"), Qt::CaseInsensitive) == 0)
        return Error(CommonError::InvalidArgument,
                     QStringLiteral("'none' makes unsecured tokens; Portcullis does not"));
    const auto algorithm = crypto::jwa::fromName(name.toUtf8());
    if (!algorithm)
        return Error(CommonError::InvalidArgument,
                     QStringLiteral("unknown algorithm '%1' (HS256/384/512, RS256/384/512, PS256/384/512, "
                                    "ES256/384/512, EdDSA)")
                         .arg(name));
    return *algorithm;
}

} // namespace

int JwtCommand::sign(const QStringList &arguments, Io &io)
{
    QCommandLineParser parser;
    const QCommandLineOption key(QStringLiteral("key"),
                                 QStringLiteral("A private key: PEM or JWK (an \"oct\" JWK for HS*)."),
                                 QStringLiteral("FILE"));
    const QCommandLineOption secretFile(QStringLiteral("secret-file"), QStringLiteral("An HMAC secret file (HS*)."),
                                        QStringLiteral("FILE"));
    const QCommandLineOption alg(QStringLiteral("alg"), QStringLiteral("The signing algorithm."), QStringLiteral("A"));
    const QCommandLineOption claims(QStringLiteral("claims"), QStringLiteral("The claims, a JSON object."),
                                    QStringLiteral("JSON"));
    const QCommandLineOption claimsFile(QStringLiteral("claims-file"), QStringLiteral("A file holding the claims."),
                                        QStringLiteral("FILE"));
    const QCommandLineOption kid(QStringLiteral("kid"),
                                 QStringLiteral("The \"kid\" header (default: the JWK's kid or the key's thumbprint)."),
                                 QStringLiteral("K"));
    const QCommandLineOption typ(QStringLiteral("typ"), QStringLiteral("The \"typ\" header (default JWT)."),
                                 QStringLiteral("T"));
    parser.addOptions({key, secretFile, alg, claims, claimsFile, kid, typ});
    if (!parseArguments(parser, arguments, 2, io, SIGN_USAGE))
        return parser.isSet(QStringLiteral("help")) ? EXIT_OK : EXIT_USAGE;
    if (!parser.positionalArguments().isEmpty())
        return usageError(io, SIGN_USAGE,
                          QStringLiteral("unexpected argument '%1'").arg(parser.positionalArguments().first()));
    if (parser.isSet(key) == parser.isSet(secretFile))
        return usageError(io, SIGN_USAGE, QStringLiteral("give exactly one of --key and --secret-file"));
    if (parser.isSet(claims) == parser.isSet(claimsFile))
        return usageError(io, SIGN_USAGE, QStringLiteral("give exactly one of --claims and --claims-file"));
    if (!parser.isSet(alg))
        return usageError(io, SIGN_USAGE, QStringLiteral("--alg is required"));
    auto algorithm = algorithmArgument(parser.value(alg));
    if (!algorithm)
        return usageError(io, SIGN_USAGE, algorithm.error().detail());

    QByteArray payload;
    if (parser.isSet(claims)) {
        payload = parser.value(claims).toUtf8();
    } else {
        auto content = readFileArgument(parser.value(claimsFile), MAX_CLAIMS_BYTES);
        if (!content)
            return usageError(io, SIGN_USAGE, content.error().detail());
        payload = *content;
    }
    payload = payload.trimmed();
    auto parsedClaims = jose::JsonDocument::parse(payload);
    if (!parsedClaims)
        return usageError(io, SIGN_USAGE,
                          QStringLiteral("the claims are not valid JSON: %1").arg(parsedClaims.error().detail()));
    if (!parsedClaims->root().isObject())
        return usageError(io, SIGN_USAGE, QStringLiteral("the claims must be a JSON object"));

    Result<jose::Jwk> signingKey = Error(CommonError::Internal, QString());
    if (parser.isSet(secretFile)) {
        signingKey = jose::KeyLoader::secretFromFile(parser.value(secretFile));
    } else {
        auto set = jose::KeyLoader::fromFile(parser.value(key));
        if (!set)
            return usageError(io, SIGN_USAGE, set.error().detail());
        if (set->keys().size() != 1)
            return usageError(io, SIGN_USAGE,
                              QStringLiteral("--key must hold exactly one key (it holds %1)").arg(set->keys().size()));
        signingKey = set->keys().first();
    }
    if (!signingKey)
        return usageError(io, SIGN_USAGE, signingKey.error().detail());
    if (parser.isSet(kid))
        signingKey = jose::Jwk::fromKey(signingKey->key(), parser.value(kid), signingKey->algorithm());

    jose::HeaderOptions header;
    if (parser.isSet(typ))
        header.type = parser.value(typ);
    auto token = jose::Signer::sign(*signingKey, *algorithm, payload, header);
    if (!token)
        return failure(io, QStringLiteral("cannot sign: %1").arg(token.error().detail()));
    io.out << *token << "\n";
    io.out.flush();
    return EXIT_OK;
}

int JwtCommand::keygen(const QStringList &arguments, Io &io)
{
    QCommandLineParser parser;
    const QCommandLineOption alg(QStringLiteral("alg"), QStringLiteral("The algorithm the key is for."),
                                 QStringLiteral("A"));
    const QCommandLineOption bits(QStringLiteral("bits"), QStringLiteral("RSA modulus size: 2048, 3072 or 4096."),
                                  QStringLiteral("N"));
    const QCommandLineOption out(QStringLiteral("out"),
                                 QStringLiteral("Write the private key to FILE (mode 0600) and print the public key."),
                                 QStringLiteral("FILE"));
    const QCommandLineOption jwk(QStringLiteral("jwk"), QStringLiteral("Write JWK instead of PEM (always for HS*)."));
    parser.addOptions({alg, bits, out, jwk});
    if (!parseArguments(parser, arguments, 2, io, KEYGEN_USAGE))
        return parser.isSet(QStringLiteral("help")) ? EXIT_OK : EXIT_USAGE;
    if (!parser.positionalArguments().isEmpty())
        return usageError(io, KEYGEN_USAGE,
                          QStringLiteral("unexpected argument '%1'").arg(parser.positionalArguments().first()));
    if (!parser.isSet(alg))
        return usageError(io, KEYGEN_USAGE, QStringLiteral("--alg is required"));
    auto algorithm = algorithmArgument(parser.value(alg));
    if (!algorithm)
        return usageError(io, KEYGEN_USAGE, algorithm.error().detail());

    Result<crypto::Key> key = Error(CommonError::Internal, QString());
    if (parser.isSet(bits)) {
        if (crypto::jwa::keyType(*algorithm) != crypto::KeyType::Rsa)
            return usageError(io, KEYGEN_USAGE, QStringLiteral("--bits applies to RSA keys (RS*/PS*) only"));
        key = crypto::Key::generateRsa(parser.value(bits).toInt());
        if (!key)
            return usageError(io, KEYGEN_USAGE, key.error().detail());
    } else {
        key = crypto::Key::generateFor(*algorithm);
    }
    if (!key)
        return failure(io, QStringLiteral("cannot generate the key: %1").arg(key.error().detail()));

    const jose::Jwk generated = jose::Jwk::fromKey(std::move(*key), QString(), *algorithm);
    const bool asJwk = parser.isSet(jwk) || crypto::jwa::isHmac(*algorithm);
    auto encode = [&](bool includePrivate) -> Result<QByteArray> {
        if (asJwk)
            return generated.toJson(includePrivate) + '\n';
        return generated.key().toPem(includePrivate);
    };
    auto privateText = encode(true);
    if (!privateText)
        return failure(io, privateText.error().detail());

    if (parser.isSet(out)) {
        if (auto written = writePrivateFile(parser.value(out), *privateText, false); !written)
            return failure(io, written.error().detail());
        privateText->fill('\0');
        io.err << "portcullis-cli: private key written to " << parser.value(out) << " (mode 0600), kid "
               << generated.kid() << "\n";
        if (!generated.key().isSymmetric()) {
            auto publicText = encode(false);
            if (!publicText)
                return failure(io, publicText.error().detail());
            io.out << *publicText;
        }
    } else {
        io.err << "portcullis-cli: this is a private key (kid " << generated.kid() << "); keep it out of logs and "
               << "repositories\n";
        io.out << *privateText;
        privateText->fill('\0');
    }
    io.out.flush();
    io.err.flush();
    return EXIT_OK;
}

} // namespace portcullis::cli
