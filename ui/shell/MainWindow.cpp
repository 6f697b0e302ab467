#include "shell/MainWindow.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QHBoxLayout>
#include <QListWidget>
#include <QMenuBar>
#include <QScreen>
#include <QSettings>
#include <QStackedWidget>
#include <QStatusBar>
#include <QSystemTrayIcon>

#include "settings/SettingsPage.h"
#include "shell/AboutDialog.h"
#include "shell/AreaCatalog.h"
#include "style/Icons.h"
#include "widgets/EmptyState.h"
#include "widgets/Page.h"

namespace portcullis::ui {

namespace {

const QString GEOMETRY_KEY = QStringLiteral("window/geometry");
const QString STATE_KEY = QStringLiteral("window/state");
const QString PAGE_KEY = QStringLiteral("window/page");
constexpr int NAVIGATION_ICON_SIZE = 20;
const QSize DEFAULT_SIZE(1120, 720);
constexpr int STATUS_MESSAGE_MS = 4000;

// A page that has no implementation in this build: its header and an empty state saying what will be there.
class EmptyAreaPage : public Page
{
public:
    EmptyAreaPage(const Area &area, QWidget *parent)
        : Page(area.title, area.subtitle, parent)
    {
        body()->addWidget(new EmptyState(icons::themed(area.icon), area.emptyHeadline, area.emptyText, this), 1);
    }
};

} // namespace

MainWindow::MainWindow(Theme &theme, QSettings &settings, QWidget *parent)
    : QMainWindow(parent)
    , m_settings(settings)
    , m_navigation(new QListWidget(this))
    , m_stack(new QStackedWidget(this))
{
    setObjectName(QStringLiteral("MainWindow"));
    setWindowIcon(icons::application());

    m_navigation->setObjectName(QStringLiteral("navigation"));
    m_navigation->setIconSize(QSize(NAVIGATION_ICON_SIZE, NAVIGATION_ICON_SIZE));
    m_navigation->setFrameShape(QFrame::NoFrame);
    m_navigation->setSpacing(2);
    m_navigation->setFixedWidth(210);
    m_navigation->setBackgroundRole(QPalette::Window);
    m_navigation->setAccessibleName(tr("Areas"));

    auto *central = new QWidget(this);
    auto *layout = new QHBoxLayout(central);
    layout->setContentsMargins(8, 8, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_navigation);
    layout->addWidget(m_stack, 1);
    setCentralWidget(central);

    buildPages(theme);
    buildMenus();
    statusBar()->setSizeGripEnabled(true);

    connect(m_navigation, &QListWidget::currentRowChanged, this, &MainWindow::pageShown);
    restoreWindow();
}

void MainWindow::buildPages(Theme &theme)
{
    const QList<Area> areas = AreaCatalog::areas();
    for (const Area &area : areas) {
        Page *page = nullptr;
        if (area.id == QLatin1String("settings"))
            page = new SettingsPage(area.title, area.subtitle, theme, m_settings, m_stack);
        else
            page = new EmptyAreaPage(area, m_stack);
        page->setObjectName(area.id + QStringLiteral("Page"));
        m_stack->addWidget(page);

        auto *item = new QListWidgetItem(icons::themed(area.icon), area.title, m_navigation);
        item->setToolTip(area.subtitle);
        item->setSizeHint(QSize(0, 34));
    }
}

void MainWindow::showWorkspace(const QString &secrets, bool secretsPersist, const QStringList &notices)
{
    if (auto *settings = findChild<SettingsPage *>())
        settings->showSecrets(secrets, secretsPersist, notices);
    if (!notices.isEmpty())
        statusBar()->showMessage(notices.last());
}

void MainWindow::showWorkspaceFailure(const QString &reason)
{
    if (auto *settings = findChild<SettingsPage *>())
        settings->showWorkspaceFailure(reason);
    statusBar()->showMessage(tr("The workspace could not be opened: %1").arg(reason));
}

void MainWindow::showAlert(const QString &rule, const QString &summary, bool critical)
{
    constexpr int SHOWN_MS = 15000;
    statusBar()->showMessage(tr("Alert (%1): %2").arg(rule, summary), SHOWN_MS);
    if (!QSystemTrayIcon::isSystemTrayAvailable() || !QSystemTrayIcon::supportsMessages())
        return;
    if (!m_tray) {
        m_tray = new QSystemTrayIcon(windowIcon(), this);
        m_tray->setToolTip(tr("Portcullis"));
        connect(m_tray, &QSystemTrayIcon::messageClicked, this, [this] {
            showNormal();
            raise();
            activateWindow();
        });
        m_tray->show();
    }
    m_tray->showMessage(tr("Portcullis alert: %1").arg(rule), summary,
                        critical ? QSystemTrayIcon::Critical : QSystemTrayIcon::Warning, SHOWN_MS);
}

void MainWindow::buildMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *quit = file->addAction(icons::themed(QStringLiteral("quit")), tr("&Quit"));
    quit->setShortcut(QKeySequence::Quit);
    quit->setMenuRole(QAction::QuitRole);
    connect(quit, &QAction::triggered, this, &QWidget::close);

    QMenu *go = menuBar()->addMenu(tr("&Go"));
    for (int index = 0; index < m_stack->count(); ++index) {
        QAction *action = go->addAction(m_navigation->item(index)->icon(), m_navigation->item(index)->text());
        if (index < 9)
            action->setShortcut(QKeySequence(Qt::CTRL | static_cast<Qt::Key>(Qt::Key_1 + index)));
        connect(action, &QAction::triggered, this, [this, index] { showPage(index); });
        m_pageActions.append(action);
    }

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    QAction *about = help->addAction(icons::themed(QStringLiteral("about")), tr("&About Portcullis"));
    about->setMenuRole(QAction::AboutRole);
    connect(about, &QAction::triggered, this, &MainWindow::showAbout);
    QAction *aboutQt = help->addAction(tr("About &Qt"));
    aboutQt->setMenuRole(QAction::AboutQtRole);
    connect(aboutQt, &QAction::triggered, qApp, &QApplication::aboutQt);
}

int MainWindow::pageCount() const
{
    return m_stack->count();
}

int MainWindow::currentPage() const
{
    return m_stack->currentIndex();
}

Page *MainWindow::page(int index) const
{
    return qobject_cast<Page *>(m_stack->widget(index));
}

void MainWindow::showPage(int index)
{
    if (index >= 0 && index < m_stack->count())
        m_navigation->setCurrentRow(index);
}

void MainWindow::showAbout()
{
    auto *dialog = new AboutDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
}

void MainWindow::pageShown(int index)
{
    if (index < 0)
        return;
    m_stack->setCurrentIndex(index);
    Page *shown = page(index);
    setWindowTitle(shown->title()); // The platform appends the application's display name.
    if (index < m_pageActions.size())
        statusBar()->showMessage(
            tr("%1 (%2)").arg(shown->title(), m_pageActions.at(index)->shortcut().toString(QKeySequence::NativeText)),
            STATUS_MESSAGE_MS);
    Q_EMIT currentPageChanged(index);
}

void MainWindow::restoreWindow()
{
    const QByteArray geometry = m_settings.value(GEOMETRY_KEY).toByteArray();
    if (geometry.isEmpty() || !restoreGeometry(geometry)) {
        resize(DEFAULT_SIZE);
        if (const QScreen *screen = QGuiApplication::primaryScreen())
            move(screen->availableGeometry().center() - rect().center());
    }
    restoreState(m_settings.value(STATE_KEY).toByteArray());
    const int page = m_settings.value(PAGE_KEY, 0).toInt();
    m_navigation->setCurrentRow(page >= 0 && page < m_stack->count() ? page : 0);
}

void MainWindow::saveWindow()
{
    m_settings.setValue(GEOMETRY_KEY, saveGeometry());
    m_settings.setValue(STATE_KEY, saveState());
    m_settings.setValue(PAGE_KEY, currentPage());
    m_settings.sync();
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    saveWindow();
    QMainWindow::closeEvent(event);
}

} // namespace portcullis::ui
