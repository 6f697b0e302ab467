#pragma once

#include <QList>
#include <QMainWindow>

class QAction;
class QListWidget;
class QSettings;
class QStackedWidget;
class QSystemTrayIcon;

namespace portcullis::ui {

class Page;
class Theme;

// The console window: navigation on the left, one page per area on the right. It only wires pages; each
// page owns its own behaviour.
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    MainWindow(Theme &theme, QSettings &settings, QWidget *parent = nullptr);

    [[nodiscard]] int pageCount() const;
    [[nodiscard]] int currentPage() const;
    [[nodiscard]] Page *page(int index) const;
    void showPage(int index);
    void showAbout();
    // The workspace opened (on its own thread): where secrets live, and notices for the operator.
    void showWorkspace(const QString &secrets, bool secretsPersist, const QStringList &notices);
    void showWorkspaceFailure(const QString &reason);
    // An alert from the workspace's security monitor: a desktop notification where the desktop has a system tray,
    // and always the status bar.
    void showAlert(const QString &rule, const QString &summary, bool critical);

Q_SIGNALS:
    void currentPageChanged(int index);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void buildPages(Theme &theme);
    void buildMenus();
    void pageShown(int index);
    void restoreWindow();
    void saveWindow();

    QSettings &m_settings;
    QListWidget *m_navigation;
    QStackedWidget *m_stack;
    QList<QAction *> m_pageActions;
    QSystemTrayIcon *m_tray = nullptr; // made for the first alert, when the desktop has a tray
};

} // namespace portcullis::ui
