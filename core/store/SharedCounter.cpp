#include "store/SharedCounter.h"

#include <atomic>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <QFile>
#include <QStringBuilder>

#include "store/StoreError.h"

namespace portcullis::store {

namespace {

constexpr off_t FILE_SIZE = 64;

static_assert(std::atomic_ref<quint64>::is_always_lock_free, "a shared counter needs lock-free 64-bit atomics");

std::atomic_ref<quint64> counterAt(void *mapping)
{
    return std::atomic_ref<quint64>(*static_cast<quint64 *>(mapping));
}

Error failure(const QString &path, const char *what)
{
    return Error(StoreError::OpenFailed,
                 u"The change counter " % path % u" cannot be " % QLatin1StringView(what) % u": "
                     % QString::fromLocal8Bit(std::strerror(errno)) % u". Check the workspace folder's permissions.");
}

} // namespace

Result<std::unique_ptr<SharedCounter>> SharedCounter::open(const QString &path)
{
    const QByteArray native = QFile::encodeName(path);
    const int fd = ::open(native.constData(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return failure(path, "opened");
    struct stat info
    { };
    if (::fstat(fd, &info) != 0 || (info.st_size < FILE_SIZE && ::ftruncate(fd, FILE_SIZE) != 0)) {
        const Error error = failure(path, "sized");
        ::close(fd);
        return error;
    }
    void *mapping = ::mmap(nullptr, FILE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ::close(fd);
    if (mapping == MAP_FAILED)
        return failure(path, "mapped");
    return std::unique_ptr<SharedCounter>(new SharedCounter(mapping));
}

SharedCounter::SharedCounter(void *mapping)
    : m_mapping(mapping)
{ }

SharedCounter::~SharedCounter()
{
    ::munmap(m_mapping, FILE_SIZE);
}

quint64 SharedCounter::value() const
{
    return counterAt(m_mapping).load(std::memory_order_acquire);
}

void SharedCounter::bump()
{
    counterAt(m_mapping).fetch_add(1, std::memory_order_acq_rel);
}

} // namespace portcullis::store
