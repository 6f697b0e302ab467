#pragma once

#include <optional>

#include <QByteArray>
#include <QList>
#include <QString>

#include "common/Result.h"
#include "crypto/Key.h"
#include "jose/Json.h"

namespace portcullis::jose {

// A JSON Web Key (RFC 7517): a crypto::Key with its JOSE metadata. When the JWK names an "alg", the key serves
// that algorithm only. A JWK without "kid" gets its RFC 7638 thumbprint as kid.
class Jwk
{
public:
    [[nodiscard]] static Result<Jwk> fromJson(const JsonValue &object);
    [[nodiscard]] static Result<Jwk> parse(QByteArrayView json);
    // Wraps a key; kid defaults to the thumbprint.
    [[nodiscard]] static Jwk fromKey(crypto::Key key, const QString &kid = {},
                                     std::optional<crypto::Algorithm> algorithm = std::nullopt);

    [[nodiscard]] const crypto::Key &key() const { return m_key; }
    [[nodiscard]] const QString &kid() const { return m_kid; }
    [[nodiscard]] const QByteArray &kidUtf8() const { return m_kidUtf8; }
    [[nodiscard]] bool hasExplicitKid() const { return m_explicitKid; }
    [[nodiscard]] std::optional<crypto::Algorithm> algorithm() const { return m_algorithm; }
    [[nodiscard]] const QString &use() const { return m_use; }

    // Why this JWK cannot serve `algorithm` (its key type, or its own "alg" / "use"), or success.
    [[nodiscard]] Result<void> checkAlgorithm(crypto::Algorithm algorithm) const;

    // The JWK as compact JSON, members in conventional order. Private members only when asked and present.
    [[nodiscard]] QByteArray toJson(bool includePrivate) const;
    // RFC 7638 SHA-256 thumbprint, base64url.
    [[nodiscard]] QByteArray thumbprint() const;

private:
    Jwk(crypto::Key key)
        : m_key(std::move(key))
    { }

    crypto::Key m_key;
    QString m_kid;
    QByteArray m_kidUtf8;
    bool m_explicitKid = false;
    std::optional<crypto::Algorithm> m_algorithm;
    QString m_use;
};

// A JWK Set (RFC 7517 §5). Keys of unknown types, encryption keys and unusable keys are skipped, with a note of
// why, as the RFC asks; a set in which nothing is usable is an error.
class JwkSet
{
public:
    JwkSet() = default;
    explicit JwkSet(QList<Jwk> keys)
        : m_keys(std::move(keys))
    { }

    [[nodiscard]] static Result<JwkSet> parse(QByteArrayView json);

    [[nodiscard]] const QList<Jwk> &keys() const { return m_keys; }
    [[nodiscard]] const QStringList &skipped() const { return m_skipped; }
    [[nodiscard]] bool isEmpty() const { return m_keys.isEmpty(); }
    [[nodiscard]] const Jwk *find(QByteArrayView kid) const;
    void add(Jwk key) { m_keys.append(std::move(key)); }

    [[nodiscard]] QByteArray toJson(bool includePrivate) const;

private:
    QList<Jwk> m_keys;
    QStringList m_skipped;
};

} // namespace portcullis::jose
