// Key::sign and Key::verify: the JWA signature algorithms over OpenSSL, with prepared contexts reused from
// per-key pools so that each signature costs the signature and nothing else.

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include "crypto/CryptoError.h"
#include "crypto/KeyData.h"

namespace portcullis::crypto {

namespace {

// Prepares a context for sign (or verify) over a digest: RSA PKCS#1 v1.5, RSA-PSS, or ECDSA.
EvpPkeyCtxPtr preparePkeyContext(EVP_PKEY *pkey, Algorithm algorithm, bool sign)
{
    EvpPkeyCtxPtr context(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
    if (!context)
        return {};
    if ((sign ? EVP_PKEY_sign_init(context.get()) : EVP_PKEY_verify_init(context.get())) != 1)
        return {};
    const auto *md = evpDigest(jwa::digest(algorithm));
    if (EVP_PKEY_CTX_set_signature_md(context.get(), md) != 1)
        return {};
    if (jwa::keyType(algorithm) == KeyType::Rsa) {
        const bool pss
            = algorithm == Algorithm::PS256 || algorithm == Algorithm::PS384 || algorithm == Algorithm::PS512;
        if (EVP_PKEY_CTX_set_rsa_padding(context.get(), pss ? RSA_PKCS1_PSS_PADDING : RSA_PKCS1_PADDING) != 1)
            return {};
        // RFC 7518 §3.5: MGF1 with the same hash, salt as long as the hash output.
        if (pss
            && (EVP_PKEY_CTX_set_rsa_mgf1_md(context.get(), md) != 1
                || EVP_PKEY_CTX_set_rsa_pss_saltlen(context.get(), RSA_PSS_SALTLEN_DIGEST) != 1))
            return {};
    }
    return context;
}

EvpPkeyCtxPtr takePkeyContext(Key::Data &data, Algorithm algorithm, bool sign)
{
    if (EVP_PKEY_CTX *context = data.pool(algorithm, sign).pkeyContexts.take())
        return EvpPkeyCtxPtr(context);
    return preparePkeyContext(data.pkey.get(), algorithm, sign);
}

void returnPkeyContext(Key::Data &data, Algorithm algorithm, bool sign, EvpPkeyCtxPtr context)
{
    data.pool(algorithm, sign).pkeyContexts.give(context.release());
}

// Ed25519 cannot sign a digest: each operation copies a context initialised once for this key.
EvpMdCtxPtr takeEdContext(Key::Data &data, bool sign)
{
    EvpMdCtxPtr &prepared = data.eddsaTemplates[sign ? 1 : 0];
    std::call_once(data.eddsaTemplatesReady[sign ? 1 : 0], [&] {
        EvpMdCtxPtr context(EVP_MD_CTX_new());
        const bool ok = context
            && (sign ? EVP_DigestSignInit(context.get(), nullptr, nullptr, nullptr, data.pkey.get())
                     : EVP_DigestVerifyInit(context.get(), nullptr, nullptr, nullptr, data.pkey.get()))
                == 1;
        if (ok)
            prepared = std::move(context);
    });
    if (!prepared)
        return {};
    EvpMdCtxPtr context(data.pool(Algorithm::EdDSA, sign).mdContexts.take());
    if (!context)
        context.reset(EVP_MD_CTX_new());
    if (!context || EVP_MD_CTX_copy_ex(context.get(), prepared.get()) != 1)
        return {};
    return context;
}

void returnEdContext(Key::Data &data, bool sign, EvpMdCtxPtr context)
{
    data.pool(Algorithm::EdDSA, sign).mdContexts.give(context.release());
}

Error internalError(const char *what)
{
    return Error(CryptoError::Internal,
                 QStringLiteral("OpenSSL failed to %1 (%2)").arg(QLatin1String(what), takeOpenSslErrors()));
}

// JWS carries ECDSA signatures as fixed-size R‖S (RFC 7518 §3.4); OpenSSL speaks DER.
Result<QByteArray> ecdsaDerToRaw(const unsigned char *der, size_t length, int coordinateSize)
{
    const unsigned char *cursor = der;
    EcdsaSigPtr signature(d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(length)));
    if (!signature)
        return internalError("decode an ECDSA signature");
    QByteArray raw(2 * coordinateSize, Qt::Uninitialized);
    auto *out = reinterpret_cast<unsigned char *>(raw.data());
    if (BN_bn2binpad(ECDSA_SIG_get0_r(signature.get()), out, coordinateSize) != coordinateSize
        || BN_bn2binpad(ECDSA_SIG_get0_s(signature.get()), out + coordinateSize, coordinateSize) != coordinateSize)
        return internalError("encode an ECDSA signature");
    return raw;
}

Result<QByteArray> ecdsaRawToDer(QByteArrayView raw, Algorithm algorithm)
{
    const int expected = jwa::ecdsaSignatureSize(algorithm);
    if (raw.size() != expected)
        return Error(CryptoError::InvalidSignature,
                     QStringLiteral("an %1 signature is %2 bytes (R and S of %3 bytes each); this one has %4 bytes")
                         .arg(QLatin1String(jwa::name(algorithm)))
                         .arg(expected)
                         .arg(expected / 2)
                         .arg(raw.size()));
    const auto *bytes = reinterpret_cast<const unsigned char *>(raw.data());
    const int half = expected / 2;
    BignumPtr r(BN_bin2bn(bytes, half, nullptr));
    BignumPtr s(BN_bin2bn(bytes + half, half, nullptr));
    if (!r || !s)
        return internalError("read an ECDSA signature");
    if (BN_is_zero(r.get()) || BN_is_zero(s.get()))
        return Error(CryptoError::InvalidSignature,
                     QStringLiteral("the ECDSA signature has R or S equal to zero, which is never valid (the "
                                    "\"psychic signature\" forgery, CVE-2022-21449)"));
    EcdsaSigPtr signature(ECDSA_SIG_new());
    if (!signature || ECDSA_SIG_set0(signature.get(), r.get(), s.get()) != 1)
        return internalError("build an ECDSA signature");
    r.release();
    s.release();
    unsigned char *der = nullptr;
    const int length = i2d_ECDSA_SIG(signature.get(), &der);
    if (length <= 0)
        return internalError("encode an ECDSA signature");
    QByteArray out(reinterpret_cast<const char *>(der), length);
    OPENSSL_free(der);
    return out;
}

Error mismatch()
{
    return Error(CryptoError::SignatureMismatch, QStringLiteral("the signature does not match the key"));
}

} // namespace

Result<QByteArray> Key::sign(Algorithm algorithm, QByteArrayView input) const
{
    if (auto usable = checkAlgorithm(algorithm); !usable)
        return usable.error();
    Data &data = *m_data;
    if (!data.hasPrivate)
        return Error(CryptoError::MissingPrivateKey,
                     QStringLiteral("signing needs a private key; this is a %1").arg(description()));

    if (jwa::isHmac(algorithm))
        return data.hmac[static_cast<int>(jwa::digest(algorithm))]->mac(input);

    if (algorithm == Algorithm::EdDSA) {
        EvpMdCtxPtr context = takeEdContext(data, true);
        size_t length = 64;
        QByteArray signature(64, Qt::Uninitialized);
        if (!context
            || EVP_DigestSign(context.get(), reinterpret_cast<unsigned char *>(signature.data()), &length,
                              reinterpret_cast<const unsigned char *>(input.data()), static_cast<size_t>(input.size()))
                != 1
            || length != 64)
            return internalError("sign with Ed25519");
        returnEdContext(data, true, std::move(context));
        return signature;
    }

    unsigned char hash[64];
    const auto hashLength = static_cast<size_t>(digestSize(jwa::digest(algorithm)));
    if (!digestInto(jwa::digest(algorithm), input, hash))
        return internalError("hash the signing input");
    EvpPkeyCtxPtr context = takePkeyContext(data, algorithm, true);
    if (!context)
        return internalError("prepare a signature");
    size_t length = 0;
    if (EVP_PKEY_sign(context.get(), nullptr, &length, hash, hashLength) != 1)
        return internalError("size a signature");
    QByteArray signature(static_cast<qsizetype>(length), Qt::Uninitialized);
    if (EVP_PKEY_sign(context.get(), reinterpret_cast<unsigned char *>(signature.data()), &length, hash, hashLength)
        != 1)
        return internalError("sign");
    returnPkeyContext(data, algorithm, true, std::move(context));
    if (data.type == KeyType::Ec)
        return ecdsaDerToRaw(reinterpret_cast<const unsigned char *>(signature.constData()), length,
                             jwa::curveCoordinateSize(data.curve));
    signature.truncate(static_cast<qsizetype>(length));
    return signature;
}

Result<void> Key::verify(Algorithm algorithm, QByteArrayView input, QByteArrayView signature) const
{
    if (auto usable = checkAlgorithm(algorithm); !usable)
        return usable.error();
    Data &data = *m_data;

    if (jwa::isHmac(algorithm)) {
        const int expected = digestSize(jwa::digest(algorithm));
        if (signature.size() != expected)
            return Error(CryptoError::InvalidSignature,
                         QStringLiteral("an %1 signature is %2 bytes; this one has %3 bytes")
                             .arg(QLatin1String(jwa::name(algorithm)))
                             .arg(expected)
                             .arg(signature.size()));
        if (!data.hmac[static_cast<int>(jwa::digest(algorithm))]->verify(input, signature))
            return mismatch();
        return {};
    }

    if (algorithm == Algorithm::EdDSA) {
        if (signature.size() != 64)
            return Error(CryptoError::InvalidSignature,
                         QStringLiteral("an EdDSA (Ed25519) signature is 64 bytes; this one has %1 bytes")
                             .arg(signature.size()));
        EvpMdCtxPtr context = takeEdContext(data, false);
        if (!context)
            return internalError("prepare an Ed25519 verification");
        const int ok = EVP_DigestVerify(context.get(), reinterpret_cast<const unsigned char *>(signature.data()), 64,
                                        reinterpret_cast<const unsigned char *>(input.data()),
                                        static_cast<size_t>(input.size()));
        returnEdContext(data, false, std::move(context));
        if (ok != 1) {
            ERR_clear_error();
            return mismatch();
        }
        return {};
    }

    QByteArray der;
    if (data.type == KeyType::Ec) {
        auto converted = ecdsaRawToDer(signature, algorithm);
        if (!converted)
            return converted.error();
        der = std::move(*converted);
        signature = der;
    } else if (signature.size() != (data.bits + 7) / 8) {
        return Error(CryptoError::InvalidSignature,
                     QStringLiteral("an %1 signature with this %2-bit key is %3 bytes; this one has %4 bytes")
                         .arg(QLatin1String(jwa::name(algorithm)))
                         .arg(data.bits)
                         .arg((data.bits + 7) / 8)
                         .arg(signature.size()));
    }

    unsigned char hash[64];
    const auto hashLength = static_cast<size_t>(digestSize(jwa::digest(algorithm)));
    if (!digestInto(jwa::digest(algorithm), input, hash))
        return internalError("hash the signing input");
    EvpPkeyCtxPtr context = takePkeyContext(data, algorithm, false);
    if (!context)
        return internalError("prepare a verification");
    const int ok = EVP_PKEY_verify(context.get(), reinterpret_cast<const unsigned char *>(signature.data()),
                                   static_cast<size_t>(signature.size()), hash, hashLength);
    returnPkeyContext(data, algorithm, false, std::move(context));
    if (ok != 1) {
        ERR_clear_error();
        return mismatch();
    }
    return {};
}

} // namespace portcullis::crypto
