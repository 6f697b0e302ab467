#include "crypto/Key.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "crypto/CryptoError.h"
#include "crypto/KeyData.h"
#include "crypto/Random.h"

namespace portcullis::crypto {

namespace {

constexpr int MIN_RSA_BITS = 2048;
constexpr int MAX_RSA_BITS = 16384;
constexpr std::size_t MIN_HMAC_BYTES = 32;
constexpr std::size_t MAX_HMAC_BYTES = 1024;

// OpenSSL accepts the JOSE curve names ("P-256") as group names; null for curves that are not EC.
const char *opensslGroupName(Curve curve)
{
    return curve == Curve::P256 || curve == Curve::P384 || curve == Curve::P521 ? jwa::curveName(curve) : nullptr;
}

std::optional<Curve> curveOfGroup(QByteArrayView group)
{
    if (group == "prime256v1" || group == "P-256" || group == "secp256r1")
        return Curve::P256;
    if (group == "secp384r1" || group == "P-384")
        return Curve::P384;
    if (group == "secp521r1" || group == "P-521")
        return Curve::P521;
    return std::nullopt;
}

QByteArray bignumBytes(const BIGNUM *bn, int padTo = 0)
{
    const int size = std::max(BN_num_bytes(bn), padTo);
    QByteArray out(size, Qt::Uninitialized);
    BN_bn2binpad(bn, reinterpret_cast<unsigned char *>(out.data()), size);
    return out;
}

QByteArray bignumParam(const EVP_PKEY *pkey, const char *name, int padTo = 0)
{
    BIGNUM *raw = nullptr;
    if (EVP_PKEY_get_bn_param(pkey, name, &raw) != 1)
        return {};
    BignumPtr bn(raw);
    return bignumBytes(bn.get(), padTo);
}

SecretBytes secretBignumParam(const EVP_PKEY *pkey, const char *name, int padTo = 0)
{
    BIGNUM *raw = nullptr;
    if (EVP_PKEY_get_bn_param(pkey, name, &raw) != 1)
        return {};
    const int size = std::max(BN_num_bytes(raw), padTo);
    SecretBytes out(static_cast<std::size_t>(size));
    BN_bn2binpad(raw, out.data(), size);
    BN_clear_free(raw);
    return out;
}

Result<std::shared_ptr<Key::Data>> describe(EvpPkeyPtr pkey)
{
    auto data = std::make_shared<Key::Data>();
    const int id = EVP_PKEY_get_base_id(pkey.get());
    data->bits = EVP_PKEY_get_bits(pkey.get());
    if (id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS) {
        data->type = KeyType::Rsa;
        if (data->bits < MIN_RSA_BITS)
            return Error(CryptoError::WeakKey,
                         QStringLiteral("the RSA key has %1 bits; Portcullis refuses RSA keys below %2 bits, which "
                                        "can be factored (RFC 7518 §3.3 requires 2048)")
                             .arg(data->bits)
                             .arg(MIN_RSA_BITS));
        if (data->bits > MAX_RSA_BITS)
            return Error(CryptoError::InvalidKey,
                         QStringLiteral("the RSA key has %1 bits; keys above %2 bits are refused (they make every "
                                        "verification needlessly slow)")
                             .arg(data->bits)
                             .arg(MAX_RSA_BITS));
    } else if (id == EVP_PKEY_EC) {
        data->type = KeyType::Ec;
        char group[64] = {};
        size_t length = 0;
        if (EVP_PKEY_get_utf8_string_param(pkey.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &length) != 1)
            return Error(CryptoError::InvalidKey, QStringLiteral("the EC key names no curve"));
        const auto curve = curveOfGroup(QByteArrayView(group, static_cast<qsizetype>(length)));
        if (!curve)
            return Error(CryptoError::UnsupportedAlgorithm,
                         QStringLiteral("the EC key is on curve %1; JWS uses only P-256, P-384 and P-521")
                             .arg(QString::fromLatin1(group)));
        data->curve = *curve;
    } else if (id == EVP_PKEY_ED25519) {
        data->type = KeyType::Okp;
        data->curve = Curve::Ed25519;
    } else {
        return Error(CryptoError::UnsupportedAlgorithm,
                     QStringLiteral("unsupported key type %1; JWS keys are RSA, EC (P-256/384/521) or Ed25519")
                         .arg(QString::fromLatin1(OBJ_nid2sn(id))));
    }

    // A private key has a private component; a public one does not.
    BIGNUM *probe = nullptr;
    unsigned char octets[64];
    size_t octetLength = 0;
    if (data->type == KeyType::Rsa)
        data->hasPrivate = EVP_PKEY_get_bn_param(pkey.get(), OSSL_PKEY_PARAM_RSA_D, &probe) == 1;
    else if (data->type == KeyType::Ec)
        data->hasPrivate = EVP_PKEY_get_bn_param(pkey.get(), OSSL_PKEY_PARAM_PRIV_KEY, &probe) == 1;
    else
        data->hasPrivate
            = EVP_PKEY_get_octet_string_param(pkey.get(), OSSL_PKEY_PARAM_PRIV_KEY, octets, sizeof octets, &octetLength)
            == 1;
    BN_clear_free(probe);
    OPENSSL_cleanse(octets, sizeof octets);

    // Reject points off the curve and inconsistent key pairs before the key is ever used.
    EvpPkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
    const int valid = data->hasPrivate && data->type != KeyType::Rsa ? EVP_PKEY_pairwise_check(check.get())
                                                                     : EVP_PKEY_public_check(check.get());
    if (valid != 1)
        return Error(CryptoError::InvalidKey,
                     QStringLiteral("the key fails OpenSSL's consistency check (%1)").arg(takeOpenSslErrors()));
    data->pkey = std::move(pkey);
    return data;
}

Result<EvpPkeyPtr> keyFromParams(const char *type, OSSL_PARAM_BLD *builder, bool isPrivate)
{
    ParamPtr params(OSSL_PARAM_BLD_to_param(builder));
    EvpPkeyCtxPtr context(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    EVP_PKEY *raw = nullptr;
    if (!params || !context || EVP_PKEY_fromdata_init(context.get()) != 1
        || EVP_PKEY_fromdata(context.get(), &raw, isPrivate ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params.get())
            != 1)
        return Error(CryptoError::InvalidKey,
                     QStringLiteral("OpenSSL rejected the key parameters (%1)").arg(takeOpenSslErrors()));
    return EvpPkeyPtr(raw);
}

bool pushBignum(OSSL_PARAM_BLD *builder, const char *name, QByteArrayView bytes, std::vector<BignumPtr> &keep)
{
    BignumPtr bn(
        BN_bin2bn(reinterpret_cast<const unsigned char *>(bytes.data()), static_cast<int>(bytes.size()), nullptr));
    if (!bn)
        return false;
    const bool ok = OSSL_PARAM_BLD_push_BN(builder, name, bn.get()) == 1;
    keep.push_back(std::move(bn));
    return ok;
}

Result<EvpPkeyPtr> rsaFromComponents(const KeyComponents &c)
{
    if (c.n.isEmpty() || c.e.isEmpty())
        return Error(CryptoError::InvalidKey, QStringLiteral("an RSA key needs both \"n\" and \"e\""));
    const bool hasPrivate = !c.d.isEmpty();
    const bool hasCrt = !c.p.isEmpty() || !c.q.isEmpty() || !c.dp.isEmpty() || !c.dq.isEmpty() || !c.qi.isEmpty();
    if (hasCrt && (c.p.isEmpty() || c.q.isEmpty() || c.dp.isEmpty() || c.dq.isEmpty() || c.qi.isEmpty()))
        return Error(
            CryptoError::InvalidKey,
            QStringLiteral("an RSA private key with any of \"p\", \"q\", \"dp\", \"dq\", \"qi\" needs all five "
                           "(RFC 7518 §6.3.2)"));
    if (hasCrt && !hasPrivate)
        return Error(CryptoError::InvalidKey, QStringLiteral("RSA prime factors without the private exponent \"d\""));
    ParamBldPtr builder(OSSL_PARAM_BLD_new());
    std::vector<BignumPtr> keep;
    bool ok = pushBignum(builder.get(), OSSL_PKEY_PARAM_RSA_N, c.n, keep)
        && pushBignum(builder.get(), OSSL_PKEY_PARAM_RSA_E, c.e, keep);
    if (hasPrivate)
        ok = ok && pushBignum(builder.get(), OSSL_PKEY_PARAM_RSA_D, c.d.view(), keep);
    if (hasCrt) {
        ok = ok && pushBignum(builder.get(), OSSL_PKEY_PARAM_RSA_FACTOR1, c.p.view(), keep)
            && pushBignum(builder.get(), OSSL_PKEY_PARAM_RSA_FACTOR2, c.q.view(), keep)
            && pushBignum(builder.get(), OSSL_PKEY_PARAM_RSA_EXPONENT1, c.dp.view(), keep)
            && pushBignum(builder.get(), OSSL_PKEY_PARAM_RSA_EXPONENT2, c.dq.view(), keep)
            && pushBignum(builder.get(), OSSL_PKEY_PARAM_RSA_COEFFICIENT1, c.qi.view(), keep);
    }
    if (!ok)
        return Error(CryptoError::InvalidKey, QStringLiteral("could not read the RSA key's numbers"));
    auto key = keyFromParams("RSA", builder.get(), hasPrivate);
    for (auto &bn : keep)
        BN_clear(bn.get());
    return key;
}

Result<EvpPkeyPtr> ecFromComponents(const KeyComponents &c)
{
    const char *group = opensslGroupName(c.curve);
    if (!group)
        return Error(CryptoError::UnsupportedAlgorithm, QStringLiteral("EC keys must be on P-256, P-384 or P-521"));
    const int size = jwa::curveCoordinateSize(c.curve);
    if (c.x.size() != size || c.y.size() != size)
        return Error(CryptoError::InvalidKey,
                     QStringLiteral("the %1 coordinates \"x\" and \"y\" must be %2 bytes each (got %3 and %4)")
                         .arg(QString::fromLatin1(jwa::curveName(c.curve)))
                         .arg(size)
                         .arg(c.x.size())
                         .arg(c.y.size()));
    if (!c.d.isEmpty() && c.d.size() != static_cast<std::size_t>(size))
        return Error(CryptoError::InvalidKey,
                     QStringLiteral("the %1 private key \"d\" must be %2 bytes (got %3)")
                         .arg(QString::fromLatin1(jwa::curveName(c.curve)))
                         .arg(size)
                         .arg(c.d.size()));
    const QByteArray point = QByteArray(1, '\x04') + c.x + c.y;
    ParamBldPtr builder(OSSL_PARAM_BLD_new());
    std::vector<BignumPtr> keep;
    bool ok = OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) == 1
        && OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.constData(),
                                            static_cast<size_t>(point.size()))
            == 1;
    if (!c.d.isEmpty())
        ok = ok && pushBignum(builder.get(), OSSL_PKEY_PARAM_PRIV_KEY, c.d.view(), keep);
    if (!ok)
        return Error(CryptoError::InvalidKey, QStringLiteral("could not read the EC key's numbers"));
    auto key = keyFromParams("EC", builder.get(), !c.d.isEmpty());
    for (auto &bn : keep)
        BN_clear(bn.get());
    return key;
}

Result<EvpPkeyPtr> okpFromComponents(const KeyComponents &c)
{
    if (c.curve != Curve::Ed25519)
        return Error(CryptoError::UnsupportedAlgorithm,
                     QStringLiteral("OKP keys must be Ed25519 (X25519 and Ed448 cannot sign JWS here)"));
    if (c.x.size() != 32 || (!c.d.isEmpty() && c.d.size() != 32))
        return Error(CryptoError::InvalidKey,
                     QStringLiteral("an Ed25519 key's \"x\" and \"d\" are 32 bytes each (got %1 and %2)")
                         .arg(c.x.size())
                         .arg(c.d.size()));
    ParamBldPtr builder(OSSL_PARAM_BLD_new());
    bool ok = OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, c.x.constData(), 32) == 1;
    if (!c.d.isEmpty())
        ok = ok && OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PRIV_KEY, c.d.data(), 32) == 1;
    if (!ok)
        return Error(CryptoError::InvalidKey, QStringLiteral("could not read the Ed25519 key"));
    return keyFromParams("ED25519", builder.get(), !c.d.isEmpty());
}

} // namespace

Key::Key(std::shared_ptr<Data> data)
    : m_data(std::move(data))
{ }

Result<Key> Key::fromEvpKey(evp_pkey_st *key)
{
    if (!key)
        return Error(CryptoError::InvalidKey, QStringLiteral("no key"));
    auto data = describe(EvpPkeyPtr(key));
    if (!data)
        return data.error();
    return Key(std::move(*data));
}

Result<Key> Key::generateRsa(int bits)
{
    if (bits != 2048 && bits != 3072 && bits != 4096)
        return Error(CryptoError::WeakKey,
                     QStringLiteral("RSA keys are generated with 2048, 3072 or 4096 bits (not %1)").arg(bits));
    return fromEvpKey(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits)));
}

Result<Key> Key::generateEc(Curve curve)
{
    const char *group = opensslGroupName(curve);
    if (!group)
        return Error(CryptoError::UnsupportedAlgorithm,
                     QStringLiteral("EC keys are generated on P-256, P-384 or P-521"));
    return fromEvpKey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", group));
}

Result<Key> Key::generateEd25519()
{
    return fromEvpKey(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
}

Result<Key> Key::generateHmac(std::size_t bytes)
{
    auto secret = random::secret(bytes);
    if (!secret)
        return secret.error();
    return fromHmacSecret(std::move(*secret));
}

Result<Key> Key::generateFor(Algorithm algorithm)
{
    switch (jwa::keyType(algorithm)) {
    case KeyType::Rsa:
        return generateRsa(2048);
    case KeyType::Ec:
        return generateEc(jwa::curve(algorithm));
    case KeyType::Okp:
        return generateEd25519();
    case KeyType::Oct:
        break;
    }
    return generateHmac(static_cast<std::size_t>(digestSize(jwa::digest(algorithm))));
}

Result<Key> Key::fromHmacSecret(SecretBytes secret)
{
    if (secret.size() < MIN_HMAC_BYTES)
        return Error(CryptoError::WeakKey,
                     QStringLiteral("the HMAC secret is %1 bytes; HS256 needs at least 32 bytes, HS384 48 and HS512 64 "
                                    "(RFC 7518 §3.2: no shorter than the hash output)")
                         .arg(secret.size()));
    if (secret.size() > MAX_HMAC_BYTES)
        return Error(CryptoError::InvalidKey,
                     QStringLiteral("the HMAC secret is %1 bytes; secrets above %2 bytes are refused")
                         .arg(secret.size())
                         .arg(MAX_HMAC_BYTES));
    auto data = std::make_shared<Data>();
    data->type = KeyType::Oct;
    data->bits = static_cast<int>(secret.size() * 8);
    data->hasPrivate = true;
    for (DigestAlgorithm digest : {DigestAlgorithm::Sha256, DigestAlgorithm::Sha384, DigestAlgorithm::Sha512}) {
        if (secret.size() < static_cast<std::size_t>(digestSize(digest)))
            continue;
        auto hmac = HmacKey::create(digest, secret.clone());
        if (!hmac)
            return hmac.error();
        data->hmac[static_cast<int>(digest)].emplace(std::move(*hmac));
    }
    return Key(std::move(data));
}

Result<Key> Key::fromComponents(KeyComponents components)
{
    Result<EvpPkeyPtr> pkey = Error(CryptoError::Internal, QString());
    switch (components.type) {
    case KeyType::Oct:
        return fromHmacSecret(std::move(components.k));
    case KeyType::Rsa:
        pkey = rsaFromComponents(components);
        break;
    case KeyType::Ec:
        pkey = ecFromComponents(components);
        break;
    case KeyType::Okp:
        pkey = okpFromComponents(components);
        break;
    }
    if (!pkey)
        return pkey.error();
    return fromEvpKey(std::move(*pkey).release());
}

KeyComponents Key::components(bool includePrivate) const
{
    const Data &d = *m_data;
    KeyComponents c;
    c.type = d.type;
    c.curve = d.curve;
    const bool priv = includePrivate && d.hasPrivate;
    switch (d.type) {
    case KeyType::Oct:
        if (priv) {
            for (const auto &hmac : d.hmac) {
                if (hmac) {
                    c.k = hmac->key().clone();
                    break;
                }
            }
        }
        break;
    case KeyType::Rsa:
        c.n = bignumParam(d.pkey.get(), OSSL_PKEY_PARAM_RSA_N);
        c.e = bignumParam(d.pkey.get(), OSSL_PKEY_PARAM_RSA_E);
        if (priv) {
            c.d = secretBignumParam(d.pkey.get(), OSSL_PKEY_PARAM_RSA_D);
            c.p = secretBignumParam(d.pkey.get(), OSSL_PKEY_PARAM_RSA_FACTOR1);
            c.q = secretBignumParam(d.pkey.get(), OSSL_PKEY_PARAM_RSA_FACTOR2);
            c.dp = secretBignumParam(d.pkey.get(), OSSL_PKEY_PARAM_RSA_EXPONENT1);
            c.dq = secretBignumParam(d.pkey.get(), OSSL_PKEY_PARAM_RSA_EXPONENT2);
            c.qi = secretBignumParam(d.pkey.get(), OSSL_PKEY_PARAM_RSA_COEFFICIENT1);
        }
        break;
    case KeyType::Ec: {
        const int size = jwa::curveCoordinateSize(d.curve);
        c.x = bignumParam(d.pkey.get(), OSSL_PKEY_PARAM_EC_PUB_X, size);
        c.y = bignumParam(d.pkey.get(), OSSL_PKEY_PARAM_EC_PUB_Y, size);
        if (priv)
            c.d = secretBignumParam(d.pkey.get(), OSSL_PKEY_PARAM_PRIV_KEY, size);
        break;
    }
    case KeyType::Okp: {
        unsigned char buffer[32];
        size_t length = 0;
        if (EVP_PKEY_get_octet_string_param(d.pkey.get(), OSSL_PKEY_PARAM_PUB_KEY, buffer, sizeof buffer, &length) == 1)
            c.x = QByteArray(reinterpret_cast<const char *>(buffer), static_cast<qsizetype>(length));
        if (priv
            && EVP_PKEY_get_octet_string_param(d.pkey.get(), OSSL_PKEY_PARAM_PRIV_KEY, buffer, sizeof buffer, &length)
                == 1)
            c.d = SecretBytes(QByteArrayView(buffer, static_cast<qsizetype>(length)));
        OPENSSL_cleanse(buffer, sizeof buffer);
        break;
    }
    }
    return c;
}

Key Key::publicKey() const
{
    if (!m_data->hasPrivate || m_data->type == KeyType::Oct)
        return *this;
    auto key = fromComponents(components(false));
    Q_ASSERT(key.has_value());
    return std::move(key).value();
}

KeyType Key::type() const
{
    return m_data->type;
}

Curve Key::curve() const
{
    return m_data->curve;
}

int Key::bits() const
{
    return m_data->bits;
}

bool Key::hasPrivateKey() const
{
    return m_data->hasPrivate;
}

const evp_pkey_st *Key::evpKey() const
{
    return m_data->pkey.get();
}

QString Key::description() const
{
    const QString kind = m_data->hasPrivate ? QStringLiteral("private key") : QStringLiteral("public key");
    switch (m_data->type) {
    case KeyType::Rsa:
        return QStringLiteral("RSA %1-bit %2").arg(m_data->bits).arg(kind);
    case KeyType::Ec:
        return QStringLiteral("EC %1 %2").arg(QString::fromLatin1(jwa::curveName(m_data->curve)), kind);
    case KeyType::Okp:
        return QStringLiteral("Ed25519 %1").arg(kind);
    case KeyType::Oct:
        break;
    }
    return QStringLiteral("HMAC secret (%1 bytes)").arg(m_data->bits / 8);
}

QList<Algorithm> Key::algorithms() const
{
    QList<Algorithm> list;
    for (Algorithm algorithm : jwa::all()) {
        if (checkAlgorithm(algorithm))
            list << algorithm;
    }
    return list;
}

Result<void> Key::checkAlgorithm(Algorithm algorithm) const
{
    const auto algorithmName = [algorithm] { return QString::fromLatin1(jwa::name(algorithm)); };
    const KeyType wanted = jwa::keyType(algorithm);
    if (wanted != m_data->type) {
        QString hint;
        if (wanted == KeyType::Oct && m_data->type != KeyType::Oct)
            hint = QStringLiteral(" (accepting it would let anyone holding the public key forge tokens)");
        return Error(CryptoError::KeyAlgorithmMismatch,
                     QStringLiteral("%1 is not allowed for an %2 key%3")
                         .arg(algorithmName(), QString::fromLatin1(jwa::keyTypeName(m_data->type)), hint));
    }
    if (wanted == KeyType::Ec && jwa::curve(algorithm) != m_data->curve)
        return Error(CryptoError::KeyAlgorithmMismatch,
                     QStringLiteral("%1 requires a %2 key, not %3")
                         .arg(algorithmName(), QString::fromLatin1(jwa::curveName(jwa::curve(algorithm))),
                              QString::fromLatin1(jwa::curveName(m_data->curve))));
    if (wanted == KeyType::Oct && !m_data->hmac[static_cast<int>(jwa::digest(algorithm))])
        return Error(CryptoError::WeakKey,
                     QStringLiteral("%1 needs an HMAC secret of at least %2 bytes; this one has %3")
                         .arg(algorithmName())
                         .arg(digestSize(jwa::digest(algorithm)))
                         .arg(m_data->bits / 8));
    return {};
}

} // namespace portcullis::crypto
