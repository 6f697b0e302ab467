#include "crypto/Base64Url.h"

#include <array>

#include "crypto/CryptoError.h"

namespace portcullis::crypto::base64url {

namespace {

constexpr char ALPHABET[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr signed char INVALID = -1;

constexpr std::array<signed char, 256> makeDecodeTable()
{
    std::array<signed char, 256> table {};
    for (auto &entry : table)
        entry = INVALID;
    for (int i = 0; i < 64; ++i)
        table[static_cast<unsigned char>(ALPHABET[i])] = static_cast<signed char>(i);
    return table;
}

constexpr std::array<signed char, 256> DECODE = makeDecodeTable();

inline int value(char c)
{
    return DECODE[static_cast<unsigned char>(c)];
}

// Four tables that place a character's six bits where they belong in a 24-bit group, so a group of four
// characters decodes with four loads and three ORs. An invalid character sets bit 31, checked once per group.
constexpr quint32 BAD = 0x80000000u;

constexpr std::array<quint32, 256> makeShiftedTable(int shift)
{
    std::array<quint32, 256> table {};
    for (int c = 0; c < 256; ++c)
        table[c] = DECODE[c] < 0 ? BAD : quint32(DECODE[c]) << shift;
    return table;
}

constexpr std::array<quint32, 256> D0 = makeShiftedTable(18);
constexpr std::array<quint32, 256> D1 = makeShiftedTable(12);
constexpr std::array<quint32, 256> D2 = makeShiftedTable(6);
constexpr std::array<quint32, 256> D3 = makeShiftedTable(0);

} // namespace

QByteArray encode(QByteArrayView bytes)
{
    const qsizetype n = bytes.size();
    QByteArray out((n / 3) * 4 + (n % 3 ? n % 3 + 1 : 0), Qt::Uninitialized);
    const auto *in = reinterpret_cast<const unsigned char *>(bytes.data());
    char *o = out.data();
    qsizetype i = 0;
    for (; i + 3 <= n; i += 3) {
        const unsigned v = (unsigned(in[i]) << 16) | (unsigned(in[i + 1]) << 8) | in[i + 2];
        *o++ = ALPHABET[(v >> 18) & 63];
        *o++ = ALPHABET[(v >> 12) & 63];
        *o++ = ALPHABET[(v >> 6) & 63];
        *o++ = ALPHABET[v & 63];
    }
    if (n - i == 1) {
        const unsigned v = unsigned(in[i]) << 16;
        *o++ = ALPHABET[(v >> 18) & 63];
        *o++ = ALPHABET[(v >> 12) & 63];
    } else if (n - i == 2) {
        const unsigned v = (unsigned(in[i]) << 16) | (unsigned(in[i + 1]) << 8);
        *o++ = ALPHABET[(v >> 18) & 63];
        *o++ = ALPHABET[(v >> 12) & 63];
        *o++ = ALPHABET[(v >> 6) & 63];
    }
    return out;
}

qsizetype decodedLength(qsizetype length)
{
    if (length < 0 || length % 4 == 1)
        return -1;
    return (length / 4) * 3 + (length % 4 ? length % 4 - 1 : 0);
}

bool decodeInto(QByteArrayView text, QByteArray &out)
{
    const qsizetype n = text.size();
    const qsizetype size = decodedLength(n);
    if (size < 0)
        return false;
    out.resize(size);
    const auto *in = reinterpret_cast<const unsigned char *>(text.data());
    auto *o = reinterpret_cast<unsigned char *>(out.data());
    qsizetype i = 0;
    quint32 bad = 0;
    for (; i + 4 <= n; i += 4) {
        const quint32 v = D0[in[i]] | D1[in[i + 1]] | D2[in[i + 2]] | D3[in[i + 3]];
        bad |= v;
        o[0] = static_cast<unsigned char>(v >> 16);
        o[1] = static_cast<unsigned char>(v >> 8);
        o[2] = static_cast<unsigned char>(v);
        o += 3;
    }
    if (bad & BAD)
        return false;
    const qsizetype rest = n - i;
    const char *tail = text.data();
    if (rest == 2) {
        const int a = value(tail[i]), b = value(tail[i + 1]);
        if ((a | b) < 0 || (b & 0x0F) != 0)
            return false;
        *o++ = static_cast<unsigned char>((a << 2) | (b >> 4));
    } else if (rest == 3) {
        const int a = value(tail[i]), b = value(tail[i + 1]), c = value(tail[i + 2]);
        if ((a | b | c) < 0 || (c & 0x03) != 0)
            return false;
        const unsigned v = (unsigned(a) << 12) | (unsigned(b) << 6) | unsigned(c);
        *o++ = static_cast<unsigned char>(v >> 10);
        *o++ = static_cast<unsigned char>(v >> 2);
    }
    return true;
}

Result<QByteArray> decode(QByteArrayView text)
{
    QByteArray out;
    if (decodeInto(text, out))
        return out;
    if (text.size() % 4 == 1)
        return Error(CryptoError::InvalidEncoding,
                     QStringLiteral("base64url text of %1 characters cannot be valid (a length of the form 4n+1)")
                         .arg(text.size()));
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (value(text[i]) < 0) {
            const char c = text[i];
            const QString shown = c == '=' ? QStringLiteral("padding '='")
                : (c > 0x20 && c < 0x7F)
                ? QStringLiteral("'%1'").arg(QLatin1Char(c))
                : QStringLiteral("byte 0x%1").arg(static_cast<unsigned char>(c), 2, 16, QLatin1Char('0'));
            return Error(CryptoError::InvalidEncoding,
                         QStringLiteral("%1 at position %2 is not allowed in base64url (only A-Z a-z 0-9 - _, "
                                        "no padding)")
                             .arg(shown)
                             .arg(i));
        }
    }
    return Error(CryptoError::InvalidEncoding,
                 QStringLiteral("the last base64url character is not canonical (its unused bits are not zero)"));
}

} // namespace portcullis::crypto::base64url
