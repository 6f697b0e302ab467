#include "TempDir.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

namespace portcullis::test {

TempDir::TempDir()
    : m_dir(QDir::tempPath() + QStringLiteral("/portcullis-test-XXXXXX"))
{
    m_dir.setAutoRemove(qEnvironmentVariableIsEmpty("PORTCULLIS_KEEP_TEST_DIRS"));
}

bool TempDir::write(const QString &relative, const QByteArray &content) const
{
    const QString target = filePath(relative);
    if (!QDir().mkpath(QFileInfo(target).absolutePath()))
        return false;
    QFile file(target);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    return file.write(content) == content.size() && file.flush();
}

QByteArray TempDir::read(const QString &relative) const
{
    QFile file(filePath(relative));
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

bool TempDir::exists(const QString &relative) const
{
    return QFileInfo::exists(filePath(relative));
}

} // namespace portcullis::test
