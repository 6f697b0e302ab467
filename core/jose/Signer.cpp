#include "jose/Signer.h"

#include "crypto/Base64Url.h"
#include "jose/JoseError.h"

namespace portcullis::jose {

QByteArray Signer::header(const Jwk &key, crypto::Algorithm algorithm, const HeaderOptions &options)
{
    JsonWriter writer;
    writer.beginObject();
    writer.key("alg").value(QByteArrayView(crypto::jwa::name(algorithm)));
    if (!options.type.isEmpty())
        writer.key("typ").value(options.type);
    if (options.includeKeyId && !key.kid().isEmpty())
        writer.key("kid").value(key.kid());
    for (const auto &[name, json] : options.extra)
        writer.key(name).raw(json);
    writer.endObject();
    return writer.take();
}

Result<QByteArray> Signer::sign(const Jwk &key, crypto::Algorithm algorithm, QByteArrayView payload,
                                const HeaderOptions &options)
{
    if (auto fits = key.checkAlgorithm(algorithm); !fits)
        return fits.error();
    QByteArray token = crypto::base64url::encode(header(key, algorithm, options));
    token += '.';
    token += crypto::base64url::encode(payload);
    auto signature = key.key().sign(algorithm, token);
    if (!signature)
        return signature.error();
    token += '.';
    token += crypto::base64url::encode(*signature);
    return token;
}

} // namespace portcullis::jose
