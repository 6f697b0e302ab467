#pragma once

// Internal to the JSON classes of core/jose: UTF-8 checks, unescaping, canonical escaping, and safe echoing of
// untrusted bytes in error messages. Not part of the API.

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

namespace portcullis::jose::detail {

// The length of the well-formed UTF-8 sequence at p (whose first byte is >= 0x80), or 0 when it is ill-formed:
// overlong, an encoded surrogate, above U+10FFFF, a stray continuation byte, or cut short by `end`.
// Inline: the parser calls it for every non-ASCII character of a string.
inline int utf8SequenceLength(const uchar *p, const uchar *end)
{
    const uchar c = p[0];
    const qsizetype available = end - p;
    const auto continuation = [](uchar b) { return (b & 0xC0) == 0x80; };
    if (c >= 0xC2 && c <= 0xDF)
        return available >= 2 && continuation(p[1]) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (available < 3)
            return 0;
        const uchar low = c == 0xE0 ? 0xA0 : 0x80; // E0 80..9F would be overlong
        const uchar high = c == 0xED ? 0x9F : 0xBF; // ED A0..BF would be a surrogate
        return p[1] >= low && p[1] <= high && continuation(p[2]) ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (available < 4)
            return 0;
        const uchar low = c == 0xF0 ? 0x90 : 0x80; // F0 80..8F would be overlong
        const uchar high = c == 0xF4 ? 0x8F : 0xBF; // F4 90.. would be above U+10FFFF
        return p[1] >= low && p[1] <= high && continuation(p[2]) && continuation(p[3]) ? 4 : 0;
    }
    return 0; // 80..BF (a stray continuation), C0, C1 (overlong), F5..FF
}

// Whether all of `bytes` is well-formed UTF-8.
bool isValidUtf8(QByteArrayView bytes);

// Appends the unescaped form of a string's content (the text between the quotes, already validated by the
// parser: every escape well-formed, surrogates paired).
void appendUnescaped(QByteArray &out, QByteArrayView content);

// Whether two validated string contents are equal once unescaped; `aEscaped` / `bEscaped` say whether each may
// hold escapes (a plain side is compared byte for byte, backslashes included). The caller has already checked
// that the unescaped lengths are equal.
bool unescapedEquals(QByteArrayView a, bool aEscaped, QByteArrayView b, bool bEscaped);

// Appends UTF-8 text as the content of a JSON string (no quotes), escaped canonically as in RFC 8785 §3.2.2.2:
// \" \\ \b \f \n \r \t, the other controls below 0x20 as \u00xx (lower-case hex), everything else as is.
void appendEscaped(QByteArray &out, QByteArrayView utf8);

// Untrusted bytes made safe to show: printable ASCII as is (except " ' \), anything else as \xNN, at most
// `maxShown` bytes followed by "..." when there are more.
QString describeBytes(QByteArrayView bytes, qsizetype maxShown = 20);

// One byte for an error message: 'c' in single quotes when printable ASCII, else \xNN.
QString describeByte(uchar byte);

} // namespace portcullis::jose::detail
