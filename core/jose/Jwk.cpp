#include "jose/Jwk.h"

#include "common/Redaction.h"
#include "crypto/Base64Url.h"
#include "crypto/Digest.h"
#include "jose/JoseError.h"

namespace portcullis::jose {

using crypto::Algorithm;
using crypto::KeyComponents;
using crypto::KeyType;
using crypto::SecretBytes;

namespace {

Error invalid(const QString &detail)
{
    return Error(JoseError::InvalidKey, detail);
}

QString shown(QByteArrayView text)
{
    return redaction::escapeUntrusted(QString::fromUtf8(text), 40);
}

// Reads a base64url member; `required` members must be present.
Result<QByteArray> bytesMember(const JsonValue &object, const char *name, bool required)
{
    const auto value = object.member(name);
    if (!value) {
        if (required)
            return invalid(QStringLiteral("the JWK lacks \"%1\"").arg(QLatin1String(name)));
        return QByteArray();
    }
    if (!value->isString())
        return invalid(QStringLiteral("the JWK member \"%1\" must be a base64url string").arg(QLatin1String(name)));
    auto decoded = crypto::base64url::decode(value->toUtf8());
    if (!decoded)
        return invalid(QStringLiteral("the JWK member \"%1\": %2").arg(QLatin1String(name), decoded.error().detail()));
    if (required && decoded->isEmpty())
        return invalid(QStringLiteral("the JWK member \"%1\" is empty").arg(QLatin1String(name)));
    return decoded;
}

Result<SecretBytes> secretMember(const JsonValue &object, const char *name, bool required)
{
    auto bytes = bytesMember(object, name, required);
    if (!bytes)
        return bytes.error();
    SecretBytes secret(*bytes);
    bytes->fill('\0');
    return secret;
}

#define PCL_READ(target, reader, name, required)                                                                       \
    do {                                                                                                               \
        auto read = reader(object, name, required);                                                                    \
        if (!read)                                                                                                     \
            return read.error();                                                                                       \
        target = std::move(*read);                                                                                     \
    } while (false)

Result<KeyComponents> readComponents(const JsonValue &object, QByteArrayView kty)
{
    KeyComponents c;
    if (kty == "RSA") {
        c.type = KeyType::Rsa;
        PCL_READ(c.n, bytesMember, "n", true);
        PCL_READ(c.e, bytesMember, "e", true);
        PCL_READ(c.d, secretMember, "d", false);
        PCL_READ(c.p, secretMember, "p", false);
        PCL_READ(c.q, secretMember, "q", false);
        PCL_READ(c.dp, secretMember, "dp", false);
        PCL_READ(c.dq, secretMember, "dq", false);
        PCL_READ(c.qi, secretMember, "qi", false);
        if (object.member("oth"))
            return invalid(QStringLiteral("multi-prime RSA keys (\"oth\") are not supported"));
        return c;
    }
    if (kty == "EC" || kty == "OKP") {
        c.type = kty == "EC" ? KeyType::Ec : KeyType::Okp;
        const auto crv = object.member("crv");
        if (!crv || !crv->isString())
            return invalid(QStringLiteral("the %1 JWK lacks a \"crv\" string").arg(QString::fromLatin1(kty)));
        const auto curve = crypto::jwa::curveFromName(crv->toUtf8());
        const bool matches = curve && ((c.type == KeyType::Ec) == (*curve != crypto::Curve::Ed25519));
        if (!matches)
            return Error(
                JoseError::InvalidKey,
                QStringLiteral("unsupported %1 curve \"%2\" (supported: %3)")
                    .arg(QString::fromLatin1(kty), shown(crv->toUtf8()),
                         c.type == KeyType::Ec ? QStringLiteral("P-256, P-384, P-521") : QStringLiteral("Ed25519")));
        c.curve = *curve;
        PCL_READ(c.x, bytesMember, "x", true);
        if (c.type == KeyType::Ec)
            PCL_READ(c.y, bytesMember, "y", true);
        PCL_READ(c.d, secretMember, "d", false);
        return c;
    }
    if (kty == "oct") {
        c.type = KeyType::Oct;
        PCL_READ(c.k, secretMember, "k", true);
        return c;
    }
    return invalid(QStringLiteral("unsupported key type \"%1\" (kty must be RSA, EC, OKP or oct)").arg(shown(kty)));
}

#undef PCL_READ

void writeBytes(JsonWriter &writer, const char *name, QByteArrayView bytes)
{
    if (!bytes.isEmpty())
        writer.key(name).value(crypto::base64url::encode(bytes));
}

} // namespace

Jwk Jwk::fromKey(crypto::Key key, const QString &kid, std::optional<Algorithm> algorithm)
{
    Jwk jwk(std::move(key));
    jwk.m_algorithm = algorithm;
    jwk.m_explicitKid = !kid.isEmpty();
    jwk.m_kid = kid.isEmpty() ? QString::fromLatin1(jwk.thumbprint()) : kid;
    jwk.m_kidUtf8 = jwk.m_kid.toUtf8();
    return jwk;
}

Result<Jwk> Jwk::parse(QByteArrayView json)
{
    auto document = JsonDocument::parse(json);
    if (!document)
        return invalid(QStringLiteral("the JWK is not valid JSON: ") + document.error().detail());
    return fromJson(document->root());
}

Result<Jwk> Jwk::fromJson(const JsonValue &object)
{
    if (!object.isObject())
        return invalid(QStringLiteral("a JWK is a JSON object"));
    const auto kty = object.member("kty");
    if (!kty || !kty->isString())
        return invalid(QStringLiteral("the JWK lacks a \"kty\" string"));

    std::optional<Algorithm> algorithm;
    if (const auto alg = object.member("alg")) {
        if (!alg->isString())
            return invalid(QStringLiteral("the JWK member \"alg\" must be a string"));
        algorithm = crypto::jwa::fromName(alg->toUtf8());
        if (!algorithm)
            return invalid(QStringLiteral("the JWK is for algorithm \"%1\", which cannot sign JWS here")
                               .arg(shown(alg->toUtf8())));
    }
    QString use;
    if (const auto value = object.member("use")) {
        if (!value->isString())
            return invalid(QStringLiteral("the JWK member \"use\" must be a string"));
        use = value->toString();
    }
    QString kid;
    if (const auto value = object.member("kid")) {
        if (!value->isString())
            return invalid(QStringLiteral("the JWK member \"kid\" must be a string"));
        kid = value->toString();
    }

    auto components = readComponents(object, kty->toUtf8());
    if (!components)
        return components.error();
    auto key = crypto::Key::fromComponents(std::move(*components));
    if (!key)
        return Error(JoseError::InvalidKey, key.error().detail());
    if (algorithm) {
        if (auto fits = key->checkAlgorithm(*algorithm); !fits)
            return invalid(QStringLiteral("the JWK says \"alg\": \"%1\", but %2")
                               .arg(QLatin1String(crypto::jwa::name(*algorithm)), fits.error().detail()));
    }
    Jwk jwk = fromKey(std::move(*key), kid, algorithm);
    jwk.m_use = use;
    return jwk;
}

Result<void> Jwk::checkAlgorithm(Algorithm algorithm) const
{
    if (m_algorithm && *m_algorithm != algorithm)
        return Error(JoseError::NoSuitableKey,
                     QStringLiteral("key kid=%1 is restricted to %2 by its \"alg\", not %3")
                         .arg(shown(m_kid.toUtf8()), QLatin1String(crypto::jwa::name(*m_algorithm)),
                              QLatin1String(crypto::jwa::name(algorithm))));
    if (!m_use.isEmpty() && m_use != QLatin1String("sig"))
        return Error(JoseError::NoSuitableKey,
                     QStringLiteral("key kid=%1 is for \"%2\", not signatures")
                         .arg(shown(m_kid.toUtf8()), shown(m_use.toUtf8())));
    if (auto fits = m_key.checkAlgorithm(algorithm); !fits)
        return Error(JoseError::NoSuitableKey,
                     QStringLiteral("key kid=%1: %2").arg(shown(m_kid.toUtf8()), fits.error().detail()));
    return {};
}

QByteArray Jwk::toJson(bool includePrivate) const
{
    const KeyComponents c = m_key.components(includePrivate);
    JsonWriter writer;
    writer.beginObject();
    writer.key("kty").value(QByteArrayView(crypto::jwa::keyTypeName(c.type)));
    if (c.curve != crypto::Curve::None)
        writer.key("crv").value(QByteArrayView(crypto::jwa::curveName(c.curve)));
    writeBytes(writer, "x", c.x);
    writeBytes(writer, "y", c.y);
    writeBytes(writer, "n", c.n);
    writeBytes(writer, "e", c.e);
    writeBytes(writer, "d", c.d.view());
    writeBytes(writer, "p", c.p.view());
    writeBytes(writer, "q", c.q.view());
    writeBytes(writer, "dp", c.dp.view());
    writeBytes(writer, "dq", c.dq.view());
    writeBytes(writer, "qi", c.qi.view());
    writeBytes(writer, "k", c.k.view());
    writer.key("kid").value(m_kid);
    if (m_algorithm)
        writer.key("alg").value(QByteArrayView(crypto::jwa::name(*m_algorithm)));
    if (!m_use.isEmpty())
        writer.key("use").value(m_use);
    writer.endObject();
    return writer.take();
}

QByteArray Jwk::thumbprint() const
{
    // RFC 7638 §3.2: the required members only, in lexicographic order, no white space.
    const KeyComponents c = m_key.components(true);
    JsonWriter writer;
    writer.beginObject();
    switch (c.type) {
    case KeyType::Rsa:
        writer.key("e").value(crypto::base64url::encode(c.e));
        writer.key("kty").value(QByteArrayView("RSA"));
        writer.key("n").value(crypto::base64url::encode(c.n));
        break;
    case KeyType::Ec:
        writer.key("crv").value(QByteArrayView(crypto::jwa::curveName(c.curve)));
        writer.key("kty").value(QByteArrayView("EC"));
        writer.key("x").value(crypto::base64url::encode(c.x));
        writer.key("y").value(crypto::base64url::encode(c.y));
        break;
    case KeyType::Okp:
        writer.key("crv").value(QByteArrayView(crypto::jwa::curveName(c.curve)));
        writer.key("kty").value(QByteArrayView("OKP"));
        writer.key("x").value(crypto::base64url::encode(c.x));
        break;
    case KeyType::Oct:
        writer.key("k").value(crypto::base64url::encode(c.k.view()));
        writer.key("kty").value(QByteArrayView("oct"));
        break;
    }
    writer.endObject();
    return crypto::base64url::encode(crypto::sha256(writer.take()));
}

Result<JwkSet> JwkSet::parse(QByteArrayView json)
{
    auto document = JsonDocument::parse(json);
    if (!document)
        return invalid(QStringLiteral("the JWK Set is not valid JSON: ") + document.error().detail());
    const JsonValue root = document->root();
    const auto keys = root.isObject() ? root.member("keys") : std::nullopt;
    if (!keys || !keys->isArray())
        return invalid(QStringLiteral("a JWK Set is an object with a \"keys\" array"));
    JwkSet set;
    for (qsizetype i = 0; i < keys->size(); ++i) {
        const JsonValue entry = keys->element(i);
        auto jwk = Jwk::fromJson(entry);
        if (!jwk) {
            set.m_skipped << QStringLiteral("key %1 skipped: %2").arg(i).arg(jwk.error().detail());
            continue;
        }
        if (!jwk->use().isEmpty() && jwk->use() != QLatin1String("sig")) {
            set.m_skipped << QStringLiteral("key %1 (kid=%2) skipped: it is for \"%3\", not signatures")
                                 .arg(i)
                                 .arg(shown(jwk->kid().toUtf8()), shown(jwk->use().toUtf8()));
            continue;
        }
        set.m_keys.append(std::move(*jwk));
    }
    if (set.m_keys.isEmpty())
        return invalid(set.m_skipped.isEmpty() ? QStringLiteral("the JWK Set has no keys")
                                               : QStringLiteral("the JWK Set has no usable key: ")
                               + set.m_skipped.join(QStringLiteral("; ")));
    return set;
}

const Jwk *JwkSet::find(QByteArrayView kid) const
{
    for (const Jwk &jwk : m_keys) {
        if (jwk.kidUtf8() == kid)
            return &jwk;
    }
    return nullptr;
}

QByteArray JwkSet::toJson(bool includePrivate) const
{
    QByteArray json = "{\"keys\":[";
    for (qsizetype i = 0; i < m_keys.size(); ++i) {
        if (i)
            json += ',';
        json += m_keys.at(i).toJson(includePrivate);
    }
    json += "]}";
    return json;
}

} // namespace portcullis::jose
