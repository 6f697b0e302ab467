#pragma once

#include <QList>
#include <QMainWindow>

class QAction;
class QListWidget;
class QSettings;
class QStackedWidget;

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
};

} // namespace portcullis::ui
