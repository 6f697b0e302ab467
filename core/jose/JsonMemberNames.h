#pragma once

#include <QByteArray>
#include <QList>

namespace portcullis::jose {

// Member names looked up together again and again (a verifier's header fields and claims), with what
// JsonValue::findMembers() compares worked out once.
class JsonMemberNames
{
public:
    JsonMemberNames() = default;
    // Names are unescaped UTF-8; one may appear more than once.
    explicit JsonMemberNames(QList<QByteArray> names);

    [[nodiscard]] qsizetype size() const { return m_names.size(); }
    [[nodiscard]] const QByteArray &at(qsizetype i) const { return m_names.at(i); }

private:
    friend class JsonValue;

    // A name's key from its head (its first eight bytes, the first in the lowest, zero-filled) and its length. Names
    // of up to seven bytes have equal keys exactly when they are equal; longer names with equal keys may differ.
    static quint64 key(quint64 head, qsizetype size) { return head ^ quint64(size) << 56; }

    QList<QByteArray> m_names;
    QList<quint64> m_keys;
};

} // namespace portcullis::jose
