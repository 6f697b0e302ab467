#include "store/KeychainThread.h"

#include <mutex>

#include <QObject>
#include <QThread>

namespace portcullis::store {

namespace {

// Guards the holder count and the starting and stopping of the thread.
std::mutex s_mutex;
int s_holders = 0;
QObject *s_context = nullptr;

// Never deleted: QtKeychain's executor keeps this QThread as its thread for the rest of the process.
QThread *sharedThread()
{
    static QThread *const thread = [] {
        auto *created = new QThread;
        created->setObjectName(QStringLiteral("portcullis-keychain"));
        return created;
    }();
    return thread;
}

} // namespace

KeychainThread::KeychainThread()
{
    std::lock_guard lock(s_mutex);
    if (s_holders++ == 0) {
        QThread *thread = sharedThread();
        s_context = new QObject;
        s_context->moveToThread(thread);
        thread->start();
    }
    m_context = s_context;
}

KeychainThread::~KeychainThread()
{
    std::lock_guard lock(s_mutex);
    if (--s_holders == 0) {
        QThread *thread = sharedThread();
        thread->quit();
        thread->wait();
        delete s_context; // its thread has stopped, so nothing else touches it
        s_context = nullptr;
    }
}

void KeychainThread::post(std::function<void()> work) const
{
    QMetaObject::invokeMethod(m_context, std::move(work), Qt::QueuedConnection);
}

bool KeychainThread::isCurrentThread() const
{
    return QThread::currentThread() == sharedThread();
}

} // namespace portcullis::store
