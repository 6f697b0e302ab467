#pragma once

#include <QByteArray>
#include <QString>
#include <QTemporaryDir>

namespace portcullis::test {

// A private temporary directory for one test (mode 0700), removed afterwards unless
// PORTCULLIS_KEEP_TEST_DIRS is set, with helpers to write and read files in it.
class TempDir
{
public:
    TempDir();

    [[nodiscard]] bool isValid() const { return m_dir.isValid(); }
    [[nodiscard]] QString path() const { return m_dir.path(); }
    [[nodiscard]] QString filePath(const QString &relative) const { return m_dir.filePath(relative); }

    // Writes `content` to `relative` (creating parent folders); false on any I/O error.
    bool write(const QString &relative, const QByteArray &content) const;
    [[nodiscard]] QByteArray read(const QString &relative) const;
    [[nodiscard]] bool exists(const QString &relative) const;

private:
    QTemporaryDir m_dir;
};

} // namespace portcullis::test
