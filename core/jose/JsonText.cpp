#include "jose/JsonText.h"

namespace portcullis::jose::detail {

namespace {

constexpr char HEX_DIGITS[] = "0123456789abcdef";
constexpr char HEX_DIGITS_UPPER[] = "0123456789ABCDEF";

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

uint hex4(const char *p)
{
    return uint(hexValue(p[0]) << 12 | hexValue(p[1]) << 8 | hexValue(p[2]) << 4 | hexValue(p[3]));
}

int encodeUtf8(char32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = char(cp);
        return 1;
    }
    if (cp < 0x800) {
        out[0] = char(0xC0 | (cp >> 6));
        out[1] = char(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = char(0xE0 | (cp >> 12));
        out[1] = char(0x80 | ((cp >> 6) & 0x3F));
        out[2] = char(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = char(0xF0 | (cp >> 18));
    out[1] = char(0x80 | ((cp >> 12) & 0x3F));
    out[2] = char(0x80 | ((cp >> 6) & 0x3F));
    out[3] = char(0x80 | (cp & 0x3F));
    return 4;
}

// Decodes the validated escape at p (p[0] is the backslash) into out; returns the bytes of input consumed and
// sets `written` to the bytes of output.
int decodeEscape(const char *p, char *out, int &written)
{
    written = 1;
    switch (p[1]) {
    case 'b':
        out[0] = '\b';
        return 2;
    case 'f':
        out[0] = '\f';
        return 2;
    case 'n':
        out[0] = '\n';
        return 2;
    case 'r':
        out[0] = '\r';
        return 2;
    case 't':
        out[0] = '\t';
        return 2;
    case 'u': {
        char32_t cp = hex4(p + 2);
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            const char32_t low = hex4(p + 8);
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            written = encodeUtf8(cp, out);
            return 12;
        }
        written = encodeUtf8(cp, out);
        return 6;
    }
    default: // '"', '\\', '/'
        out[0] = p[1];
        return 2;
    }
}

// Yields the unescaped bytes of a validated string content one at a time, without allocating.
class UnescapedReader
{
public:
    UnescapedReader(QByteArrayView content, bool escaped)
        : m_p(content.data())
        , m_end(content.data() + content.size())
        , m_escaped(escaped)
    { }

    bool next(char &c)
    {
        if (m_pendingPos < m_pendingSize) {
            c = m_pending[m_pendingPos++];
            return true;
        }
        if (m_p == m_end)
            return false;
        if (!m_escaped || *m_p != '\\') {
            c = *m_p++;
            return true;
        }
        m_p += decodeEscape(m_p, m_pending, m_pendingSize);
        m_pendingPos = 1;
        c = m_pending[0];
        return true;
    }

private:
    const char *m_p;
    const char *m_end;
    bool m_escaped;
    char m_pending[4] = {};
    int m_pendingSize = 0;
    int m_pendingPos = 0;
};

bool needsEscape(uchar c)
{
    return c < 0x20 || c == '"' || c == '\\';
}

} // namespace

bool isValidUtf8(QByteArrayView bytes)
{
    const auto *p = reinterpret_cast<const uchar *>(bytes.data());
    const auto *end = p + bytes.size();
    while (p < end) {
        if (*p < 0x80) {
            ++p;
            continue;
        }
        const int length = utf8SequenceLength(p, end);
        if (length == 0)
            return false;
        p += length;
    }
    return true;
}

void appendUnescaped(QByteArray &out, QByteArrayView content)
{
    const char *p = content.data();
    const char *end = p + content.size();
    while (p < end) {
        const char *run = p;
        while (p < end && *p != '\\')
            ++p;
        out.append(run, p - run);
        if (p == end)
            break;
        char decoded[4];
        int written = 0;
        p += decodeEscape(p, decoded, written);
        out.append(decoded, written);
    }
}

bool unescapedEquals(QByteArrayView a, bool aEscaped, QByteArrayView b, bool bEscaped)
{
    UnescapedReader left(a, aEscaped);
    UnescapedReader right(b, bEscaped);
    char x = 0;
    char y = 0;
    for (;;) {
        const bool moreLeft = left.next(x);
        const bool moreRight = right.next(y);
        if (moreLeft != moreRight)
            return false;
        if (!moreLeft)
            return true;
        if (x != y)
            return false;
    }
}

void appendEscaped(QByteArray &out, QByteArrayView utf8)
{
    const char *p = utf8.data();
    const char *end = p + utf8.size();
    while (p < end) {
        const char *run = p;
        while (p < end && !needsEscape(uchar(*p)))
            ++p;
        out.append(run, p - run);
        if (p == end)
            break;
        const auto c = uchar(*p++);
        switch (c) {
        case '"':
            out.append("\\\"", 2);
            break;
        case '\\':
            out.append("\\\\", 2);
            break;
        case '\b':
            out.append("\\b", 2);
            break;
        case '\f':
            out.append("\\f", 2);
            break;
        case '\n':
            out.append("\\n", 2);
            break;
        case '\r':
            out.append("\\r", 2);
            break;
        case '\t':
            out.append("\\t", 2);
            break;
        default: {
            const char escape[6] = {'\\', 'u', '0', '0', HEX_DIGITS[c >> 4], HEX_DIGITS[c & 0xF]};
            out.append(escape, 6);
            break;
        }
        }
    }
}

QString describeBytes(QByteArrayView bytes, qsizetype maxShown)
{
    QString text;
    const qsizetype shown = qMin(bytes.size(), maxShown);
    text.reserve(shown * 4 + 3);
    for (qsizetype i = 0; i < shown; ++i) {
        const auto c = uchar(bytes[i]);
        if (c >= 0x20 && c < 0x7F && c != '"' && c != '\'' && c != '\\') {
            text += QLatin1Char(char(c));
        } else {
            const char escape[4] = {'\\', 'x', HEX_DIGITS_UPPER[c >> 4], HEX_DIGITS_UPPER[c & 0xF]};
            text += QLatin1String(escape, 4);
        }
    }
    if (bytes.size() > shown)
        text += QLatin1String("...");
    return text;
}

QString describeByte(uchar byte)
{
    const QString shown = describeBytes(QByteArrayView(reinterpret_cast<const char *>(&byte), 1));
    if (shown.size() != 1)
        return shown;
    return u'\'' + shown + u'\'';
}

} // namespace portcullis::jose::detail
