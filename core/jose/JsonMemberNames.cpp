#include "jose/JsonMemberNames.h"

namespace portcullis::jose {

JsonMemberNames::JsonMemberNames(QList<QByteArray> names)
    : m_names(std::move(names))
{
    m_keys.reserve(m_names.size());
    for (const QByteArray &name : std::as_const(m_names)) {
        quint64 head = 0;
        for (qsizetype i = 0; i < qMin<qsizetype>(name.size(), 8); ++i)
            head |= quint64(uchar(name[i])) << (8 * i);
        m_keys.append(key(head, name.size()));
    }
}

} // namespace portcullis::jose
