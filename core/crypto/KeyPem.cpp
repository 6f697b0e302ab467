// Key::fromPem and Key::toPem.

#include <openssl/bio.h>
#include <openssl/decoder.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <QRegularExpression>

#include "crypto/CryptoError.h"
#include "crypto/Key.h"
#include "crypto/OpenSslPtr.h"

namespace portcullis::crypto {

namespace {

using BioPtr = std::unique_ptr<BIO, OpenSslDeleter<BIO, BIO_free_all>>;
using X509Ptr = std::unique_ptr<X509, OpenSslDeleter<X509, X509_free>>;
using DecoderCtxPtr = std::unique_ptr<OSSL_DECODER_CTX, OpenSslDeleter<OSSL_DECODER_CTX, OSSL_DECODER_CTX_free>>;

constexpr qsizetype MAX_PEM_BYTES = 64 * 1024;

// Refuses to prompt: an encrypted key makes the decoder ask for a passphrase, and the answer is no.
int noPassphrase(char *, int, int, void *)
{
    return -1;
}

QByteArray firstLabel(QByteArrayView pem)
{
    static const QRegularExpression s_begin(QStringLiteral("-----BEGIN ([A-Z0-9 ]{1,40})-----"));
    const auto match = s_begin.match(QString::fromLatin1(pem.first(std::min<qsizetype>(pem.size(), 4096))));
    return match.hasMatch() ? match.captured(1).toLatin1() : QByteArray();
}

BioPtr memoryBio(QByteArrayView bytes)
{
    return BioPtr(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
}

} // namespace

Result<Key> Key::fromPem(QByteArrayView pem)
{
    if (pem.size() > MAX_PEM_BYTES)
        return Error(CryptoError::InvalidEncoding,
                     QStringLiteral("the PEM text is %1 bytes; key files above %2 KiB are refused")
                         .arg(pem.size())
                         .arg(MAX_PEM_BYTES / 1024));
    const QByteArray label = firstLabel(pem);
    if (label.isEmpty())
        return Error(CryptoError::InvalidEncoding,
                     QStringLiteral("no PEM block found (expected a line such as -----BEGIN PUBLIC KEY-----)"));
    if (label == "ENCRYPTED PRIVATE KEY" || pem.indexOf("Proc-Type: 4,ENCRYPTED") >= 0)
        return Error(CryptoError::InvalidKey,
                     QStringLiteral("the private key is encrypted; decrypt it first, e.g. "
                                    "`openssl pkey -in key.pem -out plain.pem`"));

    BioPtr bio = memoryBio(pem);
    if (label == "CERTIFICATE") {
        X509Ptr certificate(PEM_read_bio_X509(bio.get(), nullptr, noPassphrase, nullptr));
        if (!certificate)
            return Error(CryptoError::InvalidEncoding,
                         QStringLiteral("the certificate cannot be read (%1)").arg(takeOpenSslErrors()));
        // The certificate's public key only: Portcullis never trusts or validates the certificate itself.
        return fromEvpKey(X509_get_pubkey(certificate.get()));
    }

    EVP_PKEY *key = nullptr;
    DecoderCtxPtr decoder(OSSL_DECODER_CTX_new_for_pkey(&key, "PEM", nullptr, nullptr, 0, nullptr, nullptr));
    if (!decoder)
        return Error(CryptoError::Internal, QStringLiteral("OpenSSL has no PEM decoder (%1)").arg(takeOpenSslErrors()));
    OSSL_DECODER_CTX_set_pem_password_cb(decoder.get(), noPassphrase, nullptr);
    if (OSSL_DECODER_from_bio(decoder.get(), bio.get()) != 1 || !key)
        return Error(CryptoError::InvalidEncoding,
                     QStringLiteral("the PEM block \"%1\" does not hold a key OpenSSL can read (%2)")
                         .arg(QString::fromLatin1(label), takeOpenSslErrors()));
    return fromEvpKey(key);
}

Result<QByteArray> Key::toPem(bool includePrivate) const
{
    if (isSymmetric())
        return Error(CryptoError::InvalidKey, QStringLiteral("an HMAC secret has no PEM form; export it as a JWK"));
    BioPtr bio(BIO_new(BIO_s_mem()));
    auto *pkey = const_cast<EVP_PKEY *>(evpKey());
    const int ok = includePrivate && hasPrivateKey()
        ? PEM_write_bio_PrivateKey(bio.get(), pkey, nullptr, nullptr, 0, nullptr, nullptr)
        : PEM_write_bio_PUBKEY(bio.get(), pkey);
    if (ok != 1)
        return Error(CryptoError::Internal, QStringLiteral("could not write PEM (%1)").arg(takeOpenSslErrors()));
    char *data = nullptr;
    const long length = BIO_get_mem_data(bio.get(), &data);
    return QByteArray(data, static_cast<qsizetype>(length));
}

} // namespace portcullis::crypto
