#pragma once

#include <functional>

class QObject;

namespace portcullis::store {

// The thread, with its own event loop, on which every QtKeychain job of the process runs.
//
// QtKeychain runs jobs one at a time through a process-wide executor object that belongs to the thread which
// started the first job; a job started in any other thread is reported back to that executor through a queued
// call, and once that thread has stopped the executor never starts another job. So all KeychainSecretStores
// share one thread. Each store holds a KeychainThread: the first one starts the thread, the last one to go stops
// it (quit and waited for), and the same QThread object is started again for the next, which keeps the executor's
// thread valid.
class KeychainThread
{
public:
    KeychainThread();
    ~KeychainThread();

    KeychainThread(const KeychainThread &) = delete;
    KeychainThread &operator=(const KeychainThread &) = delete;

    // Queues `work` to run on the keychain thread.
    void post(std::function<void()> work) const;
    // True when called on the keychain thread (where waiting for a job would wait forever).
    [[nodiscard]] bool isCurrentThread() const;

private:
    QObject *m_context; // lives on the keychain thread while any KeychainThread exists
};

} // namespace portcullis::store
